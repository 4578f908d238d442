# expect: SEC012
import json
import urllib.request

from django.http import JsonResponse


def preview(request):
    target = request.POST["link"]
    req = urllib.request.Request(target, headers={"User-Agent": "preview-bot"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        meta = json.loads(resp.read())
    return JsonResponse(meta)
