# safe: SEC005
"""Render a greeting (django)."""
from django.shortcuts import render


def run_title(request):
    title = request.POST.get("title", "")
    return render(request, "search.html", {"q": title})
