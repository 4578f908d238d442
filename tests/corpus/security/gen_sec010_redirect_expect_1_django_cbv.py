# expect: SEC010
"""Send the user onwards (django cbv)."""
from django.http import HttpResponseRedirect
from django.views import View


class UrlView(View):
    def post(self, request):
        target = request.POST["url"]
        return HttpResponseRedirect(target)
