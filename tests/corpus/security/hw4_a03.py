# expect: SEC002
import subprocess
from flask import request
from flask.views import MethodView


class LogSearch(MethodView):
    def get(self):
        pattern = request.args.get("pattern", "")
        cmd = "grep -n '" + pattern + "' /var/log/app.log"
        out = subprocess.check_output(["bash", "-c", cmd])
        return out.decode()
