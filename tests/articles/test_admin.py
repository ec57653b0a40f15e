import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Section
from tests.conftest import reference


def article_form(section, *, body="A claim [1].", references=(), **overrides):
    """Return the POST data of the article admin form with its inline references."""
    data = {
        "title": "Written in the admin",
        "slug": "written-in-the-admin",
        "dek": "A dek.",
        "body": body,
        "byline": "Editor",
        "section": section.pk,
        "tags": "Models, Policy",
        "origin": "human",
        "pipeline_version": "",
        "quality_score": "",
        "external_id": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "references-TOTAL_FORMS": str(len(references)),
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    } | overrides
    for index, fields in enumerate(references):
        for name, value in fields.items():
            data[f"references-{index}-{name}"] = value
    return data


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status__exact=draft",
        "?origin__exact=pipeline",
        "?q=claim",
        "?published_at__year=2026",
        "?featured__exact=1",
    ],
)
def test_article_changelist_loads_with_filters_and_search(editor_client, make_article, query):
    make_article(title="A listed article", tags=["Models"], body="A claim.")
    response = editor_client.get(reverse("admin:articles_article_changelist") + query)
    assert response.status_code == 200


def test_article_changelist_filters_by_tag_and_section(editor_client, make_article):
    tagged = make_article(title="Tagged one", tags=["Models"])
    make_article(title="Untagged one")
    tag_id = tagged.tags.get().pk
    url = reverse("admin:articles_article_changelist")
    response = editor_client.get(f"{url}?tags__id__exact={tag_id}")
    assert "Tagged one" in response.content.decode()
    assert "Untagged one" not in response.content.decode()
    response = editor_client.get(f"{url}?section__id__exact={tagged.section_id}")
    assert list(response.context["cl"].result_list) == [tagged]


def test_editor_creates_an_article_with_references(editor_client, make_section):
    section = make_section()
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(section, references=[reference(1, title="The cited source")]),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    article = Article.objects.get(slug="written-in-the-admin")
    assert [r.title for r in article.references.all()] == ["The cited source"]
    assert sorted(article.tags.names()) == ["Models", "Policy"]
    assert 'title="The cited source"' in article.body_html


def test_citing_a_missing_reference_is_a_form_error(editor_client, make_section):
    section = make_section()
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(section, body="Claims [1] and [3, 4].", references=[reference(1)]),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Line 1 cites [3], [4], but there are no references with those numbers." in html
    assert not Article.objects.exists()


def test_deleting_a_cited_reference_is_a_form_error(editor_client, make_article):
    article = make_article(body="Claim [1].", references=[reference(1)])
    ref = article.references.get()
    data = article_form(
        article.section,
        title=article.title,
        slug=article.slug,
        body=article.body,
        references=[reference(1) | {"id": ref.pk, "article": article.pk, "DELETE": "on"}],
    )
    data["references-INITIAL_FORMS"] = "1"
    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 200
    assert "The body cites [1]" in response.content.decode()
    assert article.references.exists()


@pytest.mark.parametrize(
    ("numbers", "warning"),
    [
        ([1, 2], "Reference [2] is not cited anywhere in the body."),
        ([1, 2, 3], "References [2], [3] are not cited anywhere in the body."),
    ],
)
def test_uncited_references_are_saved_with_a_warning(editor_client, make_section, numbers, warning):
    section = make_section()
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(section, body="Claim [1].", references=[reference(n) for n in numbers]),
        follow=True,
    )
    assert warning in response.content.decode()
    assert Article.objects.get().references.count() == len(numbers)


def test_change_form_shows_uncited_references(editor_client, make_article):
    article = make_article(body="Claim [1].", references=[reference(1), reference(2)])
    response = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "Not cited in the body: [2]" in response.content.decode()


def test_publishing_in_the_admin_without_a_date_publishes_now(editor_client, make_section):
    section = make_section()
    editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(section, body="No citations.", status="published"),
    )
    article = Article.objects.get()
    assert article.is_published()


