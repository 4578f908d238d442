# safe: SEC002
import logging
import os
import subprocess

log = logging.getLogger(__name__)


def compress(paths):
    cmd = ["tar", "czf", "out.tgz", *paths]
    log.info("running %s", " ".join(cmd))
    subprocess.run(cmd, check=True)


def disk_usage():
    return subprocess.check_output("df -h /", shell=True).decode()
