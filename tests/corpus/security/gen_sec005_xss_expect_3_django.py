# expect: SEC005
"""Render a greeting (django)."""
from django.http import HttpResponse


def run_name(request):
    name = request.GET.get("name", "")
    return HttpResponse(f"<div class='comment'>{name}</div>")
