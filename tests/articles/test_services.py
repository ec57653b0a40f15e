"""Every write goes through the services: rights in one place, the body rendered once, and one
announcement, after commit, of exactly what readers will see change."""

import contextlib
import datetime as dt
import json
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import changes, rendering
from articles.models import Article, Page, Section
from articles.roles import PIPELINE
from articles.services import (
    article_archive,
    article_create,
    article_delete,
    article_publish,
    article_schedule,
    article_set_status,
    article_unpublish,
    article_update,
    page_save,
    section_delete,
    section_save,
    tag_merge,
    tag_rename,
)
from references.models import Reference
from references.services import reference_delete, reference_save
from tests.articles.test_admin import article_form
from tests.conftest import reference


@pytest.fixture
def announced(transactional_db):
    """Collect the keys of each `content_changed` sent during `announced.during()`.

    Transactional: the keys are sent when a write's transaction really commits.
    """

    class Announced:
        def __init__(self):
            self.sent, self.listening = [], False

        @contextlib.contextmanager
        def during(self):
            self.listening = True
            yield
            self.listening = False

    announced = Announced()

    def receive(sender, keys, **kwargs):
        if announced.listening:
            announced.sent.append(keys)

    changes.content_changed.connect(receive, dispatch_uid="test-announced")
    yield announced
    changes.content_changed.disconnect(dispatch_uid="test-announced")


def keys_of(article, *extra):
    return {changes.article_key(article.pk), *extra}


LIST_CHANGE = {changes.ANY_ARTICLE, changes.SEARCH, changes.ALL_ARTICLES}


# Rights


@pytest.mark.parametrize(
    "move",
    [
        lambda actor, article: article_publish(actor=actor, article=article),
        lambda actor, article: article_archive(actor=actor, article=article),
        lambda actor, article: article_schedule(
            actor=actor, article=article, at=timezone.now() + dt.timedelta(days=1)
        ),
        lambda actor, article: article_set_status(actor=actor, article=article, status="published"),
    ],
    ids=["publish", "archive", "schedule", "set_status"],
)
def test_a_writer_may_not_put_a_draft_before_readers(writer, make_article, move):
    draft = make_article(status="draft", published_at=None)
    with pytest.raises(PermissionDenied, match="Only editors"):
        move(writer, draft)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_writer_may_not_unpublish_edit_or_delete_a_live_article(writer, client, make_article):
    live = make_article(title="Live")
    with pytest.raises(PermissionDenied, match="only editors change"):
        article_unpublish(actor=writer, article=live)
    live.title = "Rewritten"
    with pytest.raises(PermissionDenied):
        article_update(actor=writer, article=live)
    with pytest.raises(PermissionDenied):
        article_delete(actor=writer, article=live)
    assert "<h1" in client.get(live.get_absolute_url()).content.decode()
    assert Article.objects.get(pk=live.pk).title == "Live"


def test_a_writer_writes_a_draft_and_sends_it_to_review(writer, make_section):
    draft = article_create(
        actor=writer,
        article=Article(title="Mine", slug="mine", body="Text [1].", section=make_section()),
        references=[Reference(**reference(1))],
        tags=["Models"],
    )
    draft.dek = "Better dek."
    article_update(actor=writer, article=draft)
    article_set_status(actor=writer, article=draft, status="in_review")
    stored = Article.objects.get(pk=draft.pk)
    assert (stored.dek, stored.status, list(stored.tags.names())) == (
        "Better dek.",
        "in_review",
        ["Models"],
    )


def test_an_editor_deletes_a_live_article_and_readers_lose_it(editor, client, make_article):
    live = make_article(references=[reference(1)], body="Claim [1].")
    article_delete(actor=editor, article=live)
    assert client.get(live.get_absolute_url()).status_code == 404
    assert not Reference.objects.exists()


