# expect: SEC025
"""Django settings."""
SECRET_KEY_FILE = "/run/secrets/django"
DEBUG = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.admin", "shop"]
