# expect: SEC005
"""Render a greeting (django cbv)."""
from django.http import HttpResponse
from django.views import View


class CommentView(View):
    def post(self, request):
        comment = request.POST.get("comment", "")
        return HttpResponse(f"<div class='comment'>{comment}</div>")
