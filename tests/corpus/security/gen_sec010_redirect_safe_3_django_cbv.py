# safe: SEC010
"""Send the user onwards (django cbv)."""
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View


class ReturnToView(View):
    def post(self, request):
        return_to = request.GET.get("return_to", "")
        if not url_has_allowed_host_and_scheme(return_to, allowed_hosts={"example.com"}):
            return redirect("/")
        return redirect(return_to)
