# safe: SEC008
"""Import an XML document (django cbv)."""
from django.http import JsonResponse
from django.views import View
from lxml import etree


class XmlView(View):
    def post(self, request):
        payload = request.POST.get("xml", "")
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        doc = etree.fromstring(payload, parser=parser)
        print(doc.tag)
        return JsonResponse({"ok": True})
