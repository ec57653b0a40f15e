"""The editors' article list: one row per article with its title (two lines at most), section,
origin, date, stage and readers' verdict, in a fixed number of queries."""

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from feedback.services import vote_record

LIST = reverse("admin:articles_article_changelist")
ASCII_SPACES = re.compile(r"[ \t\r\n]+")  # not the no-break space the list puts in "75 %"


class _Rows(HTMLParser):
    """Read the result table's rows as {column: text}, with the title's link as "href"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.headers = [], []
        self._in_table = self._in_body = False
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id") == "result_list":
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_table and tag == "th" and not self._in_body:
            self.headers.append(attributes.get("class", ""))
        elif self._in_body and tag == "tr":
            self.rows.append({})
        elif self._in_body and tag == "td":
            self._cell = attributes.get("class", "").split()[0].removeprefix("field-")
            self.rows[-1][self._cell] = ""
        elif self._cell == "article" and tag == "a":
            self.rows[-1]["href"] = attributes["href"]

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "table":
            self._in_table = self._in_body = False

    def handle_data(self, data):
        if self._cell:
            row = self.rows[-1]
            row[self._cell] = ASCII_SPACES.sub(" ", f"{row[self._cell]} {data}").strip()


def listed(client, query=""):
    """Return the list's rows, keyed by title (the title's link text comes first)."""
    response = client.get(LIST + query)
    assert response.status_code == 200
    parser = _Rows()
    parser.feed(response.content.decode())
    return {Article.objects.get(pk=_article_id(row["href"])).title: row for row in parser.rows}


def _article_id(href):
    return int(urlsplit(href).path.rstrip("/").split("/")[-2])


@pytest.fixture
def every_stage(make_article):
    """One article at each stage the list names, by that stage."""
    now = timezone.now()
    articles = {
        "Draft": make_article(status="draft", published_at=None),
        "In review": make_article(status="in_review", published_at=None),
        "Held by gates": make_article(status="in_review", published_at=None),
        "Approved": make_article(status="in_review", published_at=None),
        "Scheduled": make_article(published_at=now + dt.timedelta(days=2)),
        "Published": make_article(published_at=now - dt.timedelta(days=2)),
        "Retracted": make_article(published_at=now - dt.timedelta(days=3)),
        "Archived": make_article(status="archived", published_at=now - dt.timedelta(days=9)),
    }
    gates = [{"gate": "references", "message": "It has no references; at least 2 are needed."}]
    Article.objects.filter(pk=articles["Held by gates"].pk).update(held_gates=gates)
    Article.objects.filter(pk=articles["Approved"].pk).update(reviewed_at=now)
    Article.objects.filter(pk=articles["Retracted"].pk).update(retracted_at=now)
    return articles


def test_each_row_says_the_articles_stage(editor_client, every_stage):
    rows = listed(editor_client)
    for stage, article in every_stage.items():
        assert rows[article.title]["stage"].startswith(stage), stage
    assert rows[every_stage["Held by gates"].title]["stage"] == "Held by gates references"


def test_the_article_column_names_section_origin_and_quality(
    editor_client, make_article, make_section
):
    science = make_section(name="Science")
    make_article(title="Scored", section=science, origin="pipeline", quality_score=0.91)
    make_article(title="Written", section=science, origin="human")
    rows = listed(editor_client)
    assert rows["Scored"]["article"] == "Scored Science · Pipeline · quality 0.91"
    assert rows["Written"]["article"] == "Written Science · Human"


def test_the_date_column_shows_the_publication_date(editor_client, make_article):
    # Mid-afternoon in UTC: the same day in every time zone the suite runs in.
    make_article(title="Dated", published_at=dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC))
    make_article(title="Undated", status="draft", published_at=None)
    rows = listed(editor_client)
    assert rows["Dated"]["published"].startswith("Mar 4, 2025 ")
    assert rows["Undated"]["published"] == "not dated"


def test_helpfulness_is_the_share_of_yes_votes(editor_client, make_article):
    voted = make_article(title="Voted")
    for reader, helpful in enumerate([True, True, True, False]):
        vote_record(article=voted, voter_id=f"reader-{reader}", helpful=helpful, follow_up={})
    make_article(title="Unvoted")
    rows = listed(editor_client)
    assert rows["Voted"]["helpfulness"] == "75\N{NO-BREAK SPACE}% of 4"
    assert rows["Unvoted"]["helpfulness"] == "no votes"


def test_the_title_links_to_its_change_form_and_back_to_the_filtered_list(
    editor_client, every_stage
):
    held = every_stage["Held by gates"]
    rows = listed(editor_client, "?stage=held")
    href = rows[held.title]["href"]
    assert urlsplit(href).path == reverse("admin:articles_article_change", args=[held.pk])
    assert parse_qs(urlsplit(href).query)["_changelist_filters"] == ["stage=held"]
    assert editor_client.get(href).status_code == 200


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("review", {"In review", "Approved"}),
        ("held", {"Held by gates"}),
        ("approved", {"Approved"}),
        ("scheduled", {"Scheduled"}),
        ("retracted", {"Retracted"}),
    ],
)
def test_the_stage_filter_lists_the_articles_at_that_stage(
    editor_client, every_stage, stage, expected
):
    titles = {every_stage[name].title for name in expected}
    assert set(listed(editor_client, f"?stage={stage}")) == titles


def _fill(make_article, make_section, count):
    """Make `count` articles in as many sections, with tags and votes, at several stages."""
    statuses = ["published", "draft", "in_review"]
    for index in range(count):
        article = make_article(
            section=make_section(),
            tags=[f"tag-{index}", "shared"],
            status=statuses[index % 3],
            published_at=None if index % 3 else timezone.now() - dt.timedelta(days=index),
        )
        vote_record(
            article=article, voter_id=f"reader-{index}", helpful=bool(index % 2), follow_up={}
        )


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_takes_the_same_queries_for_one_article_or_many(
    editor_client, make_article, make_section, django_assert_num_queries, count
):
    _fill(make_article, make_section, count)
    editor_client.get(LIST)  # the session and the user's permissions, as on every admin page
    with django_assert_num_queries(11):
        response = editor_client.get(LIST)
    rows = response.context["cl"].result_list
    assert len(rows) == count
    assert {"body", "content_html"} <= rows[0].get_deferred_fields()  # the list never shows them
