# expect: SEC005
"""Render a greeting (django cbv)."""
from django.http import HttpResponse
from django.views import View


class NameView(View):
    def post(self, request):
        name = request.GET.get("name", "")
        return HttpResponse(f"<div class='comment'>{name}</div>")
