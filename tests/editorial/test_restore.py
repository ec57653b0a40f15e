"""Restoring a revision writes it back as a new revision, through the same services and
rights as any edit."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.editorial.models import PublicChange, Revision
from articles.models import Article
from articles.services import section_delete
from images.services import image_delete
from tests.conftest import picture_bytes, reference
from tests.editorial.conftest import change_form, change_url, pipeline_update


def restore_url(article, number):
    return reverse("admin:articles_article_restore", args=[article.pk, number])


def test_restoring_writes_the_old_content_back_as_a_new_revision(
    editor_client, client, make_article
):
    article = make_article(
        body="The original claim [1].", tags=["Water"], references=[reference(1)]
    )
    data = change_form(article, body="A rewritten claim.", tags="Drought")
    data["references-0-DELETE"] = "on"
    assert editor_client.post(change_url(article), data).status_code == 302

    confirmation = editor_client.get(restore_url(article, 1)).content.decode()
    assert "does not change the status, publication date, featured flag or address" in confirmation
    assert "<del>rewritten</del><ins>original</ins> claim<ins> [1]</ins>." in confirmation
    response = editor_client.post(restore_url(article, 1), {"message": "The rewrite was wrong."})
    assert response.status_code == 302

    first, latest = Revision.objects.get(article=article, number=1), article.revisions.first()
    assert latest.number == 3 and latest.via == Revision.Via.RESTORE
    assert latest.message == "Restored revision 1. The rewrite was wrong."
    content = ("title", "dek", "body", "byline", "section_id", "tags", "references")
    assert {name: latest.snapshot[name] for name in content} == {
        name: first.snapshot[name] for name in content
    }
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "The original claim" in page and "A rewritten claim" not in page


def test_restoring_keeps_the_status_and_publication_date(editor_client, make_article):
    article = make_article(status="draft", published_at=None, body="Old text.")
    editor_client.post(change_url(article), change_form(article, body="New text."))
    Article.objects.filter(pk=article.pk).update(status="in_review")
    editor_client.post(restore_url(article, 1), {"message": ""})
    article.refresh_from_db()
    assert (article.body, article.status) == ("Old text.", "in_review")


def test_a_writer_cannot_restore_a_published_article(client, writer, make_article):
    article = make_article(body="Old text.")
    pipeline_update(article, body="New text.")
    client.force_login(writer)
    confirmation = client.get(restore_url(article, 1)).content.decode()
    assert "You may not change this article" in confirmation
    assert 'value="Restore revision 1"' not in confirmation
    response = client.post(restore_url(article, 1), {"message": "Put it back."})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.body == "New text."
    assert article.revisions.count() == 2


def test_a_writer_restores_a_draft(client, writer, make_article):
    article = make_article(status="draft", published_at=None, body="Old text.")
    pipeline_update(article, body="New text.")
    client.force_login(writer)
    assert client.post(restore_url(article, 1), {"message": ""}).status_code == 302
    article.refresh_from_db()
    assert article.body == "Old text."
    assert article.revisions.first().author == writer


def test_restoring_into_a_deleted_section_says_so_and_writes_nothing(
    editor_client, editor, make_article, make_section
):
    article = make_article(status="draft", published_at=None, body="Old text.")
    old_section = article.section
    editor_client.post(
        change_url(article), change_form(article, body="New text.", section=make_section().pk)
    )
    section_delete(actor=editor, section=old_section)
    response = editor_client.post(restore_url(article, 1), {"message": ""})
    assert response.status_code == 200
    assert "which has since been deleted. Nothing was restored" in response.content.decode()
    article.refresh_from_db()
    assert article.body == "New text." and article.revisions.count() == 2


def test_restoring_a_published_article_may_announce_a_correction(editor_client, make_article):
    article = make_article(body="The mayor is 52.")
    editor_client.post(change_url(article), change_form(article, body="The mayor is 25."))
    response = editor_client.post(
        restore_url(article, 1),
        {"change_kind": "correction", "change_text": "We wrongly changed the mayor's age."},
    )
    assert response.status_code == 302
    change = PublicChange.objects.get(article=article)
    assert (change.kind, change.revision) == ("correction", article.revisions.first())


def test_a_correction_without_text_is_a_form_error_on_restore(editor_client, make_article):
    article = make_article(body="The mayor is 52.")
    editor_client.post(change_url(article), change_form(article, body="The mayor is 25."))
    response = editor_client.post(restore_url(article, 1), {"change_kind": "correction"})
    assert response.status_code == 200
    assert "Say what readers are told" in response.content.decode()
    assert article.revisions.count() == 2


def upload(content):
    return SimpleUploadedFile("picture.jpg", content, "image/jpeg")


def test_restoring_brings_back_the_lead_image_as_it_was(
    editor_client, client, make_article, make_image
):
    first = make_image(picture_bytes(640, 480), alt_text="The first picture.", caption="One.")
    article = make_article(body="A claim.", lead_image=first)
    data = change_form(
        article,
        lead_image_file=upload(picture_bytes(900, 900)),
        lead_image_alt="The second picture.",
    )
    assert editor_client.post(change_url(article), data).status_code == 302
    confirmation = editor_client.get(restore_url(article, 1)).content.decode()

    response = editor_client.post(restore_url(article, 1), {"message": ""})

    assert "tags, references, lead image and provenance." in confirmation
    assert "<ins>The first picture.</ins>" in confirmation
    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert article.lead_image.digest == first.digest
    assert (article.lead_image.alt_text, article.lead_image.caption) == (
        "The first picture.",
        "One.",
    )
    assert article.revisions.first().snapshot["lead_image"]["alt_text"] == "The first picture."
    page = client.get(article.get_absolute_url()).content.decode()
    assert "The first picture." in page and "The second picture." not in page
    assert first.picture.src.url in page
    assert client.get(first.picture.src.url).status_code == 200


def test_restoring_a_picture_deleted_since_says_so_and_writes_nothing(
    editor_client, editor, make_article, make_image
):
    first = make_image(picture_bytes(640, 480), alt_text="The first picture.")
    article = make_article(body="A claim.", lead_image=first)
    data = change_form(
        article, lead_image_file=upload(picture_bytes(900, 900)), lead_image_alt="The second."
    )
    assert editor_client.post(change_url(article), data).status_code == 302
    image_delete(actor=editor, image=first)  # no article shows it any more

    response = editor_client.post(restore_url(article, 1), {"message": ""})

    assert response.status_code == 200
    assert "has since been deleted from the image library. Nothing was restored" in (
        response.content.decode()
    )
    article = Article.objects.get(pk=article.pk)
    assert article.lead_image.alt_text == "The second." and article.revisions.count() == 2
