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
