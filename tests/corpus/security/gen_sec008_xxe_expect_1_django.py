# expect: SEC008
"""Import an XML document (django)."""
from django.http import JsonResponse
from lxml import etree
import io


def run_xml(request):
    payload = request.POST["xml"]
    tree = etree.parse(io.BytesIO(payload.encode()))
    print(tree.getroot().tag)
    return JsonResponse({"ok": True})
