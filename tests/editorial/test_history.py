"""Every write leaves a revision; the admin lists them and compares any two, word by word."""

import difflib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.editorial.models import Revision
from tests.conftest import picture_bytes, reference
from tests.editorial.conftest import change_form, change_url, pipeline_update


def revisions_url(article, query=""):
    return reverse("admin:articles_article_revisions", args=[article.pk]) + query


def compare_url(article, query):
    return reverse("admin:articles_article_compare", args=[article.pk]) + query


def test_an_edit_in_the_admin_records_a_revision_with_the_editor_and_note(
    editor_client, editor, make_article
):
    article = make_article(status="draft", published_at=None, body="The first wording.")
    response = editor_client.post(
        change_url(article),
        change_form(article, body="The second wording.", history_message="Tighter lede."),
    )
    assert response.status_code == 302
    latest = article.revisions.order_by("-number").first()
    assert (latest.number, latest.author, latest.by_pipeline) == (2, editor, False)
    assert (latest.via, latest.message) == (Revision.Via.ADMIN, "Tighter lede.")
    assert latest.snapshot["body"] == "The second wording."


def test_the_history_lists_revisions_newest_first_with_who_made_them(editor_client, make_article):
    article = make_article(status="draft", published_at=None)
    editor_client.post(change_url(article), change_form(article, history_message="Fixed a name."))
    pipeline_update(article, body="The pipeline's second version.")
    response = editor_client.get(revisions_url(article))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.revision.number for row in rows] == [3, 2, 1]
    table = response.content.decode().split("<tbody>")[1]
    assert table.index(">the pipeline<") < table.index(">editor<") < table.index("Fixed a name.")


def test_the_change_form_shows_the_latest_revisions(editor_client, make_article):
    article = make_article(status="draft", published_at=None)
    editor_client.post(change_url(article), change_form(article, history_message="Fixed a name."))
    page = editor_client.get(change_url(article)).content.decode()
    assert "History" in page and "Fixed a name." in page
    assert revisions_url(article) in page


def test_the_diff_marks_changed_words_references_and_tags(editor_client, make_article):
    article = make_article(
        status="draft",
        published_at=None,
        body="The council approved the budget [1].",
        tags=["Budget", "Council"],
        references=[reference(1)],
    )
    data = change_form(
        article,
        body="The council rejected the budget [1][2].",
        byline="Night desk",
        tags="Budget",
        **{
            "references-TOTAL_FORMS": "2",
            "references-1-number": "2",
            "references-1-publisher": "City Hall",
            "references-1-title": "Minutes of the vote",
            "references-1-url": "https://example.org/minutes",
        },
    )
    assert editor_client.post(change_url(article), data).status_code == 302
    response = editor_client.get(compare_url(article, "?from=1&to=2"))
    page = response.content.decode()
    assert "The council <del>approved</del><ins>rejected</ins> the budget" in page
    assert "Added [2]: City Hall, “Minutes of the vote”" in page
    assert "<del>Removed: Council</del>" in page
    assert '<th scope="row">Byline</th><td><del>Test Desk</del></td><td><ins>Night desk' in page
    assert "Budget</" not in page  # a tag both revisions have is not listed


def test_a_new_description_of_the_lead_image_is_a_revision_the_diff_shows(
    editor_client, make_article, make_image
):
    image = make_image(alt_text="Ice.", caption="The glacier in May.", credit="Photo: A")
    article = make_article(status="draft", published_at=None, lead_image=image)
    data = change_form(
        article,
        lead_image_alt="Blue ice at the glacier's front.",
        lead_image_caption="The glacier in May.",
        lead_image_credit="Photo: A",
        lead_image_ai_generated="on",
    )

    assert editor_client.post(change_url(article), data).status_code == 302

    latest = article.revisions.order_by("-number").first()
    assert latest.number == 2
    assert latest.snapshot["lead_image"] == {
        "digest": image.digest,
        "alt_text": "Blue ice at the glacier's front.",
        "caption": "The glacier in May.",
        "credit": "Photo: A",
        "ai_generated": True,
    }
    page = editor_client.get(compare_url(article, "?from=1&to=2")).content.decode()
    assert (
        '<th scope="row">Lead image: alt text</th><td><del>Ice.</del></td>'
        "<td><ins>Blue ice at the glacier&#x27;s front.</ins>"
    ) in page
    assert '<th scope="row">Lead image: AI-generated</th><td><del>No</del>' in page
    assert "Lead image: caption" not in page  # unchanged


def test_a_new_picture_and_its_removal_are_revisions_the_diff_shows(
    editor_client, make_article, make_image
):
    article = make_article(status="draft", published_at=None)
    first = make_image(picture_bytes(640, 480), alt_text="A picture.")
    pipeline_update(article, lead_image=first)
    pipeline_update(article, lead_image=None)

    added = editor_client.get(compare_url(article, "?from=1&to=2")).content.decode()
    removed = editor_client.get(compare_url(article, "?from=2&to=3")).content.decode()

    assert (
        f'<th scope="row">Lead image</th><td><del>—</del></td><td><ins>{first.digest[:12]}'
    ) in added
    assert '<th scope="row">Lead image: alt text</th><td><del>—</del></td>' in added
    assert f"<td><del>{first.digest[:12]}" in removed and "<ins>A picture.</ins>" not in removed


