# expect: SEC007
"""Query an XML catalogue (django cbv)."""
from django.http import JsonResponse
from django.views import View
from lxml import etree


class IsbnView(View):
    def post(self, request):
        isbn = request.GET.get("isbn", "")
        root = etree.parse("catalog.xml").getroot()
        books = root.xpath("//book[isbn='" + isbn + "']/title/text()")
        print(books)
        return JsonResponse({"ok": True})
