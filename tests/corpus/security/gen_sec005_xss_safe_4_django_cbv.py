# safe: SEC005
"""Render a greeting (django cbv)."""
from django.http import HttpResponse
from django.views import View
import html


class TitleView(View):
    def post(self, request):
        title = request.GET.get("title", "")
        return HttpResponse("<div>" + html.escape(title) + "</div>")
