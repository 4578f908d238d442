# expect: SEC011
"""Remember a preference (django)."""
from django.http import JsonResponse


def process_theme(request):
    theme = request.POST.get("theme", "")
    request.session["theme"] = theme
    return JsonResponse({"ok": True})