def test_article_text_is_escaped_in_the_diff(editor_client, make_article):
    article = make_article(status="draft", published_at=None, title="Plain title")
    pipeline_update(article, title='Title <script>alert("x")</script>', body="<b>bold</b> claim")
    page = editor_client.get(compare_url(article, "?to=2")).content.decode()
    assert "<script>alert" not in page and "<b>bold" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;bold" in page


def test_editors_compare_the_pipelines_versions_without_the_edits_between(
    editor_client, make_article
):
    article = make_article(status="draft", published_at=None, body="Version one of the text.")
    editor_client.post(change_url(article), change_form(article, byline="Night desk"))
    article.refresh_from_db()
    pipeline_update(article, body="Version two of the text.")
    page = editor_client.get(revisions_url(article, "?by=pipeline")).content.decode()
    assert "Night desk" not in page
    pipeline_diff = compare_url(article, "?from=1&to=3")
    assert pipeline_diff.replace("&", "&amp;") in page
    page = editor_client.get(compare_url(article, "?to=3&pipeline=1")).content.decode()
    assert "Version <del>one</del><ins>two</ins> of the text." in page
    assert "Test Desk" in page and "Night desk" in page  # the editor's byline, since revision 1


def test_a_writer_sees_the_history_of_an_article_they_may_view(client, writer, make_article):
    article = make_article()
    client.force_login(writer)
    assert client.get(revisions_url(article)).status_code == 200


def test_readers_cannot_see_the_history(client, make_article):
    article = make_article()
    response = client.get(revisions_url(article))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "page", [revisions_url, lambda article: compare_url(article, "?from=1&to=2")]
)
def test_history_pages_take_the_same_queries_however_many_revisions(
    editor_client, make_article, django_assert_num_queries, page
):
    article = make_article(status="draft", published_at=None, references=[reference(1)])
    pipeline_update(article, body="Second version.")
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(page(article)).status_code == 200
    for number in range(3, 9):
        pipeline_update(article, body=f"Version {number}.")
    with django_assert_num_queries(len(few)):
        assert editor_client.get(page(article)).status_code == 200
    assert article.revisions.count() == 8


class CountingMatcher(difflib.SequenceMatcher):
    """A SequenceMatcher that counts the pairs of equal elements its passes look at, and
    stops a comparison that looks at more than LOOKS."""

    LOOKS = 1_000_000
    looks = 0

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        looked = sum(len(self.b2j.get(self.a[i], ())) for i in range(alo, ahi))
        CountingMatcher.looks += looked
        assert CountingMatcher.looks <= self.LOOKS, "the comparison is quadratic"
        return super().find_longest_match(alo, ahi, blo, bhi)


def long_body(words: list[str], every: int = 7, by: str = "") -> str:
    """Return 10,000 words as 100 paragraphs; with `by`, every `every`-th word replaced."""
    marked = [by if by and index % every == 0 else word for index, word in enumerate(words)]
    return "\n\n".join(" ".join(marked[start : start + 100]) for start in range(0, 10_000, 100))


def test_a_long_rewritten_body_is_compared_without_quadratic_work(
    editor_client, make_article, monkeypatch
):
    common = ["the", "a", "of", "council", "budget", "water", "and", "to", "in", "said"]
    words = [common[i % 10] if i % 3 else f"word{i % 997}" for i in range(10_000)]
    article = make_article(status="draft", published_at=None, body=long_body(words))
    pipeline_update(article, body=long_body(words, by="changed"))
    monkeypatch.setattr(difflib, "SequenceMatcher", CountingMatcher)
    page = editor_client.get(compare_url(article, "?to=2")).content.decode()
    assert page.count("<ins>changed</ins>") == 10_000 // 7 + 1
    assert "<del>word0</del><ins>changed</ins> a of word3 budget water word6 <del>to</del>" in page
    assert "\n\nthe a word102 council budget <del>word105</del><ins>changed</ins> and" in page


def test_a_huge_changed_paragraph_is_shown_deleted_and_inserted(
    editor_client, make_article, monkeypatch
):
    words = ["the" if i % 2 else f"x{i}" for i in range(10_000)]
    article = make_article(status="draft", published_at=None, body=" ".join(words))
    pipeline_update(article, body=" ".join(["the" if i % 2 else f"y{i}" for i in range(10_000)]))
    monkeypatch.setattr(difflib, "SequenceMatcher", CountingMatcher)
    page = editor_client.get(compare_url(article, "?to=2")).content.decode()
    assert "<del>x0 the x2 the" in page and "<ins>y0 the y2 the" in page
