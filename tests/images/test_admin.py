"""Editors give an article its lead image in the article's admin form (upload, describe,
replace, remove), and keep the image library in the image admin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from images.models import Image
from tests.articles.test_admin import article_form
from tests.conftest import picture_bytes


def upload(content=None, name="glacier.jpg"):
    return SimpleUploadedFile(name, content or picture_bytes(1200, 800), "image/jpeg")


def change(client, article, **fields):
    """Post the article's change form with its stored values and `fields`."""
    published_at = timezone.localtime(article.published_at)  # as the form shows it
    data = article_form(
        article.section,
        title=article.title,
        slug=article.slug,
        body=article.body,
        status=article.status,
        published_at_0=published_at.strftime("%Y-%m-%d"),
        published_at_1=published_at.strftime("%H:%M:%S"),
        tags="",
    )
    return client.post(reverse("admin:articles_article_change", args=[article.pk]), data | fields)


def errors(response) -> str:
    return str(response.context["adminform"].form.errors) if response.status_code == 200 else ""


def test_the_article_form_has_a_lead_image_fieldset(editor_client, make_article):
    article = make_article()

    html = editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).content
    html = html.decode()

    assert "<h2" in html and "Lead image" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="lead_image_file"' in html and 'name="lead_image_alt"' in html


def test_an_editor_uploads_a_lead_image_with_its_description(editor_client, make_article):
    article = make_article(body="A claim.")

    response = change(
        editor_client,
        article,
        lead_image_file=upload(),
        lead_image_alt="Icebergs at the glacier's front.",
        lead_image_caption="The glacier in May.",
        lead_image_credit="Photo: Ana Example",
        lead_image_ai_generated="on",
    )

    assert response.status_code == 302, errors(response)
    image = Article.objects.get().lead_image
    assert (image.alt_text, image.caption, image.credit, image.ai_generated) == (
        "Icebergs at the glacier's front.",
        "The glacier in May.",
        "Photo: Ana Example",
        True,
    )
    page = Client().get(article.get_absolute_url()).content.decode()
    assert '<figure class="lead-image">' in page and "AI-generated image" in page


def test_alt_text_is_required_with_an_upload(editor_client, make_article):
    article = make_article(body="A claim.")

    response = change(editor_client, article, lead_image_file=upload(), lead_image_alt=" ")

    assert response.status_code == 200
    assert "alt text is required" in errors(response)
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "said"),
    [
        (b"just text\n" * 20, "photo.jpg", "The file is not a JPEG, PNG, WebP or GIF image."),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", "SVG images are not accepted"),
    ],
)
def test_a_file_that_is_no_accepted_image_is_a_form_error(
    editor_client, make_article, content, name, said
):
    article = make_article(body="A claim.")

    response = change(
        editor_client, article, lead_image_file=upload(content, name), lead_image_alt="A."
    )

    assert response.status_code == 200
    assert said in errors(response)
    assert Article.objects.get().lead_image is None


def test_a_file_over_the_limit_is_a_form_error(editor_client, make_article, settings):
    settings.IMAGE_MAX_BYTES = 2000
    article = make_article(body="A claim.")

    response = change(editor_client, article, lead_image_file=upload(), lead_image_alt="A.")

    assert "at most 0.0 MB is accepted" in errors(response)


def test_an_editor_replaces_describes_and_removes_the_lead_image(
    editor_client, make_article, make_image
):
    first = make_image(alt_text="The old picture.")
    article = make_article(body="A claim.", lead_image=first)
    form = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "The old picture." in form.content.decode()  # the current description, to edit

    response = change(editor_client, article, lead_image_alt="The old picture, better said.")
    assert response.status_code == 302, errors(response)
    first.refresh_from_db()
    assert first.alt_text == "The old picture, better said."
    assert "better said" in Client().get(article.get_absolute_url()).content.decode()

    response = change(
        editor_client,
        article,
        lead_image_file=upload(picture_bytes(900, 900)),
        lead_image_alt="A new picture.",
    )
    assert response.status_code == 302, errors(response)
    assert Article.objects.get().lead_image.alt_text == "A new picture."

    response = change(editor_client, article, lead_image_remove="on", lead_image_alt="")
    assert response.status_code == 302, errors(response)
    assert Article.objects.get().lead_image is None
    assert "<picture" not in Client().get(article.get_absolute_url()).content.decode()
    assert Image.objects.count() == 2  # both stay in the library


def test_the_image_library_adds_changes_and_protects_images(editor_client, make_article):
    response = editor_client.post(
        reverse("admin:images_image_add"),
        {"upload": upload(), "alt_text": "A harbour.", "caption": "", "credit": "Photo: B"},
    )
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.renditions.count() == 6  # 480, 800 and 1200 wide, WebP and JPEG

    listing = editor_client.get(reverse("admin:images_image_changelist")).content.decode()
    assert "A harbour." in listing and "1200 × 800" in listing

    url = reverse("admin:images_image_change", args=[image.pk])
    response = editor_client.post(
        url, {"alt_text": "A harbour at dawn.", "caption": "", "credit": "Photo: B"}
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.alt_text == "A harbour at dawn."

    make_article(lead_image=image)
    delete = reverse("admin:images_image_delete", args=[image.pk])
    assert "Cannot delete" in editor_client.get(delete).content.decode()
    assert Image.objects.exists()


def test_the_library_shows_an_articles_image_read_only_and_links_the_article(
    editor_client, make_article, make_image
):
    image = make_image(alt_text="A harbour.", caption="At dawn.")
    article = make_article(lead_image=image, title="Harbour news")
    url = reverse("admin:images_image_change", args=[image.pk])

    form = editor_client.get(url).content.decode()
    editor_client.post(
        url, {"alt_text": "Changed around the article.", "caption": "", "credit": ""}
    )

    assert 'name="alt_text"' not in form and 'name="caption"' not in form
    assert reverse("admin:articles_article_change", args=[article.pk]) in form
    image.refresh_from_db()
    assert (image.alt_text, image.caption) == ("A harbour.", "At dawn.")
    assert article.revisions.count() == 1
    assert "Changed around" not in Client().get(article.get_absolute_url()).content.decode()


def test_the_same_upload_for_another_article_leaves_the_first_as_it_was(
    editor_client, make_article
):
    content = picture_bytes(1200, 800)
    first, second = make_article(body="A claim."), make_article(body="Another claim.")
    change(editor_client, first, lead_image_file=upload(content), lead_image_alt="First words.")

    response = change(
        editor_client, second, lead_image_file=upload(content), lead_image_alt="Second words."
    )

    assert response.status_code == 302, errors(response)
    first, second = Article.objects.get(pk=first.pk), Article.objects.get(pk=second.pk)
    assert (first.lead_image.alt_text, second.lead_image.alt_text) == (
        "First words.",
        "Second words.",
    )
    assert first.lead_image.picture.src.url == second.lead_image.picture.src.url
    assert "First words." in Client().get(first.get_absolute_url()).content.decode()


def test_the_image_library_refuses_a_text_file(editor_client):
    response = editor_client.post(
        reverse("admin:images_image_add"),
        {"upload": upload(b"not an image", "x.png"), "alt_text": "A.", "caption": "", "credit": ""},
    )

    assert response.status_code == 200
    assert "The file is not a JPEG, PNG, WebP or GIF image." in response.content.decode()
    assert not Image.objects.exists()
