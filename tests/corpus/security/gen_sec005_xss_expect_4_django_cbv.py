# expect: SEC005
"""Render a greeting (django cbv)."""
from django.http import HttpResponse
from django.utils.safestring import mark_safe
from django.views import View


class QView(View):
    def post(self, request):
        query = request.GET.get("q", "")
        snippet = mark_safe("<em>" + query + "</em>")
        return HttpResponse(snippet)
