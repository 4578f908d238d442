"""Precision on real code, round three (issue 14): each false or debatable warning seen on
bench/realworld next to the true positive that must still be reported at default settings."""

from __future__ import annotations

from codie.core.findings import Finding

from .helpers import rules, run


def sec020(source: str) -> list[Finding]:
    return [f for f in run(source, shown=False) if f.rule_id == "SEC020"]


# -- SEC020: a weak hash of fresh random bytes protects nothing it could leak --------------


def test_sha1_of_fresh_os_random_bytes_is_hidden_but_kept() -> None:
    source = """
        import os
        from hashlib import sha1

        class Manager:
            def __init__(self):
                self._omit_token = '__omit_place_holder__%s' % sha1(os.urandom(64)).hexdigest()
        """
    assert "SEC020" not in rules(source)
    assert sec020(source)  # still there at --min-confidence 0


def test_md5_of_secrets_token_bytes_is_hidden() -> None:
    source = """
        import hashlib
        import secrets

        def new_session_key():
            return hashlib.md5(secrets.token_bytes(32)).hexdigest()
        """
    assert "SEC020" not in rules(source)


def test_sha1_of_a_password_still_fires() -> None:
    source = """
        import hashlib

        def store(password):
            return hashlib.sha1(password.encode()).hexdigest()
        """
    assert "SEC020" in rules(source)


def test_sha1_of_random_bytes_joined_with_a_secret_still_fires() -> None:
    source = """
        import hashlib
        import os

        def make_token(password):
            return hashlib.sha1(os.urandom(8) + password.encode()).hexdigest()
        """
    assert "SEC020" in rules(source)


# -- SEC022/SEC025: a module of default settings is not a deployment's settings -------------

DEFAULTS = '''"""Default settings. Override these in your project's settings module."""

DEBUG = False
ADMINS = []
ALLOWED_HOSTS = []
TIME_ZONE = "UTC"
DATABASES = {}
CACHES = {}
EMAIL_HOST = "localhost"
EMAIL_HOST_USER = ""
EMAIL_HOST_PASSWORD = ""
SECRET_KEY = ""
SESSION_COOKIE_NAME = "sessionid"
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CSRF_COOKIE_HTTPONLY = False
LOGGING_CONFIG = "logging.config.dictConfig"
STATIC_ROOT = None
'''

PROJECT = """from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = []
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "shop"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "shop.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_TZ = True
STATIC_URL = "static/"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
"""


def test_cookie_flags_in_a_module_of_defaults_are_hidden_but_kept() -> None:
    uri = "file:///project/framework/conf/global_defaults.py"
    assert "SEC022" not in rules(DEFAULTS, uri)
    kept = [f for f in run(DEFAULTS, uri, shown=False) if f.rule_id == "SEC022"]
    assert len(kept) == 3


def test_cookie_flags_off_in_a_project_settings_module_still_fire() -> None:
    found = [f for f in run(PROJECT, "file:///project/shop/settings.py") if f.rule_id == "SEC022"]
    assert len(found) == 2


def test_cookie_flag_off_in_code_still_fires_next_to_many_constants() -> None:
    # the same constants, but the flag is set inside a function: not a declared default
    source = DEFAULTS.replace("CSRF_COOKIE_HTTPONLY = False\n", "") + (
        "\n\ndef configure(app):\n    app.config.update(SESSION_COOKIE_SECURE=False)\n"
    )
    assert "SEC022" in rules(source, "file:///project/app.py")


def test_debug_on_in_a_project_settings_module_still_fires() -> None:
    source = PROJECT.replace("DEBUG = False", "DEBUG = True")
    assert "SEC025" in rules(source, "file:///project/shop/settings.py")


# -- SEC020: SHA-1 named for a signature check is legacy use, signing with it is not --------

DSA = """
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes


class DSSKey:
    def sign_ssh_data(self, key, data):
        return key.sign(data, hashes.SHA1())

    def verify_ssh_sig(self, key, signature, data):
        try:
            key.verify(signature, data, hashes.SHA1())
        except InvalidSignature:
            return False
        return True
"""


def line_of(source: str, offset: int) -> str:
    return source.encode()[:offset].decode().rsplit("\n", 1)[-1] + source.encode()[offset:].decode().split("\n")[0]


def test_sha1_passed_to_a_signature_verification_is_hidden_but_kept() -> None:
    shown = [line_of(DSA, f.start).strip() for f in run(DSA) if f.rule_id == "SEC020"]
    assert shown == ["return key.sign(data, hashes.SHA1())"]  # signing with SHA-1 still fires
    assert len(sec020(DSA)) == 2  # the verification is still there at --min-confidence 0
