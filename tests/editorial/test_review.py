"""Editors approve an article as it reads, or send it back with a note; the gates' hold is
lifted only by an editor's recorded reason. Writers do neither."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.editorial.admin_views import EditorialAdminViews
from articles.editorial.models import Review
from articles.models import Article
from articles.services import (
    article_approve,
    article_delete,
    article_restore,
    article_send_back,
)
from tests.editorial.conftest import change_form, change_url, form_errors, pipeline_update

HELD = [{"gate": "references", "message": "It has 1 reference; 2 are needed."}]
CHANGELIST = reverse("admin:articles_article_changelist")


def review_url(article):
    return reverse("admin:articles_article_review", args=[article.pk])


@pytest.fixture
def in_review(make_article):
    return make_article(status="in_review", published_at=None, body="A claim.")


@pytest.fixture
def held(in_review):
    Article.objects.filter(pk=in_review.pk).update(held_gates=HELD, status="in_review")
    in_review.refresh_from_db()
    return in_review


def approval(article, note=""):
    """Return the review form's POST data approving `article` as it now reads."""
    latest = article.revisions.order_by("-number").first()
    return {"decision": "approve", "note": note, "revision": latest.number}


def test_an_editor_approves_the_revision_as_it_reads(editor_client, editor, in_review):
    response = editor_client.post(review_url(in_review), approval(in_review, "Solid."))
    assert response.status_code == 302
    review = Review.objects.get(article=in_review)
    assert (review.decision, review.reviewer, review.note) == ("approved", editor, "Solid.")
    assert review.revision == in_review.revisions.order_by("-number").first()
    in_review.refresh_from_db()
    assert in_review.reviewed_at == review.created_at
    page = editor_client.get(change_url(in_review)).content.decode()
    assert "Approved " in page and "Solid." in page


def test_a_later_pipeline_change_needs_a_new_approval(editor_client, in_review):
    editor_client.post(review_url(in_review), approval(in_review))
    in_review.refresh_from_db()
    approved = in_review.revisions.order_by("-number").first()
    pipeline_update(in_review, body="A claim, regenerated.")
    in_review.refresh_from_db()
    assert in_review.reviewed_at is None
    assert (
        "Not approved as it now reads." in editor_client.get(change_url(in_review)).content.decode()
    )
    editor_client.post(review_url(in_review), approval(in_review))
    latest = Review.objects.filter(article=in_review).first()
    assert latest.revision.number == approved.number + 1


def test_sending_back_needs_a_note_and_moves_the_article_to_draft(editor_client, editor, in_review):
    response = editor_client.post(review_url(in_review), {"decision": "send_back", "note": " "})
    assert response.status_code == 200
    assert "Say what needs to change" in response.content.decode()
    assert not Review.objects.exists()
    response = editor_client.post(
        review_url(in_review), {"decision": "send_back", "note": "Cite the council minutes."}
    )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == "draft"
    review = Review.objects.get()
    assert (review.decision, review.note, review.reviewer) == (
        "sent_back",
        "Cite the council minutes.",
        editor,
    )


def test_a_writer_cannot_approve_or_send_back(client, writer, in_review):
    client.force_login(writer)
    assert client.get(review_url(in_review)).status_code == 403
    for decision in ("approve", "send_back"):
        response = client.post(review_url(in_review), {"decision": decision, "note": "Fine."})
        assert response.status_code == 403
    client.post(CHANGELIST, {"action": "approve", "_selected_action": [in_review.pk]})
    in_review.refresh_from_db()
    assert (in_review.status, in_review.reviewed_at) == ("in_review", None)
    assert not Review.objects.exists()


def test_editors_approve_selected_articles(editor_client, in_review, make_article):
    other = make_article(status="draft", published_at=None)
    response = editor_client.post(
        CHANGELIST, {"action": "approve", "_selected_action": [in_review.pk, other.pk]}, follow=True
    )
    assert "Approved 2 article(s)." in response.content.decode()
    assert Review.objects.filter(decision="approved").count() == 2


def test_a_held_article_shows_its_gates(editor_client, held):
    page = editor_client.get(change_url(held)).content.decode()
    assert "Held by the publication gates:" in page
    assert "It has 1 reference; 2 are needed." in page
    assert "Reason to publish anyway" in page


def test_publishing_a_held_article_needs_a_reason(editor_client, held):
    response = editor_client.post(change_url(held), change_form(held, status="published"))
    assert "Held by the publication gates" in " ".join(form_errors(response)["status"])
    held.refresh_from_db()
    assert held.status == "in_review" and held.held_gates == HELD
    assert not Review.objects.exists()


