"""The words the pattern rules look for: API names, security-looking names, weak algorithms."""

from __future__ import annotations

import re

# Every rule below is anchored on one of these words: the analyzer jumps from each match
# to the enclosing call/assignment/assert instead of walking whole statements.
CANDIDATES = (
    rb"md5|sha1|SHA1|MD5|md4|ripemd|random|choice|randint|randrange|getrandbits|uniform|"
    rb"shuffle|sample|randbytes|set_cookie|COOKIE|verify|unverified|CERT_NONE|check_hostname|"
    rb"debug|DEBUG|mktemp|/tmp/|/var/tmp/|/dev/shm/|DES|ARC[24]|Blowfish|IDEA|CAST|XOR|"
    rb"TripleDES|SEED|ECB|generate|PROTOCOL_|_METHOD|wrap_socket|SECP192|SECT163|0\.0\.0\.0|"
    rb"[\"']::[\"']|bind|Server|make_server|host\s*=\s*[\"'][\"']|requests|\bassert\b|"
    rb"Environment|Template|resolve_entities|setFeature|hashes\."
)
PREFILTER = re.compile(CANDIDATES)
SECURITY_WORDS = re.compile(
    r"passw|pwd|secret|token|auth|sign|session|credential|api_?key|otp|nonce|salt|login|"
    r"csrf|reset|verif|hmac|cookie|private|2fa|mfa|pin\b|apikey|access_key|invite",
    re.I,
)
NON_SECURITY = re.compile(
    r"checksum|etag|cache|fingerprint_file|dedup|shard|bucket|"
    r"color|colour|sample|shuffle|jitter|backoff|retry|test",
    re.I,
)
ASSERT_SECURITY = re.compile(
    r"is_admin|is_superuser|is_staff|is_authenticated|is_anonymous|has_perms?\b|"
    r"has_permission|has_role|authori[sz]|permission|logged_in|is_owner|owner_id|"
    r"check_password|verify_password|csrf|can_(?:edit|delete|view|access|write|read)|"
    r"\.role\b|current_user|request\.user|is_active_user|signature",
    re.I,
)
WEAK_HASHES = {"md5", "sha1", "md4", "md2", "ripemd160"}
RANDOM_FUNCS = {
    "random",
    "randint",
    "randrange",
    "choice",
    "choices",
    "sample",
    "getrandbits",
    "uniform",
    "shuffle",
    "randbytes",
}
REQUESTS_CALLS = {f"requests.{m}" for m in ("get", "post", "put", "patch", "delete", "head", "options", "request")}
WEAK_CIPHER_NAMES = re.compile(
    r"(?:^|\.)(?:DES|DES3|ARC2|ARC4|Blowfish|CAST|XOR)\.new$|"
    r"algorithms\.(?:TripleDES|ARC4|Blowfish|IDEA|CAST5|SEED)$|modes\.ECB$"
)
WEAK_ATTRS = re.compile(
    r"(?:^|\.)(?:MODE_ECB|PROTOCOL_SSLv2|PROTOCOL_SSLv3|PROTOCOL_TLSv1|"
    r"PROTOCOL_TLSv1_1|SSLv2_METHOD|SSLv3_METHOD|TLSv1_METHOD|TLSv1_1_METHOD|"
    r"SECP192R1|SECT163K1)$"
)
TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$|(^|/)tests?/")
SETTINGS_FILE = re.compile(r"(^|/)settings[^/]*\.py$|(^|/)settings/[^/]*\.py$")
ALL_INTERFACES = {"0.0.0.0", "::", ""}
COOKIE_SETTINGS = frozenset(
    {
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "REMEMBER_COOKIE_SECURE",
        "REMEMBER_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
    }
)
