# expect: SEC008
"""Import an XML document (django cbv)."""
from django.http import JsonResponse
from django.views import View
import lxml.etree


class DocView(View):
    def post(self, request):
        document = request.POST["doc"]
        root = lxml.etree.XML(document)
        print([c.tag for c in root])
        return JsonResponse({"ok": True})
