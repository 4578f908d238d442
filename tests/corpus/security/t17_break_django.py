# expect: SEC002
"""The first profile name the client sends that exists is the one run."""
import subprocess

from django.http import JsonResponse

PROFILES = ("fast", "full")


def run_profile(request):
    profile = "fast"
    for name in request.GET.getlist("profile"):
        if name.startswith("custom-"):
            profile = name
            break
    subprocess.run(profile, shell=True, check=False)
    return JsonResponse({"profile": profile})