@pytest.mark.parametrize(
    ("action", "status"),
    [("publish", "published"), ("unpublish", "draft"), ("send_to_review", "in_review")],
)
def test_bulk_actions_change_status(editor_client, make_article, action, status):
    articles = [
        make_article(status="draft", published_at=None),
        make_article(status="published"),
        make_article(status="in_review"),
    ]
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [a.pk for a in articles]},
    )
    for article in articles:
        article.refresh_from_db()
        assert article.status == status
        if status == "published":
            assert article.is_published()


def test_view_on_site_previews_a_draft(editor_client, make_article):
    draft = make_article(status="draft", published_at=None, title="Secret draft")
    change_page = editor_client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    assert f'href="{draft.get_absolute_url()}" class="viewsitelink"' in change_page.content.decode()
    response = editor_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Preview — not published." in response.content.decode()
    assert "Secret draft" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "admin:articles_section_changelist",
        "admin:articles_section_add",
        "admin:references_reference_changelist",
        "admin:taggit_tag_changelist",
        "admin:articles_page_changelist",
        "admin:articles_article_add",
    ],
)
def test_admin_pages_load(editor_client, make_article, name):
    make_article(tags=["Models"], body="Claim [1].", references=[reference(1)])
    assert editor_client.get(reverse(name)).status_code == 200


def test_reference_admin_edits_a_title_and_refreshes_the_tooltip(editor_client, make_article):
    article = make_article(body="Claim [1].", references=[reference(1, title="Old title")])
    ref = article.references.get()
    url = reverse("admin:references_reference_change", args=[ref.pk])
    assert editor_client.get(url).status_code == 200
    response = editor_client.post(
        url,
        {
            "publisher": ref.publisher,
            "title": "New title",
            "url": ref.url,
            "accessed_at": "",
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert 'title="New title"' in article.body_html


def test_reference_admin_rejects_a_non_http_url(editor_client, make_article):
    article = make_article(references=[reference(1)])
    ref = article.references.get()
    response = editor_client.post(
        reverse("admin:references_reference_change", args=[ref.pk]),
        {"publisher": "P", "title": "T", "url": "javascript:alert(1)", "accessed_at": ""},
    )
    assert response.status_code == 200
    assert "Enter a full http:// or https:// address." in response.content.decode()


def test_readers_cannot_reach_the_admin(client, db):
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_references_are_edited_right_under_the_sources_fieldset(editor_client, make_article):
    article = make_article(body="Claim [1].", references=[reference(1)])
    html = editor_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert (
        html.index(">Sources<") < html.index('id="references-group"') < html.index(">Provenance<")
    )


def test_changelist_shows_scheduled_articles_as_scheduled(editor_client, make_article):
    make_article(title="Later", published_at=timezone.now() + dt.timedelta(days=3))
    response = editor_client.get(reverse("admin:articles_article_changelist"))
    assert '<span class="stage-pill stage-scheduled">Scheduled</span>' in response.content.decode()


def test_bulk_delete_goes_through_the_services(editor_client, make_article, make_section):
    """The changelist's "Delete selected" deletes each row as its delete view does."""
    busy = make_section(name="Busy")
    article = make_article(tags=["Obsolete"], section=busy)
    empty = make_section(name="Empty")
    tag = article.tags.get()
    reader = Client()
    assert "Obsolete" in reader.get(article.get_absolute_url()).content.decode()  # now cached
    response = editor_client.post(
        reverse("admin:taggit_tag_changelist"),
        {"action": "delete_selected", "_selected_action": [tag.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not article.tags.exists()
    assert "Obsolete" not in reader.get(article.get_absolute_url()).content.decode()
    sections = reverse("admin:articles_section_changelist")
    both = {"action": "delete_selected", "post": "yes"}
    refused = editor_client.post(sections, both | {"_selected_action": [empty.pk, busy.pk]})
    assert "Cannot delete sections" in refused.content.decode()
    assert Section.objects.filter(pk__in=[empty.pk, busy.pk]).count() == 2  # none half-deleted
    editor_client.post(sections, both | {"_selected_action": [empty.pk]})
    assert list(Section.objects.filter(pk__in=[empty.pk, busy.pk])) == [busy]
