# safe: SEC003
from django.contrib.auth.models import User
from django.http import JsonResponse


def user_by_id(request):
    uid = request.GET.get("id")
    users = User.objects.raw("SELECT * FROM auth_user WHERE id = %s", [uid])
    return JsonResponse({"names": [u.username for u in users]})
