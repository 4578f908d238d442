"""Open-redirect sanitizers seen in real framework code (issue #14): a guard that re-assigns
a constant when the check fails, an emptiness test, and request data placed in the query or
fragment of a URL the program built. Their unsafe look-alikes still report."""

from __future__ import annotations

from .helpers import run

DJANGO = (
    "from django.http import HttpResponse, HttpResponseRedirect\n"
    "from django.urls import reverse\n"
    "from django.utils.http import url_has_allowed_host_and_scheme\n"
)


def view(body: str) -> str:
    lines = "".join(f"    {line}\n" for line in body.strip("\n").splitlines())
    return DJANGO + "\n\ndef view(request):\n" + lines


def redirects(body: str) -> list[float]:
    """Confidences of the open-redirect findings, shown or not."""
    return [f.confidence for f in run(view(body), shown=False) if f.rule_id == "SEC010"]


def test_reassigning_guard_is_a_sanitizer() -> None:
    body = """
url = request.GET.get("next")
if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
    url = "/"
return HttpResponseRedirect(url)
"""
    assert redirects(body) == []


def test_reassigning_guard_as_a_conditional_expression() -> None:
    body = """
url = request.GET.get("next")
url = url if url_has_allowed_host_and_scheme(url=url, allowed_hosts=None) else "/"
return HttpResponseRedirect(url)
"""
    assert redirects(body) == []


def test_nested_fallback_guards_with_an_emptiness_test() -> None:
    # django.views.i18n.set_language: the failing branch tries the referer, checked again
    body = """
next_url = request.POST.get("next", request.GET.get("next"))
if (next_url or request.accepts("text/html")) and not url_has_allowed_host_and_scheme(
    url=next_url, allowed_hosts={request.get_host()}
):
    next_url = request.META.get("HTTP_REFERER")
    if not url_has_allowed_host_and_scheme(url=next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
return HttpResponseRedirect(next_url) if next_url else HttpResponse(status=204)
"""
    assert redirects(body) == []


def test_reassigning_when_empty_is_not_a_check() -> None:
    body = """
url = request.GET.get("next")
if not url:
    url = "/"
return HttpResponseRedirect(url)
"""
    assert redirects(body)


def test_reassigning_guard_on_another_value_does_not_clean() -> None:
    body = """
url = request.GET.get("next")
other = request.GET.get("other")
if not url_has_allowed_host_and_scheme(other, allowed_hosts=None):
    other = "/"
return HttpResponseRedirect(url)
"""
    assert redirects(body)


def test_request_data_in_the_query_of_a_built_url_is_not_a_redirect() -> None:
    for expr in (
        '"%s?%s" % (reverse("home"), request.META.get("QUERY_STRING", ""))',
        'reverse("home") + "?" + request.GET.urlencode()',
        "f\"{reverse('home')}?next={request.GET['n']}\"",
        'reverse("home") + "#" + request.GET["tab"]',
    ):
        assert redirects(f"return HttpResponseRedirect({expr})") == [], expr


def test_request_data_before_the_query_is_still_a_redirect() -> None:
    for expr in (
        '"%s?%s" % (request.GET["base"], "x=1")',
        'request.GET["base"] + "?" + request.GET.urlencode()',
        "f\"{request.GET['base']}?next=1\"",
        '"%s%s" % (request.GET["base"], "?x=1")',
    ):
        assert redirects(f"return HttpResponseRedirect({expr})"), expr


def test_url_encoded_query_joined_with_the_request_path_is_not_a_redirect() -> None:
    # the encoded query cannot name a host and the request path is this site's own
    body = """
filters = urlencode({"_changelist_filters": request.GET.get("q")})
url = join_filters(request.path, filters)
return HttpResponseRedirect(url)
"""
    assert redirects("from django.utils.http import urlencode\n" + body) == []


def test_language_code_checked_by_django_is_a_guard() -> None:
    body = """
lang = request.POST.get("language")
if lang and check_for_language(lang):
    return HttpResponseRedirect(translate_url("/", lang))
return HttpResponse(status=204)
"""
    source = view(body).replace(
        "from django.urls import reverse\n",
        "from django.urls import reverse, translate_url\nfrom django.utils.translation import check_for_language\n",
    )
    assert [f for f in run(source, shown=False) if f.rule_id == "SEC010"] == []


def test_unchecked_language_code_still_reaches_the_redirect() -> None:
    body = """
lang = request.POST.get("language")
return HttpResponseRedirect(translate_url(lang, "en"))
"""
    assert redirects(body.replace("translate_url", "build")) != []


def test_server_set_environ_keys_are_not_request_data() -> None:
    body = """
request.session["token"] = request.META["CSRF_COOKIE"]
request.session["user"] = request.META.get("REMOTE_USER")
return HttpResponse(status=204)
"""
    assert [f for f in run(view(body), shown=False) if f.rule_id == "SEC011" and f.confidence > 0.3] == []


def test_client_sent_environ_keys_are_still_request_data() -> None:
    body = """
request.session["agent"] = request.META["HTTP_USER_AGENT"]
return HttpResponseRedirect(request.META.get("QUERY_STRING"))
"""
    found = {f.rule_id for f in run(view(body))}
    assert {"SEC010", "SEC011"} <= found


def test_plain_text_response_is_not_cross_site_scripting() -> None:
    body = """
name = request.GET["name"]
return HttpResponse("hello " + name, content_type="text/plain; charset=utf-8")
"""
    assert [f for f in run(view(body), shown=False) if f.rule_id == "SEC005"] == []


def test_html_response_still_is() -> None:
    for kind in ("text/html", "image/svg+xml"):
        body = f"""
name = request.GET["name"]
return HttpResponse("hello " + name, content_type="{kind}")
"""
        assert [f for f in run(view(body)) if f.rule_id == "SEC005"], kind
