# expect: SEC002
import os
from rest_framework.views import APIView
from rest_framework.response import Response


class PingView(APIView):
    def post(self, request):
        host = request.data.get("host")
        code = os.system("ping -c 1 %s" % host)
        return Response({"code": code})
