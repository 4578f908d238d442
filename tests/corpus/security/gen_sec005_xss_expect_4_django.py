# expect: SEC005
"""Render a greeting (django)."""
from django.http import HttpResponse
from django.utils.safestring import mark_safe


def handle_q(request):
    query = request.POST.get("q", "")
    snippet = mark_safe("<em>" + query + "</em>")
    return HttpResponse(snippet)
