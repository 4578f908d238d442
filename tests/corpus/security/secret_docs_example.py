# safe: SEC030
"""Configuration help text.

Set AWS_ACCESS_KEY_ID to something like AKIAIOSFODNN7EXAMPLE and the secret to
wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY (these are AWS's documented examples).
"""
DATABASE_URL_TEMPLATE = "postgresql://{user}:{password}@{host}/{db}"
