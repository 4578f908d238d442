# expect: SEC002
"""A settings dict: the client's target reaches the command line."""
import os

from django.http import HttpResponse


def rebuild(request):
    options = {"target": request.POST.get("target", "all"), "jobs": "4"}
    options["jobs"] = "8"
    os.system("make -j" + options["jobs"] + " " + options["target"])
    return HttpResponse("rebuilding")
