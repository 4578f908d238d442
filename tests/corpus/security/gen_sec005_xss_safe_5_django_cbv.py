# safe: SEC005
"""Render a greeting (django cbv)."""
from django.shortcuts import render
from django.views import View


class CommentView(View):
    def post(self, request):
        comment = request.POST.get("comment", "")
        return render(request, "search.html", {"q": comment})
