"""A bad reference URL is refused with one clear message wherever it is entered."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from references.models import Reference
from tests.articles.test_admin import article_form
from tests.conftest import reference

MESSAGE = "Enter a full http:// or https:// address."
NOT_WEB_ADDRESSES = [
    "javascript:alert(1)",
    "ftp://example.org/file",
    "data:text/html,x",
    "https://exa mple.org/",
    "http://",
]


def assert_one_clear_message(text):
    assert text.count(MESSAGE) == 1, text
    assert "Enter a valid URL" not in text


@pytest.mark.parametrize("url", NOT_WEB_ADDRESSES)
def test_the_article_form_refuses_a_reference_url_once(editor_client, make_section, url):
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(make_section(), references=[reference(1, url=url)]),
    )
    assert response.status_code == 200
    assert_one_clear_message(response.content.decode())
    assert not Reference.objects.exists()


@pytest.mark.parametrize("url", NOT_WEB_ADDRESSES)
def test_the_reference_admin_refuses_a_url_once(editor_client, make_article, url):
    ref = make_article(references=[reference(1)]).references.get()
    response = editor_client.post(
        reverse("admin:references_reference_change", args=[ref.pk]),
        {"publisher": "P", "title": "T", "url": url, "accessed_at": ""},
    )
    assert response.status_code == 200
    assert_one_clear_message(response.content.decode())
    ref.refresh_from_db()
    assert ref.url == "https://example.org/source-1"


@pytest.mark.parametrize("url", ["https://exa mple.org/", "http://"])
def test_the_import_names_the_field_and_says_it_once(tmp_path, db, url):
    article = {
        "external_id": "bad-url",
        "title": "A claim",
        "body": "A claim [1].",
        "section": "news",
        "references": [{"number": 1, "publisher": "P", "title": "T", "url": url}],
    }
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(article))
    stderr = StringIO()
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=StringIO(), stderr=stderr)
    assert f"references[0].url: {MESSAGE}" in stderr.getvalue()
    assert_one_clear_message(stderr.getvalue())


def test_web_addresses_are_still_accepted(editor_client, make_section):
    url = "https://example.org/a-source?page=2#part"
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(make_section(), references=[reference(1, url=url)]),
    )
    assert response.status_code == 302
    assert Reference.objects.get().url == url
