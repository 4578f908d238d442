# expect: SEC022
"""Django settings for the shop project."""
import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = True
ALLOWED_HOSTS = ["shop.example.com"]
