# safe: SEC022
import http.cookiejar


def add(jar: http.cookiejar.CookieJar, cookie: http.cookiejar.Cookie) -> None:
    jar.set_cookie(cookie)
