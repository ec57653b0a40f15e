"""An edit of an article readers can see says what readers are told: nothing (a silent fix),
or a correction, clarification, update, editor's note or retraction."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.editorial.models import PublicChange, Revision
from articles.editorial.recording import Edit, check_public_change
from tests.editorial.conftest import change_form, change_url, form_errors


def test_the_form_offers_a_public_change_only_for_articles_readers_can_see(
    editor_client, make_article
):
    live = make_article()
    draft = make_article(status="draft", published_at=None)
    live_form = editor_client.get(change_url(live)).content.decode()
    assert "Kind of change" in live_form and "What readers are told" in live_form
    assert "Silent fix — typos, no notice" in live_form
    draft_form = editor_client.get(change_url(draft)).content.decode()
    assert "Kind of change" not in draft_form and "Note for the history" in draft_form


def test_a_correction_chosen_in_the_form_is_recorded_with_its_revision(
    editor_client, client, make_article
):
    article = make_article(body="The bridge cost 4 million.")
    response = editor_client.post(
        change_url(article),
        change_form(
            article,
            body="The bridge cost 40 million.",
            change_kind="correction",
            change_text="An earlier version put the cost at 4 million; it was 40 million.",
        ),
    )
    assert response.status_code == 302
    change = PublicChange.objects.get(article=article)
    assert change.kind == "correction"
    assert change.text == "An earlier version put the cost at 4 million; it was 40 million."
    assert change.revision == article.revisions.first()
    assert change.revision.snapshot["body"] == "The bridge cost 40 million."
    article.refresh_from_db()
    assert article.modified_at == change.published_at
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    # For now in the page's JSON-LD `correction`; the visible notice is rendered elsewhere.
    assert "it was 40 million." in page


def test_a_silent_fix_records_a_revision_and_no_public_change(editor_client, make_article):
    article = make_article(body="The brigde opened.")
    editor_client.post(change_url(article), change_form(article, body="The bridge opened."))
    assert article.revisions.first().snapshot["body"] == "The bridge opened."
    assert not PublicChange.objects.exists()
    article.refresh_from_db()
    assert article.modified_at is None


def test_a_public_change_needs_what_readers_are_told(editor_client, make_article):
    article = make_article(body="The bridge cost 4 million.")
    data = change_form(article, body="It cost 40 million.", change_kind="update", change_text="")
    errors = form_errors(editor_client.post(change_url(article), data))
    assert "Say what readers are told" in " ".join(errors["change_text"])
    article.refresh_from_db()
    assert article.body == "The bridge cost 4 million."


def test_an_article_never_published_gets_no_public_change(editor_client, make_article):
    """The form has no public change for a draft: values posted for one by hand are ignored,
    never an error on a field the page does not show."""
    draft = make_article(status="draft", published_at=None)
    data = change_form(
        draft,
        body="Edited.",
        change_kind="correction",
        change_text="Readers never saw this.",
        override_reason="Nothing held it.",
    )
    assert editor_client.post(change_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.body == "Edited."
    assert not PublicChange.objects.exists()


def test_a_silent_fix_with_words_for_readers_is_refused(editor_client, make_article):
    article = make_article(body="The bridge cost 4 million.")
    data = change_form(article, body="It cost 40 million.", change_kind="", change_text="Fixed.")
    errors = form_errors(editor_client.post(change_url(article), data))
    assert errors["change_text"] == [
        "A silent fix tells readers nothing: choose the kind of change, or clear this text."
    ]
    article.refresh_from_db()
    assert article.body == "The bridge cost 4 million."
    with pytest.raises(ValidationError) as refusal:
        check_public_change(Edit(change_text="Fixed."), was_readable=True)
    assert list(refusal.value.error_dict) == ["change_text"]


@pytest.mark.parametrize("text", ["Fixed\x0b the sum.", "\x1b[31mFixed", "Fixed\x7f"])
def test_words_for_readers_with_control_characters_are_refused(editor_client, make_article, text):
    article = make_article(body="The bridge cost 4 million.")
    data = change_form(article, body="It cost 40 million.", change_kind="update", change_text=text)
    errors = form_errors(editor_client.post(change_url(article), data))
    assert "contains control characters (U+" in " ".join(errors["change_text"])
    assert "which readers cannot see" in " ".join(errors["change_text"])
    assert not PublicChange.objects.exists()


def test_words_for_readers_keep_tabs_and_line_breaks(editor_client, make_article):
    article = make_article(body="The bridge cost 4 million.")
    text = "We gave the wrong sum.\r\n\tIt is 40 million."
    data = change_form(article, body="It cost 40 million.", change_kind="update", change_text=text)
    assert editor_client.post(change_url(article), data).status_code == 302
    assert PublicChange.objects.get().text == text


def test_the_editorial_record_is_browsed_not_edited(editor_client, make_article):
    article = make_article()
    editor_client.post(
        change_url(article),
        change_form(article, change_kind="editors_note", change_text="Written with the pipeline."),
    )
    revision = article.revisions.first()
    for model in ("revision", "publicchange", "review"):
        changelist = reverse(f"admin:editorial_{model}_changelist")
        assert editor_client.get(changelist).status_code == 200
        assert editor_client.get(reverse(f"admin:editorial_{model}_add")).status_code == 403
    assert editor_client.get(changelist + "?decision__exact=overridden").status_code == 200
    revisions = reverse("admin:editorial_revision_changelist")
    listed = editor_client.get(revisions + "?by=pipeline").context["cl"].result_list
    assert [r.by_pipeline for r in listed] == [True]
    page_url = reverse("admin:editorial_revision_change", args=[revision.pk])
    page = editor_client.get(page_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    editor_client.post(page_url, {"message": "Rewritten history."})
    assert Revision.objects.get(pk=revision.pk).message == ""
    response = editor_client.post(
        reverse("admin:editorial_publicchange_changelist"),
        {"action": "delete_selected", "_selected_action": [article.public_changes.get().pk]},
    )
    assert response.status_code == 200 and PublicChange.objects.count() == 1
