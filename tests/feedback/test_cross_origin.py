"""A vote is a form post without a CSRF token: another site must not be able to make a
reader's browser send one (feedback/origin.py, after Go 1.25's CrossOriginProtection)."""

import pytest
from django.test import Client

from feedback.models import Vote
from feedback.voters import COOKIE_NAME

OWN = "http://testserver"


def vote(article, **headers):
    """Post a Yes vote as a browser that sends these headers, holding a reader's cookie.

    Django's CSRF check is on, as for real browsers: the vote form has no token to pass it.
    """
    reader = Client(enforce_csrf_checks=True)
    reader.post(f"{article.get_absolute_url()}feedback/", {"helpful": "no"})  # their own vote
    assert reader.cookies[COOKIE_NAME].value
    return reader.post(f"{article.get_absolute_url()}feedback/", {"helpful": "yes"}, **headers)


FORGED = [
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
    {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://blog.testserver"},
    {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": OWN},  # the browser's word wins
    {"HTTP_SEC_FETCH_SITE": "something-new"},
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "http://testserver:8080"},
    {"HTTP_ORIGIN": "null"},  # a sandboxed frame or a data: page
    {"HTTP_ORIGIN": "testserver"},  # not an origin at all
    {"HTTP_ORIGIN": "https://evil.example", "HTTP_REFERER": f"{OWN}/articles/"},
    {"HTTP_REFERER": "https://evil.example/articles/a-story/"},
    {"HTTP_REFERER": "http://testserver.evil.example/"},
    {"HTTP_REFERER": "http://[::1"},  # not a URL at all
    {"HTTP_REFERER": "not a url"},
]


@pytest.mark.parametrize("headers", FORGED)
def test_a_vote_forged_by_another_site_is_refused_and_records_nothing(make_article, headers):
    article = make_article()
    response = vote(article, **headers)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "It came from a page on another website" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert COOKIE_NAME not in response.cookies
    assert list(Vote.objects.values_list("helpful", flat=True)) == [False]  # unchanged


ALLOWED = [
    {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": OWN},
    {"HTTP_SEC_FETCH_SITE": "same-origin"},
    {"HTTP_SEC_FETCH_SITE": "none"},  # typed or bookmarked by the reader themselves
    {"HTTP_ORIGIN": OWN},
    {"HTTP_ORIGIN": "HTTP://TestServer"},
    {"HTTP_REFERER": f"{OWN}/articles/a-story/"},
    {},  # no browser: curl, a monitor (no cookie of a reader rides along against their will)
]


@pytest.mark.parametrize("headers", ALLOWED)
def test_a_vote_from_this_site_is_recorded(make_article, headers):
    article = make_article()
    response = vote(article, **headers)
    assert response.status_code == 303
    assert list(Vote.objects.values_list("helpful", flat=True)) == [True]


@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://testserver"},
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_REFERER": "https://testserver/articles/a-story/"},
    ],
)
def test_the_host_decides_not_the_scheme(make_article, settings, secure, headers):
    """Behind a TLS proxy that Django is not told of (no SECURE_PROXY_SSL_HEADER), a reader's
    https page posts to what Django sees as http: as in Go, only the host is compared."""
    settings.SECURE_PROXY_SSL_HEADER = None
    article = make_article()
    assert vote(article, secure=secure, **headers).status_code == 303
    other_port = {
        name: value.replace("testserver", "testserver:8443") for name, value in headers.items()
    }
    assert vote(article, secure=secure, **other_port).status_code == 403


def test_trusted_origins_may_post_from_another_host(make_article, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.example.com", "https://*.example.org"]
    article = make_article()
    for origin in ["https://www.example.com", "https://news.example.org", "https://example.org"]:
        assert vote(article, HTTP_ORIGIN=origin).status_code == 303, origin
        assert (
            vote(article, HTTP_ORIGIN=origin, HTTP_SEC_FETCH_SITE="cross-site").status_code == 303
        )
    for origin in ["http://www.example.com", "https://example.com", "https://evil-example.org"]:
        assert vote(article, HTTP_ORIGIN=origin).status_code == 403, origin


def test_a_vote_from_a_host_outside_allowed_hosts_is_refused(make_article, settings):
    settings.ALLOWED_HOSTS = ["news.example.com"]
    article = make_article()
    reader = Client(HTTP_HOST="evil.example", HTTP_ORIGIN="http://evil.example")
    response = reader.post(f"{article.get_absolute_url()}feedback/", {"helpful": "yes"})
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_reading_the_own_answer_is_never_refused(make_article):
    """A GET changes nothing, and a link from another site to the own form must open."""
    article = make_article()
    reader = Client(HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN="https://evil.example")
    assert reader.get(f"{article.get_absolute_url()}feedback/?helpful=no").status_code == 200
