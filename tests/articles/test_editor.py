"""The article editor in the admin: its live preview, and citation problems at the Body field."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article
from tests.articles.test_admin import article_form
from tests.conftest import reference

ADD_PREVIEW = reverse("admin:articles_article_add_preview")


def change_preview(article):
    return reverse("admin:articles_article_change_preview", args=[article.pk])


def preview_data(body, references=(), **extra):
    """Return what the form's script posts: the whole article form, references included."""
    data = {
        "body": body,
        "references-TOTAL_FORMS": str(len(references)),
        "references-INITIAL_FORMS": "0",
    } | extra
    for index, fields in enumerate(references):
        for name, value in fields.items():
            data[f"references-{index}-{name}"] = value
    return data


def body_errors(html):
    """Return the messages of the error list the Body field points to."""
    match = re.search(r'<ul class="errorlist" id="id_body_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


@pytest.fixture
def writer_client(writer):
    client = Client()
    client.force_login(writer)
    return client


def test_preview_links_citations_to_the_references_typed_in_the_form(editor_client, db):
    data = preview_data(
        "A claim [1].\n\nA second claim,\nstill unsourced [2].",
        [reference(1, title="Typed, not saved")],
    )
    response = editor_client.post(ADD_PREVIEW, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="#ref-1" title="Typed, not saved"' in html
    assert '<sup class="citation citation--unresolved" title="No reference [2] yet">' in html
    assert "Line 4 cites [2], but there is no reference with that number." in html
    assert '<li id="ref-1" value="1">' in html
    assert 'href="https://example.org/source-1"' in html


def test_preview_counts_words_and_minutes(editor_client, db):
    response = editor_client.post(ADD_PREVIEW, preview_data("word " * 201))
    html = response.content.decode()
    assert "201 words" in html
    assert "2 min read" in html
    response = editor_client.post(ADD_PREVIEW, preview_data("One"))
    assert "1 word<" in response.content.decode()


def test_preview_shows_the_references_in_the_form_not_the_saved_ones(editor_client, make_article):
    article = make_article(
        body="Claim [1].", references=[reference(1, title="Saved title"), reference(2)]
    )
    saved_two = article.references.get(number=2)
    data = preview_data(
        "Claim [1], and [2].",
        [
            reference(1, title="Title being typed"),
            reference(2) | {"id": saved_two.pk, "DELETE": "on"},
            reference(3, title="New and uncited"),
        ],
    )
    response = editor_client.post(change_preview(article), data)
    html = response.content.decode()
    assert "Title being typed" in html
    assert "Saved title" not in html
    assert "Line 1 cites [2], but there is no reference with that number." in html
    assert "Reference [3] is not cited anywhere in the body." in html


def test_preview_shows_no_link_for_what_is_no_web_address(editor_client, db):
    data = preview_data(
        "Claim [1].",
        [reference(1, url="javascript:alert(1)", publisher="<script>alert(2)</script>")],
    )
    html = editor_client.post(ADD_PREVIEW, data).content.decode()
    assert "javascript:" not in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "no web address yet" in html


def test_preview_is_private_and_never_cached(editor_client, make_article):
    article = make_article(status=Article.Status.DRAFT)
    response = editor_client.post(change_preview(article), preview_data("Draft text."))
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }
    assert "X-Cache" not in response


@pytest.mark.parametrize("references", [1, 30])
def test_preview_answers_in_as_many_queries_however_many_references(
    editor_client, make_article, django_assert_num_queries, references
):
    article = make_article(status=Article.Status.DRAFT)
    numbers = range(1, references + 1)
    data = preview_data(f"Claim [1-{references}].", [reference(n) for n in numbers])
    # The session, the user, the article, and the user's own and group permissions.
    with django_assert_num_queries(5):
        response = editor_client.post(change_preview(article), data)
    assert response.status_code == 200
    assert f'<li id="ref-{references}"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, make_article):
    article = make_article(status=Article.Status.DRAFT)
    for url in (ADD_PREVIEW, change_preview(article)):
        response = client.post(url, preview_data("Secret draft [1]."))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert b"Secret draft" not in response.content


def test_writer_previews_drafts_but_not_articles_readers_see(writer_client, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    published = make_article()
    assert writer_client.post(ADD_PREVIEW, preview_data("New.")).status_code == 200
    assert writer_client.post(change_preview(draft), preview_data("Fixed.")).status_code == 200
    response = writer_client.post(change_preview(published), preview_data("Rewritten."))
    assert response.status_code == 403
    assert b"Rewritten" not in response.content


def test_staff_without_article_rights_cannot_preview(client, django_user_model, make_article):
    user = django_user_model.objects.create_user("stranger", is_staff=True)
    client.force_login(user)
    article = make_article(status=Article.Status.DRAFT)
    assert client.post(ADD_PREVIEW, preview_data("Text.")).status_code == 403
    assert client.post(change_preview(article), preview_data("Text.")).status_code == 403


def test_preview_of_a_missing_article_is_not_found(editor_client, db):
    url = reverse("admin:articles_article_change_preview", args=[999999])
    assert editor_client.post(url, preview_data("Text.")).status_code == 404


def test_preview_needs_the_forms_csrf_token(editor, make_article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    article = make_article(status=Article.Status.DRAFT)
    assert client.post(change_preview(article), preview_data("Text.")).status_code == 403
    client.get(reverse("admin:articles_article_change", args=[article.pk]))  # sets the cookie
    token = client.cookies["csrftoken"].value
    data = preview_data("Text.", csrfmiddlewaretoken=token)
    assert client.post(change_preview(article), data).status_code == 200


def test_preview_only_answers_posts(editor_client, db):
    assert editor_client.get(ADD_PREVIEW).status_code == 405


def test_preview_refuses_a_body_longer_than_an_article_may_be(editor_client, db):
    response = editor_client.post(ADD_PREVIEW, preview_data("x" * 200_001))
    assert response.status_code == 413
    assert "longer than 200,000 characters" in response.content.decode()
    assert editor_client.post(ADD_PREVIEW, preview_data("x" * 200_000)).status_code == 200


def test_change_form_opens_with_the_preview_of_the_saved_article(editor_client, make_article):
    article = make_article(body="Claim [1].", references=[reference(1, title="Saved source")])
    html = editor_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert f'data-preview-url="{change_preview(article)}"' in html
    assert '<a href="#ref-1" title="Saved source"' in html
    assert html.count("View on site") == 1  # the article's, none for each reference


def test_add_form_previews_at_the_add_address(editor_client, db):
    html = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert f'data-preview-url="{ADD_PREVIEW}"' in html
    assert "The body appears here as readers will see it." in html


def test_citation_problems_are_shown_at_the_body_field_by_line(editor_client, make_section):
    body = "First claim [1].\n\n## More\n\nA claim [3] and\nanother [4, 5]."
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(make_section(), body=body, references=[reference(1)]),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert body_errors(html) == [
        "Line 5 cites [3], but there is no reference with that number.",
        "Line 6 cites [4], [5], but there are no references with those numbers.",
    ]
    assert re.search(r'<textarea name="body"[^>]*aria-invalid="true"', html)
    assert re.search(r'<textarea name="body"[^>]*aria-describedby="[^"]*id_body_error', html)
    assert "The body cites [3], [4], [5]: add them here, or change the citations" in html
    assert "Please correct the error" in html
    assert not Article.objects.exists()


def test_a_reference_with_an_error_does_not_hide_the_bodys_citation_problems(
    editor_client, make_section
):
    """One save names everything to fix: a bad reference and the citations nothing answers."""
    body = "First claim [1].\n\nA second claim [7]."
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(
            make_section(), body=body, references=[reference(1, url="javascript:alert(1)")]
        ),
    )
    html = response.content.decode()
    assert "Enter a full http:// or https:// address." in html
    assert body_errors(html) == ["Line 3 cites [7], but there is no reference with that number."]
    assert "The body cites [7]: add it here, or change the citation" in html
    assert not Article.objects.exists()


def test_citation_lines_count_the_blank_lines_the_body_starts_with(editor_client, make_section):
    """The Body field shows the text as posted, blank first lines too; so do the line numbers."""
    body = "\r\n\r\nFirst claim [1].\r\n\r\nA second claim [7]."
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(make_section(), body=body, references=[reference(1)]),
    )
    message = "Line 5 cites [7], but there is no reference with that number."
    html = response.content.decode()
    assert body_errors(html) == [message]
    assert html.count(message) == 2  # at the Body field and in the preview


def test_form_with_errors_previews_what_was_posted(editor_client, make_section):
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(make_section(), body="Posted text [2].", references=[reference(1)]),
    )
    html = response.content.decode()
    assert "Posted text" in html
    assert '<sup class="citation citation--unresolved"' in html


