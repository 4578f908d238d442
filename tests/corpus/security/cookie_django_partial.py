# expect: SEC022
from django.http import HttpResponse


def remember_me(request):
    response = HttpResponse("ok")
    response.set_cookie("remember_token", "abc", max_age=3600, httponly=True)
    return response
