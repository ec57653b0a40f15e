"""Requests Django cannot answer sensibly get a 400 that says why, never a 500."""

import pytest
from django.test import Client

NUL_URLS = [
    "/search/?q=model&section=%00",
    "/search/?q=model&tag=%00",
    "/search/?q=%00",
    "/?page=%00",
    "/feeds/rss/?x=%00",
]
ADMIN_NUL_URLS = [
    "/admin/articles/article/?q=%00",
    "/admin/articles/article/?section__slug=%00",
    "/admin/articles/article/?tags__name=a%00b",
    "/admin/references/reference/?publisher=%00",
    "/admin/feedback/vote/?q=%00",
    "/admin/autocomplete/?app_label=references&model_name=reference&field_name=article&term=%00",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_character_in_a_public_query_is_a_400_that_says_why(client, make_article, url):
    make_article(title="A model", tags=["Models"])
    response = client.get(url)
    assert response.status_code == 400
    assert "contains a NUL character" in response.content.decode()


@pytest.mark.parametrize("url", ADMIN_NUL_URLS)
def test_a_nul_character_in_an_admin_query_is_a_400(editor_client, make_article, url):
    make_article(title="A model", tags=["Models"])
    response = editor_client.get(url)
    assert response.status_code == 400
    assert "contains a NUL character" in response.content.decode()


def test_a_nul_character_in_a_posted_form_is_a_400(editor_client, make_article):
    article = make_article()
    response = editor_client.post(
        f"/admin/articles/article/{article.pk}/change/", {"title": "Bad\x00title"}
    )
    assert response.status_code == 400
    assert "'title' contains a NUL character" in response.content.decode()
    article.refresh_from_db()
    assert article.title != "Bad\x00title"


def test_a_vote_with_a_nul_character_is_a_400(client, make_article):
    article = make_article()
    response = client.post(f"/articles/{article.slug}/feedback/", {"helpful": "no\x00"})
    assert response.status_code == 400
    assert article.votes.count() == 0


@pytest.fixture
def csrf_client(db):
    """A client that checks CSRF as browsers meet it, holding the CSRF cookie of a form page."""
    client = Client(enforce_csrf_checks=True)
    client.get("/admin/login/")
    assert client.cookies.get("csrftoken")
    return client


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=ISO-8859-1",
        "application/x-www-form-urlencoded; charset=utf8",  # Django reads only "utf-8"
        "application/x-www-form-urlencoded; charset=nonsense",
        "multipart/form-data; boundary=x; charset=nonsense",
    ],
)
def test_a_form_in_a_charset_other_than_utf8_is_a_400_on_any_url(
    csrf_client, make_article, content_type
):
    article = make_article()
    token = csrf_client.cookies["csrftoken"].value
    for url in ["/", f"/articles/{article.slug}/feedback/", "/admin/login/"]:
        response = csrf_client.generic(
            "POST",
            url,
            f"csrfmiddlewaretoken={token}&helpful=yes&username=a&password=b".encode(),
            content_type=content_type,
        )
        assert response.status_code == 400, url
        assert "charset" in response.content.decode()
    assert article.votes.count() == 0


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
    ],
)
def test_a_utf8_form_still_records_a_vote(csrf_client, make_article, content_type):
    article = make_article()
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.generic(
        "POST",
        f"/articles/{article.slug}/feedback/",
        f"csrfmiddlewaretoken={token}&helpful=yes".encode(),
        content_type=content_type,
    )
    assert response.status_code == 303
    assert article.votes.count() == 1
