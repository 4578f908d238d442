# expect: SEC005
"""Render a greeting (django)."""
from django.http import HttpResponse


def action_comment(request):
    comment = request.POST.get("comment", "")
    return HttpResponse(f"<div class='comment'>{comment}</div>")
