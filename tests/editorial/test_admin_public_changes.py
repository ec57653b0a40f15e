"""An edit of an article readers can see says what readers are told: nothing (a silent fix),
or a correction, clarification, update, editor's note or retraction."""

from django.urls import reverse

from articles.editorial.models import PublicChange, Revision
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
    draft = make_article(status="draft", published_at=None)
    data = change_form(draft, change_kind="correction", change_text="Readers never saw this.")
    errors = form_errors(editor_client.post(change_url(draft), data))
    assert "save this one as a silent fix" in " ".join(errors["change_kind"])
    assert not PublicChange.objects.exists()


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
