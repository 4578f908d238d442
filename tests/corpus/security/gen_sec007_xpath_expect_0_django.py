# expect: SEC007
"""Query an XML catalogue (django)."""
from django.http import JsonResponse
from lxml import etree


def action_user(request):
    username = request.GET.get("user", "")
    tree = etree.parse("users.xml")
    matches = tree.xpath(f"//user[@name='{username}']")
    print(len(matches))
    return JsonResponse({"ok": True})
