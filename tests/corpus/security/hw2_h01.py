# expect: SEC002
from flask import Blueprint, request
import subprocess

bp = Blueprint("ops", __name__)


@bp.route("/clone", methods=["POST"])
def clone():
    params = request.get_json()
    cmd = "git clone %(repo)s /srv/repos" % params
    subprocess.Popen(cmd, shell=True).wait()
    return {"ok": True}
