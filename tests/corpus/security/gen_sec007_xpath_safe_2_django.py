# safe: SEC007
"""Query an XML catalogue (django)."""
from django.http import JsonResponse
from lxml import etree


def run_user(request):
    username = request.POST.get("user", "")
    doc = etree.parse("stores.xml")
    print(username, doc.xpath("count(//store)"))
    return JsonResponse({"ok": True})
