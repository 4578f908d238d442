# safe: SEC002
"""The loop picks one of the fixed profiles before breaking out."""
import subprocess

from django.http import JsonResponse


def run_profile(request):
    profile = "make fast"
    for name in request.GET.getlist("profile"):
        if name == "full":
            profile = "make full"
            break
    subprocess.run(profile, shell=True, check=False)
    return JsonResponse({"profile": profile})