def test_the_pipeline_publishes_but_never_deletes(make_section):
    article = article_create(
        actor=PIPELINE,
        article=Article(title="Made", slug="made", section=make_section(), status="published"),
    )
    assert article.is_published()
    with pytest.raises(PermissionDenied):
        article_delete(actor=PIPELINE, article=article)


def test_a_writer_may_not_edit_sections_pages_or_tags(writer, make_section, make_article):
    section = make_section(name="Old")
    section.name = "New"
    with pytest.raises(PermissionDenied):
        section_save(actor=writer, section=section)
    with pytest.raises(PermissionDenied):
        page_save(actor=writer, page=Page(slug="p", title="P", body="B"))
    make_article(tags=["ice"])
    with pytest.raises(PermissionDenied):
        tag_rename(actor=writer, tag=Tag.objects.get(), name="Ice")
    assert Section.objects.get(pk=section.pk).name == "Old"


def test_scheduling_needs_a_time_to_come(editor, make_article):
    draft = make_article(status="draft", published_at=None)
    with pytest.raises(ValidationError):
        article_schedule(actor=editor, article=draft, at=timezone.now() - dt.timedelta(hours=1))
    scheduled = article_schedule(
        actor=editor, article=draft, at=timezone.now() + dt.timedelta(days=1)
    )
    assert scheduled.is_scheduled


def test_a_cited_reference_cannot_be_removed(editor, make_article):
    article = make_article(body="Claim [1].", references=[reference(1), reference(2)])
    first, second = article.references.all()
    with pytest.raises(ValidationError, match=r"The body cites \[1\]"):
        reference_delete(actor=editor, reference=first)
    reference_delete(actor=editor, reference=second)
    assert [r.number for r in Article.objects.get(pk=article.pk).references.all()] == [1]


def test_references_are_matched_by_number(editor, make_article):
    article = make_article(body="A [1] and B [2].", references=[reference(1), reference(2)])
    kept = article.references.get(number=1)
    article_update(
        actor=editor,
        article=article,
        references=[Reference(**reference(1, title="Retitled")), Reference(**reference(2))],
    )
    assert Reference.objects.get(pk=kept.pk).title == "Retitled"
    assert 'title="Retitled"' in Article.objects.get(pk=article.pk).body_html


# What readers will see change: announced once, after commit, only what was touched


def test_editing_a_live_articles_dek_in_the_admin_announces_only_that_article(
    editor_client, make_article, announced
):
    article = make_article(
        title="Live", tags=["Models", "Policy"], body="Claim [1].", references=[reference(1)]
    )
    data = article_form(
        article.section,
        title=article.title,
        slug=article.slug,
        body=article.body,
        dek="A corrected dek.",
        status="published",
        published_at_0=timezone.localtime(article.published_at).strftime("%Y-%m-%d"),
        published_at_1=timezone.localtime(article.published_at).strftime("%H:%M:%S"),
        references=[reference(1)],
    )
    article.published_at = article.published_at.replace(microsecond=0)  # as the form shows it
    Article.objects.filter(pk=article.pk).update(published_at=article.published_at)
    with announced.during():
        response = editor_client.post(
            reverse("admin:articles_article_change", args=[article.pk]), data
        )
    assert response.status_code == 302
    assert announced.sent == [
        {changes.article_key(article.pk), changes.ANY_ARTICLE, changes.SEARCH}
    ]
    assert "A corrected dek." in Client().get(article.get_absolute_url()).content.decode()


def test_publishing_in_the_admin_announces_the_lists_it_enters(
    editor_client, make_article, announced
):
    draft = make_article(status="draft", published_at=None, tags=["Models"])
    tag = Tag.objects.get(name="Models")
    with announced.during():
        editor_client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "publish", "_selected_action": [draft.pk]},
        )
    assert announced.sent == [
        keys_of(
            draft,
            *LIST_CHANGE,
            changes.section_list_key(draft.section_id),
            changes.tag_list_key(tag.pk),
            # Published now: within a clock's error of its time, so the schedule looks again.
            changes.SCHEDULE,
        )
    ]


