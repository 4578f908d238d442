# expect: SEC005
from django.http import HttpResponse


def greet(request):
    name = request.GET["name"]
    return HttpResponse("<h1>Hello %s</h1>" % name)