def test_an_editor_publishes_a_held_article_with_a_recorded_reason(editor_client, editor, held):
    response = editor_client.post(
        change_url(held),
        change_form(held, status="published", override_reason="The second source is in print."),
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.is_published() and held.held_gates == []
    review = Review.objects.get()
    assert (review.decision, review.reviewer, review.gates) == ("overridden", editor, HELD)
    assert review.note == "The second source is in print."


def test_a_writer_cannot_publish_a_held_article(client, writer, held):
    client.force_login(writer)
    data = change_form(held, status="published", override_reason="Trust me.")
    errors = form_errors(client.post(change_url(held), data))
    assert "status" in errors
    held.refresh_from_db()
    assert held.status == "in_review" and held.held_gates == HELD
    assert not Review.objects.exists()


def test_publishing_in_bulk_leaves_a_held_article_held(editor_client, held, make_article):
    ready = make_article(status="in_review", published_at=None)
    response = editor_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [held.pk, ready.pk]}, follow=True
    )
    page = response.content.decode()
    assert "Published 1 article(s)." in page
    assert "1 article(s) left as they were" in page and "It has 1 reference" in page
    held.refresh_from_db()
    assert held.status == "in_review"


def test_an_approval_is_refused_if_the_article_changed_since_the_editor_read_it(
    editor_client, in_review
):
    page = editor_client.get(review_url(in_review)).content.decode()
    assert 'name="revision" value="1"' in page
    pipeline_update(in_review, body="A claim, regenerated.")
    response = editor_client.post(
        review_url(in_review), {"decision": "approve", "note": "", "revision": "1"}
    )
    assert response.status_code == 200
    assert (
        "The article changed since you opened it (revision 2 now): read it again before "
        "approving." in response.content.decode()
    )
    in_review.refresh_from_db()
    assert in_review.reviewed_at is None and not Review.objects.exists()
    response = editor_client.post(review_url(in_review), approval(in_review))
    assert response.status_code == 302
    assert Review.objects.get().revision.number == 2


def test_the_service_approves_only_the_revision_named(editor, in_review):
    pipeline_update(in_review, body="A claim, regenerated.")
    with pytest.raises(ValidationError, match=r"revision 2 now"):
        article_approve(actor=editor, article=in_review, revision_number=1)
    assert article_approve(actor=editor, article=in_review, revision_number=2).revision.number == 2


@pytest.mark.parametrize("decision", [None, "", "publish"])
def test_a_missing_or_unknown_decision_is_a_visible_error(editor_client, in_review, decision):
    data = {"note": "", "revision": "1"} | ({} if decision is None else {"decision": decision})
    response = editor_client.post(review_url(in_review), data)
    assert response.status_code == 200
    assert "Choose “Approve” or “Send back to draft”." in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.parametrize("decision", ["approve", "send_back"])
def test_reviewing_an_article_deleted_meanwhile_says_so(
    editor_client, editor, in_review, monkeypatch, decision
):
    stale = Article.objects.get(pk=in_review.pk)
    article_delete(actor=editor, article=in_review)
    monkeypatch.setattr(
        EditorialAdminViews, "_viewable_article", lambda self, request, article_id, **kw: stale
    )
    data = {"decision": decision, "note": "Redo.", "revision": "1"}
    response = editor_client.post(review_url(stale), data, follow=True)
    assert response.redirect_chain[-1] == (CHANGELIST, 302)
    assert f"“{stale}” no longer exists: someone deleted it meanwhile." in response.content.decode()


def test_the_services_refuse_an_article_deleted_meanwhile(editor, in_review):
    revision = in_review.revisions.get()
    article_delete(actor=editor, article=Article.objects.get(pk=in_review.pk))
    deleted = f"“{in_review}” no longer exists: someone deleted it meanwhile."
    for decide in (
        lambda: article_approve(actor=editor, article=in_review),
        lambda: article_send_back(actor=editor, article=in_review, note="Redo."),
        lambda: article_restore(actor=editor, article=in_review, revision=revision),
    ):
        with pytest.raises(ValidationError) as refusal:
            decide()
        assert refusal.value.messages == [deleted]


def test_a_writer_reads_the_review_box_without_its_buttons(editor_client, writer, in_review):
    sent_back = {"decision": "send_back", "note": "Cite the minutes."}
    editor_client.post(review_url(in_review), sent_back)
    assert review_url(in_review) in editor_client.get(change_url(in_review)).content.decode()
    editor_client.force_login(writer)
    page = editor_client.get(change_url(in_review)).content.decode()
    assert 'id="review"' in page and "Cite the minutes." in page and "Sent back" in page
    assert review_url(in_review) not in page


def test_a_writer_posting_a_reason_to_publish_anyway_has_it_ignored(client, writer, held):
    client.force_login(writer)
    data = change_form(held, body="A claim, sourced.", override_reason="Trust me.")
    assert client.post(change_url(held), data).status_code == 302
    held.refresh_from_db()
    assert held.body == "A claim, sourced." and held.status == "in_review"
    assert not Review.objects.exists()