def test_publishing_several_articles_in_bulk_announces_once(editor_client, make_article, announced):
    drafts = [make_article(status="draft", published_at=None) for _ in range(3)]
    with announced.during():
        editor_client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "publish", "_selected_action": [draft.pk for draft in drafts]},
        )
    assert len(announced.sent) == 1
    assert {changes.article_key(draft.pk) for draft in drafts} <= announced.sent[0]


def test_editing_a_draft_announces_nothing(editor_client, make_article, announced):
    draft = make_article(status="draft", published_at=None, body="Text.")
    data = article_form(draft.section, title="Draft retitled", slug=draft.slug, body="Text.")
    with announced.during():
        response = editor_client.post(
            reverse("admin:articles_article_change", args=[draft.pk]), data
        )
    assert response.status_code == 302
    assert Article.objects.get(pk=draft.pk).title == "Draft retitled"
    assert announced.sent == []


def test_changing_a_live_articles_source_announces_that_article(editor, make_article, announced):
    article = make_article(body="Claim [1].", references=[reference(1)])
    source = article.references.get()
    source.title = "Better title"
    with announced.during():
        reference_save(actor=editor, reference=source)
    assert announced.sent == [keys_of(article, changes.ANY_ARTICLE, changes.SEARCH)]


def test_deleting_a_live_article_announces_the_lists_it_leaves(editor, make_article, announced):
    article = make_article()
    with announced.during():
        article_delete(actor=editor, article=article)
    assert announced.sent == [
        keys_of(article, *LIST_CHANGE, changes.section_list_key(article.section_id))
    ]


def test_a_section_edit_announces_the_section(editor_client, make_section, announced):
    section = make_section(name="News")
    with announced.during():
        response = editor_client.post(
            reverse("admin:articles_section_change", args=[section.pk]),
            {"name": "World news", "slug": section.slug, "description": "", "position": 3},
        )
    assert response.status_code == 302
    assert announced.sent == [{changes.section_key(section.pk)}]


def test_reordering_sections_in_the_list_writes_through_the_service(
    editor_client, make_section, announced
):
    first, second = make_section(position=0), make_section(position=1)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": first.pk,
        "form-0-position": "5",
        "form-1-id": second.pk,
        "form-1-position": "1",
        "_save": "Save",
    }
    with announced.during():
        editor_client.post(reverse("admin:articles_section_changelist"), data)
    assert Section.objects.get(pk=first.pk).position == 5
    assert announced.sent == [{changes.section_key(first.pk)}]


def test_a_section_with_articles_is_not_deleted(editor, make_article):
    article = make_article()
    with pytest.raises(ValidationError, match="still has articles"):
        section_delete(actor=editor, section=article.section)
    section_delete(actor=editor, section=Section.objects.create(name="Empty", slug="empty"))
    assert list(Section.objects.all()) == [article.section]


# Tags


def test_merging_tags_in_the_admin_moves_their_articles(editor_client, make_article, announced):
    both = make_article(title="Tagged twice", tags=["ML", "Machine learning"])
    short = make_article(title="Short name", tags=["ML"])
    make_article(title="Long name", tags=["Machine learning"])
    ml, into = Tag.objects.get(name="ML"), Tag.objects.get(name="Machine learning")
    with announced.during():
        response = editor_client.post(
            reverse("admin:taggit_tag_changelist"),
            {"action": "merge_tags", "_selected_action": [ml.pk], "into": "machine learning"},
            follow=True,
        )
    assert "Merged ML into Machine learning: 2 article(s) changed tags." in (
        response.content.decode()
    )
    assert not Tag.objects.filter(name="ML").exists()
    assert list(both.tags.names()) == ["Machine learning"]
    page = Client().get(reverse("articles:tag", kwargs={"slug": into.slug})).content.decode()
    assert all(title in page for title in ("Tagged twice", "Short name", "Long name"))
    assert announced.sent == [
        {
            changes.tag_key(ml.pk),
            changes.tag_list_key(ml.pk),
            changes.tag_key(into.pk),
            changes.tag_list_key(into.pk),
            changes.ALL_ARTICLES,
            changes.SEARCH,
            changes.article_key(both.pk),
            changes.article_key(short.pk),
        }
    ]


