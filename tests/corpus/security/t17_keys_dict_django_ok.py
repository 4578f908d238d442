# safe: SEC002
"""A settings dict: the client's value is overwritten before the command runs."""
import os

from django.http import HttpResponse


def rebuild(request):
    options = {"target": request.POST.get("target", "all"), "jobs": "4"}
    options["target"] = "all"
    os.system("make -j" + options["jobs"] + " " + options["target"])
    return HttpResponse("rebuilding")
