# safe: SEC003
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from .models import Article


def article(request, slug):
    obj = get_object_or_404(Article, slug=slug, published=True)
    return JsonResponse({"title": obj.title, "body": obj.body})
