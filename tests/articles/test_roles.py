"""Writers write drafts and articles in review; whatever readers can see is for editors.

The rule holds on every way into the admin: the article form, the bulk actions and the
reference admin.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from references.models import Reference
from tests.conftest import reference

CHANGELIST = "admin:articles_article_changelist"


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


def bulk(client, action, *articles):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [article.pk for article in articles]},
        follow=True,
    )


def test_a_writer_cannot_take_a_live_article_off_the_site_by_sending_it_to_review(
    writer_client, client, make_article
):
    live = make_article(title="Live story")
    draft = make_article(status="draft", published_at=None)
    response = bulk(writer_client, "send_to_review", live, draft)
    page = response.content.decode()
    assert "Sent 1 article(s) to review." in page
    assert "1 article(s) left as they were" in page and "only editors change" in page
    live.refresh_from_db()
    draft.refresh_from_db()
    assert (live.status, draft.status) == ("published", "in_review")
    client.logout()
    assert client.get(live.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_a_writer_cannot_publish_or_unpublish_in_bulk(writer_client, make_article, action):
    live = make_article()
    draft = make_article(status="draft", published_at=None)
    bulk(writer_client, action, live, draft)
    live.refresh_from_db()
    draft.refresh_from_db()
    assert (live.status, draft.status) == ("published", "draft")


def test_an_editor_sends_a_live_article_back_to_review(editor_client, make_article):
    live = make_article()
    assert (
        "Sent 1 article(s) to review."
        in bulk(editor_client, "send_to_review", live).content.decode()
    )
    assert Client().get(live.get_absolute_url()).status_code == 404


def test_publishing_in_bulk_says_how_many_are_scheduled(editor_client, make_article):
    later = make_article(status="draft", published_at=timezone.now() + dt.timedelta(days=1))
    now = make_article(status="draft", published_at=None)
    page = bulk(editor_client, "publish", later, now).content.decode()
    assert "Published 2 article(s). 1 of them are scheduled" in page


def test_a_writer_cannot_rewrite_a_live_articles_source(writer_client, client, make_article):
    live = make_article(body="Claim [1].", references=[reference(1, title="Original")])
    source = live.references.get()
    url = reverse("admin:references_reference_change", args=[source.pk])
    assert 'name="title"' not in writer_client.get(url).content.decode()  # view only
    response = writer_client.post(
        url, {"publisher": "P", "title": "Rewritten", "url": "https://evil.example/"}
    )
    assert response.status_code == 403
    page = client.get(live.get_absolute_url()).content.decode()
    assert "Original" in page and "Rewritten" not in page


def test_a_writer_cannot_add_a_source_to_a_live_article(writer_client, client, make_article):
    live = make_article(body="Claim [1].", references=[reference(1)])
    response = writer_client.post(
        reverse("admin:references_reference_add"),
        {
            "article": live.pk,
            "number": 2,
            "publisher": "P",
            "title": "Slipped in",
            "url": "https://evil.example/",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert live.references.count() == 1
    assert "Slipped in" not in client.get(live.get_absolute_url()).content.decode()


def test_the_article_picker_offers_writers_only_articles_they_may_edit(writer_client, make_article):
    make_article(title="Live piece")
    make_article(title="Draft piece", status="draft", published_at=None)
    response = writer_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "piece",
            "app_label": "references",
            "model_name": "reference",
            "field_name": "article",
        },
    )
    assert [result["text"] for result in response.json()["results"]] == ["Draft piece"]


def test_a_writer_fixes_a_source_of_a_draft(writer_client, make_article):
    draft = make_article(
        status="draft", published_at=None, body="Claim [1].", references=[reference(1)]
    )
    source = draft.references.get()
    response = writer_client.post(
        reverse("admin:references_reference_change", args=[source.pk]),
        {"publisher": "P", "title": "Corrected title", "url": "https://example.org/"},
    )
    assert response.status_code == 302
    assert Reference.objects.get(pk=source.pk).title == "Corrected title"
    assert 'title="Corrected title"' in Article.objects.get(pk=draft.pk).body_html