def test_merging_into_a_tag_that_does_not_exist_is_refused(editor_client, make_article):
    make_article(tags=["ML"])
    ml = Tag.objects.get()
    response = editor_client.post(
        reverse("admin:taggit_tag_changelist"),
        {"action": "merge_tags", "_selected_action": [ml.pk], "into": "Nowhere"},
        follow=True,
    )
    assert "Write the name of an existing tag" in response.content.decode()
    assert Tag.objects.get() == ml


def test_a_writer_may_not_merge_tags(writer, make_article):
    make_article(tags=["ML", "AI"])
    with pytest.raises(PermissionDenied):
        tag_merge(
            actor=writer, tags=list(Tag.objects.filter(name="ML")), into=Tag.objects.get(name="AI")
        )
    assert Tag.objects.count() == 2


def test_renaming_a_tag_announces_it_and_search(editor, make_article, announced):
    make_article(tags=["Old"])
    tag = Tag.objects.get()
    with announced.during():
        tag_rename(actor=editor, tag=tag, name="New", slug="new")
    assert announced.sent == [{changes.tag_key(tag.pk), changes.SEARCH}]


# The import: one write, a small query budget, the body rendered once


def import_one(tmp_path, **overrides):
    data = {
        "external_id": "budget-1",
        "title": "Three tags, two sources",
        "body": "## Findings\n\nOne [1], two [2].",
        "section": "Research",
        "status": "published",
        "provenance": {"origin": "human"},
        "tags": ["Evaluation", "Models", "Policy"],
        "references": [
            {"number": n, "publisher": f"P{n}", "title": f"T{n}", "url": f"https://e.org/{n}"}
            for n in (1, 2)
        ],
    } | overrides
    path = tmp_path / "one.json"
    path.write_text(json.dumps(data))
    call_command("import_articles", str(path), stdout=StringIO(), stderr=StringIO())


def test_importing_an_article_with_three_tags_and_two_references_is_cheap(
    db, tmp_path, django_assert_max_num_queries
):
    markdown = rendering._markdown
    # 26 with the webhook endpoints it looks up for the article.published event
    with (
        mock.patch.object(markdown, "render", wraps=markdown.render) as renders,
        django_assert_max_num_queries(26),
    ):
        import_one(tmp_path)
    assert renders.call_count == 1
    article = Article.objects.get()
    assert article.is_published() and sorted(article.tags.names()) == [
        "Evaluation",
        "Models",
        "Policy",
    ]
    assert 'href="#ref-2" title="T2"' in article.body_html


def test_importing_an_update_renders_once_and_announces_once(db, tmp_path, announced):
    import_one(tmp_path)
    article = Article.objects.get()
    markdown = rendering._markdown
    with (
        mock.patch.object(markdown, "render", wraps=markdown.render) as renders,
        announced.during(),
    ):
        import_one(tmp_path, dek="A new dek.")
    assert renders.call_count == 1
    # Published a moment ago, within a clock's error of its time: the schedule looks again.
    assert announced.sent == [
        keys_of(article, changes.ANY_ARTICLE, changes.SEARCH, changes.SCHEDULE)
    ]


def test_new_tags_whose_addresses_clash_get_their_own(make_article):
    make_article(tags=["C"])
    article = make_article(tags=["C++", "c#"])
    assert sorted(tag.slug for tag in article.tags.all()) == ["c_1", "c_2"]


def test_a_refusal_the_form_did_not_foresee_is_a_message_not_a_server_error(
    editor_client, make_section
):
    section = make_section()
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(section, body="No citations.", tags="x" * 101),
        follow=True,
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    assert not Article.objects.exists() and not Tag.objects.exists()