def test_admin_pages_name_the_site_icon(editor_client, db):
    icon = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert icon in Client().get(reverse("admin:login")).content.decode()
    assert icon in editor_client.get(reverse("admin:index")).content.decode()


def test_writer_reads_a_published_article_and_its_references_without_a_preview(
    writer_client, make_article
):
    article = make_article(references=[reference(1, title="Read-only source")])
    response = writer_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Read-only source" in html
    assert 'name="references-0-title"' not in html
    assert "data-preview-url" not in html
    assert "reference-cite" not in html


CSS = Path(__file__).resolve().parents[2] / "static" / "css"


def palette(css: str, selector: str) -> dict[str, str]:
    """Return the colour variables the first rule for `selector` sets in `css`."""
    start = css.index(selector + " {") + len(selector) + 2
    rule = css[start : css.index("}", start)]
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]+)", rule))


def test_the_preview_themes_use_the_public_pages_palettes():
    """A theme chosen in the admin gives the preview the colours readers get in that theme."""
    site = (CSS / "site.css").read_text()
    preview = (CSS / "admin-preview.css").read_text()
    light, dark = (
        palette(site, ":root, :host"),
        palette(site.split("prefers-color-scheme: dark")[1], ":root, :host"),
    )
    assert light and dark and light != dark
    assert palette(preview, ':host([data-theme="light"])') == light
    assert palette(preview, ':host([data-theme="dark"])') == dark


@pytest.mark.parametrize("references", [1, 30])
def test_the_change_form_reads_as_many_queries_however_many_references(
    editor_client, make_article, django_assert_num_queries, references
):
    numbers = range(1, references + 1)
    article = make_article(body=f"Claim [1-{references}].", references=map(reference, numbers))
    url = reverse("admin:articles_article_change", args=[article.pk])
    editor_client.get(url)  # the session and the user's permissions, as on every admin page
    with django_assert_num_queries(13):
        response = editor_client.get(url)
    rows = response.content.decode().count('class="inline-related reference-row')
    assert rows == references + 2  # and a blank one, and the one "Add another" copies
