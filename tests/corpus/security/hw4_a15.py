# expect: SEC010
from django.http import HttpResponseRedirect


def logout(request):
    request.session.flush()
    return HttpResponseRedirect(request.GET.get("next", "/"))
