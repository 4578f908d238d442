# expect: SEC005
"""Render a greeting (django)."""
from django.http import HttpResponse
from django.utils.safestring import mark_safe


def process_q(request):
    query = request.GET.get("q", "")
    snippet = mark_safe("<em>" + query + "</em>")
    return HttpResponse(snippet)
