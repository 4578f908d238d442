"""The words the pattern rules look for: API names, security-looking names, weak algorithms."""

from __future__ import annotations

import itertools
import re

from codie.analyzers.alternation import compile_alternation

# Every rule below is anchored on one of these words: the analyzer jumps from each match
# to the enclosing call/assignment/assert instead of walking whole statements.
CANDIDATES = (
    rb"md5|sha1|SHA1|MD5|md4|ripemd|hashlib\.new|random|choice|randint|randrange|getrandbits|uniform|"
    rb"variate|gauss|triangular|"
    rb"shuffle|sample|randbytes|set_cookie|COOKIE|verify|unverified|CERT_NONE|check_hostname|"
    rb"debug|DEBUG|mktemp|/tmp/|/var/tmp/|/dev/shm/|DES|ARC[24]|Blowfish|IDEA|CAST|XOR|"
    rb"TripleDES|SEED|ECB|generate|PROTOCOL_|_METHOD|wrap_socket|SECP192|SECT163|0\.0\.0\.0|"
    rb"[\"']::[\"']|bind|Server|make_server|host\s*=\s*[\"'][\"']|requests|\bassert\b|"
    rb"Environment|Template|resolve_entities|setFeature|hashes\."
)
# (compiled with its branches grouped by first character: the same matches, faster)
PREFILTER = compile_alternation(CANDIDATES)
# Words (whole identifier parts: `reset_token`, `apiKey`) that say a value protects
# something. They only ever raise the confidence of a weak hash or weak random finding;
# no word lowers it or silences it (a function called `test_...` may still sign tokens).
SECURITY_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "tokens",
        "auth",
        "authenticate",
        "authentication",
        "authorization",
        "signature",
        "signing",
        "sign",
        "signed",
        "sessionid",
        "credential",
        "credentials",
        "apikey",
        "otp",
        "nonce",
        "salt",
        "login",
        "csrf",
        "xsrf",
        "hmac",
        "cookie",
        "mfa",
        "2fa",
        "pin",
        "invite",
        "invitation",
        "verification",
        "privkey",
        "private",
    }
)
IDENTIFIER_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+[a-z]+|\d+")
# `random.getrandbits(128)`: as many bits as an identifier or a key, not a die roll
TOKEN_SHAPE = re.compile(r"getrandbits\(\s*(?:6[4-9]|[7-9]\d|\d{3})")


def security_words(text: str) -> list[str]:
    """The security words among the identifier parts of `text`."""
    parts = [p.lower() for p in IDENTIFIER_PART.findall(text)]
    found = [p for p in parts if p in SECURITY_WORDS]
    found += [
        a + b
        for a, b in itertools.pairwise(parts)
        if a + b in ("apikey", "accesskey", "privatekey", "secretkey", "sessionid", "sessionkey", "sessiontoken")
    ]
    return found


ASSERT_SECURITY = re.compile(
    r"is_admin|is_superuser|is_staff|is_authenticated|is_anonymous|has_perms?\b|"
    r"has_permission|has_role|authori[sz]|permission|logged_in|is_owner|owner_id|"
    r"check_password|verify_password|csrf|can_(?:edit|delete|view|access|write|read)|"
    r"\.role\b|current_user|request\.user|is_active_user|signature",
    re.I,
)
WEAK_HASHES = {"md5", "sha1", "md4", "md2", "ripemd160"}
# The functions of the `random` module that produce values (its `__all__`, without the
# classes and the state functions; `binomialvariate` is new in 3.12).
RANDOM_FUNCS = {
    "betavariate",
    "binomialvariate",
    "choice",
    "choices",
    "expovariate",
    "gammavariate",
    "gauss",
    "getrandbits",
    "lognormvariate",
    "normalvariate",
    "paretovariate",
    "randbytes",
    "randint",
    "random",
    "randrange",
    "sample",
    "shuffle",
    "triangular",
    "uniform",
    "vonmisesvariate",
    "weibullvariate",
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
