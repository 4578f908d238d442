# safe: SEC005
"""Render a greeting (django)."""
from django.http import HttpResponse
import html


def action_name(request):
    name = request.GET.get("name", "")
    return HttpResponse("<div>" + html.escape(name) + "</div>")
