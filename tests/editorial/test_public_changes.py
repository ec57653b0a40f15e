"""What readers are told when a published article changes: notices on the article, its change
log, /corrections/ and its feeds, JSON-LD and the feeds' updated dates."""

import datetime as dt
import json
import re
from io import StringIO
from xml.etree import ElementTree

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from articles.editorial.models import PublicChange, Revision
from articles.editorial.recording import Edit
from articles.models import Article
from articles.services import article_delete, article_update
from tests.articles.test_metadata import json_ld, meta
from tests.conftest import reference

PUBLISHED = dt.datetime(2026, 4, 7, 12, 0, tzinfo=dt.UTC)
CHANGED = dt.datetime(2026, 4, 9, 12, 0, tzinfo=dt.UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def clock(db):
    with time_machine.travel(PUBLISHED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def story(clock, make_article):
    return make_article(
        title="Rates held",
        slug="rates-held",
        body="The bank held rates at 4 percent [1].",
        references=[reference(1)],
        tags=["Economy"],
        published_at=PUBLISHED - dt.timedelta(hours=1),
    )


def edit(article, actor, *, kind="", text="", **fields):
    """Change `article` as `actor` with the public change `kind` (empty: a silent fix)."""
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    return article_update(
        actor=actor, article=article, edit=Edit(change_kind=kind, change_text=text)
    )


def local_iso(moment):
    """`moment` as pages write it: in the site's time zone (TIME_ZONE)."""
    return timezone.localtime(moment).isoformat()


def page(url):
    return Client().get(url).content.decode()


def before_body(html):
    """The article from its header to its text (not the page's head, whose JSON-LD has all)."""
    return html.split('<article class="article"')[1].split('<div class="article__body">')[0]


def after_body(html):
    return html.split('<div class="article__body">')[1]


def test_a_correction_is_dated_at_the_top_of_the_article_and_sets_its_updated_date(
    story, editor, clock
):
    clock.move_to(CHANGED)
    edit(
        story,
        editor,
        kind="correction",
        text="An earlier version said rates were held at 5 percent. They were held at 4.",
        body="The bank held rates at 4 percent [1], as expected.",
    )
    html = page("/articles/rates-held/")
    top = before_body(html)
    assert "<strong>Correction</strong>" in top
    assert "An earlier version said rates were held at 5 percent. They were held at 4." in top
    shown = f'<time datetime="{local_iso(CHANGED)}">April 9, 2026</time>'
    assert shown in top
    assert f"Updated {shown}" in top
    assert "Changes to this article" in after_body(html)
    assert "as expected" in html


def test_a_silent_fix_tells_readers_nothing_but_is_kept_as_a_revision(story, editor, clock):
    clock.move_to(CHANGED)
    edit(story, editor, body="The bank held rates at 4 percent [1].  ")
    edit(story, editor, title="Rates held steady")
    html = page("/articles/rates-held/")
    assert "Rates held steady" in html
    assert "Updated" not in html and "Changes to this article" not in html
    news = json_ld(html)[0]
    assert news["dateModified"] == news["datePublished"] and "correction" not in news
    assert "Rates held steady" not in page("/corrections/")
    assert [r.snapshot["title"] for r in Revision.objects.filter(article=story)][:2] == [
        "Rates held steady",
        "Rates held",
    ]


@pytest.mark.parametrize(
    ("kind", "label", "at_the_top"),
    [
        ("correction", "Correction", True),
        ("clarification", "Clarification", True),
        ("retraction", "This article has been retracted", True),
        ("update", "Update", False),
        ("editors_note", "Editor’s note", False),
    ],
)
def test_each_kind_of_public_change_shows_where_readers_look_for_it(
    story, editor, clock, kind, label, at_the_top
):
    clock.move_to(CHANGED)
    edit(story, editor, kind=kind, text=f"What the {kind} says.")
    html = page("/articles/rates-held/")
    assert (f"What the {kind} says." in before_body(html)) is at_the_top
    assert (f"<strong>{label}</strong>" in before_body(html)) is at_the_top
    log = after_body(html).split("Changes to this article")[1]
    assert f"What the {kind} says." in log
    corrections = page("/corrections/")
    assert f"What the {kind} says." in corrections
    change = PublicChange.objects.get()
    assert f'href="/articles/rates-held/#change-{change.pk}"' in corrections
    assert f'id="change-{change.pk}"' in html


def test_json_ld_and_feeds_agree_with_the_page(story, editor, clock):
    clock.move_to(CHANGED)
    edit(story, editor, kind="correction", text="The rate was 4 percent, not 5.")
    html = page("/articles/rates-held/")
    news = json_ld(html)[0]
    assert news["dateModified"] == "2026-04-09T12:00:00+00:00"
    assert meta(html, "property", "article:modified_time") == local_iso(CHANGED)
    assert news["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "Correction: The rate was 4 percent, not 5.",
            "datePublished": "2026-04-09T12:00:00+00:00",
        }
    ]
    entry = ElementTree.fromstring(Client().get("/feeds/atom/").content).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}updated").text == "2026-04-09T12:00:00+00:00"
    assert "The rate was 4 percent, not 5." in entry.find(f"{ATOM}content").text
    clock.move_to(CHANGED + dt.timedelta(days=1))
    edit(story, editor, title="Rates held, again")  # a silent fix moves none of the dates
    assert json_ld(page("/articles/rates-held/"))[0]["dateModified"] == news["dateModified"]


def test_corrections_page_and_feeds_list_every_public_change_newest_first(
    clock, make_article, editor
):
    first = make_article(title="First story", published_at=PUBLISHED - dt.timedelta(days=2))
    second = make_article(title="Second story", published_at=PUBLISHED - dt.timedelta(days=1))
    draft = make_article(title="Draft story", status=Article.Status.DRAFT, published_at=None)
    clock.move_to(CHANGED)
    edit(first, editor, kind="correction", text="First corrected.")
    clock.move_to(CHANGED + dt.timedelta(hours=1))
    edit(second, editor, kind="update", text="Second updated.")
    edit(first, editor, kind="clarification", text="First clarified.")
    html = page("/corrections/")
    order = [
        html.index(text) for text in ("First clarified.", "Second updated.", "First corrected.")
    ]
    assert order == sorted(order)
    assert "Draft story" not in html
    rss = ElementTree.fromstring(Client().get("/corrections/rss/").content)
    titles = [item.findtext("title") for item in rss.iter("item")]
    assert titles == [
        "Clarification: First story",
        "Update: Second story",
        "Correction: First story",
    ]
    atom = ElementTree.fromstring(Client().get("/corrections/atom/").content)
    links = [entry.find(f"{ATOM}link").get("href") for entry in atom.iter(f"{ATOM}entry")]
    assert links[0].startswith("http://testserver/articles/") and "#change-" in links[0]
    # an article taken offline takes its entries off the page
    edit(second, editor, status=Article.Status.DRAFT)
    assert "Second updated." not in page("/corrections/")
    assert draft.pk and "Draft story" not in page("/corrections/")


def test_a_new_correction_refreshes_the_cached_corrections_page(story, editor, clock):
    assert "No corrections yet." in page("/corrections/")
    assert Client().get("/corrections/")["X-Cache"] == "hit"
    clock.move_to(CHANGED)
    edit(story, editor, kind="correction", text="Fixed the rate.")
    assert "Fixed the rate." in page("/corrections/")


def test_a_retracted_article_stays_readable_and_leaves_every_list(clock, make_article, editor):
    retracted = make_article(
        title="Flawed study", slug="flawed-study", tags=["Health"], body="Claims."
    )
    neighbour = make_article(title="Neighbour", tags=["Health"], section=retracted.section)
    lists = [
        "/",
        "/tags/health/",
        retracted.section.get_absolute_url(),
        "/feeds/rss/",
        "/feeds/atom/",
        "/sitemap.xml",
        neighbour.get_absolute_url(),
    ]
    for url in lists:  # read (and cached) while it is still listed
        assert "flawed-study" in page(url), url
    clock.move_to(CHANGED)
    edit(
        retracted,
        editor,
        kind="retraction",
        text="The study this article reported on was withdrawn by its authors.",
    )
    for url in lists:
        assert "flawed-study" not in page(url), url
    html = page("/articles/flawed-study/")
    assert "This article has been retracted" in before_body(html)
    assert "withdrawn by its authors" in html
    assert "Preview" not in html
    assert "Flawed study" in page("/corrections/")
    # later fixes to the retracted article still reach readers
    edit(retracted, editor, dek="Withdrawn.")
    assert "Withdrawn." in page("/articles/flawed-study/")
    assert "flawed-study" not in page("/")


def test_a_public_change_needs_what_readers_are_told(story, editor):
    with pytest.raises(ValidationError) as refused:
        edit(story, editor, kind="correction", text="  ", body="Changed [1].")
    assert "change_text" in refused.value.message_dict
    assert Article.objects.get(pk=story.pk).body == "The bank held rates at 4 percent [1]."
    assert not PublicChange.objects.exists()


def test_an_article_readers_never_saw_gets_no_public_change(make_article, editor):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    with pytest.raises(ValidationError) as refused:
        edit(draft, editor, kind="update", text="Updated.")
    assert "change_kind" in refused.value.message_dict


@pytest.mark.parametrize("revisions", [1, 12])
def test_the_article_page_reads_the_same_whatever_its_history(
    story, editor, clock, settings, django_assert_num_queries, revisions
):
    settings.PAGE_CACHE_SECONDS = 0
    for number in range(revisions):
        edit(story, editor, dek=f"Version {number}.")
        edit(story, editor, kind="update", text=f"Update {number}.")
    # the article with its stored parts; the section's latest for related; the navigation
    with django_assert_num_queries(3):
        html = page("/articles/rates-held/")
    assert html.count('<li id="change-') == revisions


# The import's "change"


def imported(tmp_path, *articles):
    path = tmp_path / "articles.json"
    path.write_text(json.dumps(list(articles)), encoding="utf-8")
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", str(path), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue() + str(error)
    return out.getvalue(), err.getvalue()


def pipeline_article(**overrides):
    return {
        "external_id": "pipe-1",
        "title": "Chips, counted",
        "slug": "chips-counted",
        "body": "Shipments rose 12 percent [1] and prices fell [2].",
        "section": "Industry",
        "status": "published",
        "published_at": "2026-04-07T09:00:00+00:00",
        "provenance": {
            "origin": "pipeline",
            "pipeline_version": "3.1",
            "sources_verified": True,
            "fact_checked": True,
            "quality_score": 0.9,
        },
        "references": [
            {"number": n, "publisher": f"Pub {n}", "title": f"T {n}", "url": f"https://e.org/{n}"}
            for n in (1, 2)
        ],
    } | overrides


def test_the_import_records_the_public_change_its_update_carries(clock, tmp_path):
    imported(tmp_path, pipeline_article())
    clock.move_to(CHANGED)
    corrected = pipeline_article(
        body="Shipments rose 21 percent [1] and prices fell [2].",
        change={"kind": "correction", "text": "Shipments rose 21 percent, not 12."},
    )
    out, err = imported(tmp_path, corrected)
    assert "updated" in out and not err
    html = page("/articles/chips-counted/")
    assert "Shipments rose 21 percent, not 12." in before_body(html)
    revision = Revision.objects.filter(article__slug="chips-counted").first()
    assert (revision.via, revision.author_name, revision.by_pipeline) == (
        "import",
        "the pipeline",
        True,
    )
    assert revision.public_changes.get().kind == "correction"
    # the same file again changes nothing: its change is not said twice
    out, _ = imported(tmp_path, corrected)
    assert "unchanged" in out and PublicChange.objects.count() == 1
    # the same version with a new change: an editor's note on unchanged text counts
    out, _ = imported(
        tmp_path, pipeline_article(change={"kind": "editors_note", "text": "Read with care."})
    )
    assert "updated" in out and "Read with care." in page("/articles/chips-counted/")
    assert PublicChange.objects.count() == 2


def test_the_import_refuses_a_public_change_on_a_new_article(clock, tmp_path):
    out, err = imported(tmp_path, pipeline_article(change={"kind": "correction", "text": "Fixed."}))
    assert re.search(r"article 'pipe-1' \(#1\): change: Only an article readers have seen", err)
    assert not Article.objects.exists()


def test_the_import_names_an_unknown_kind_of_change(clock, tmp_path):
    imported(tmp_path, pipeline_article())
    _, err = imported(tmp_path, pipeline_article(change={"kind": "erratum", "text": "Fixed."}))
    assert "change.kind" in err
    assert not PublicChange.objects.exists()


def test_deleting_an_article_deletes_its_record_too(story, editor, clock):
    edit(story, editor, kind="correction", text="Fixed the rate.")
    article_delete(actor=editor, article=story)
    assert not Revision.objects.exists() and not PublicChange.objects.exists()
    assert "Fixed the rate." not in page("/corrections/")


def test_corrections_come_back_to_the_cached_page_when_their_article_does(story, editor, clock):
    edit(story, editor, kind="correction", text="Fixed the rate.")
    edit(story, editor, status=Article.Status.DRAFT)
    assert "Fixed the rate." not in page("/corrections/")  # now cached without it
    edit(story, editor, status=Article.Status.PUBLISHED)
    assert "Fixed the rate." in page("/corrections/")


def test_updates_and_editors_notes_are_no_corrections_in_json_ld(story, editor, clock):
    clock.move_to(CHANGED)
    edit(story, editor, kind="update", text="Added the bank's statement.")
    news = json_ld(page("/articles/rates-held/"))[0]
    assert "correction" not in news and news["dateModified"] == "2026-04-09T12:00:00+00:00"


def test_a_retracted_article_is_listed_as_retracted_for_editors(story, editor, editor_client):
    edit(story, editor, kind="retraction", text="Withdrawn.")
    changelist = editor_client.get("/admin/articles/article/").content.decode()
    assert '<span class="stage-pill stage-retracted">Retracted</span>' in changelist
    assert "stage-scheduled" not in changelist


def test_the_import_never_says_a_change_twice(clock, tmp_path, editor):
    imported(tmp_path, pipeline_article())
    corrected = pipeline_article(change={"kind": "correction", "text": "Twelve, not ten."})
    imported(tmp_path, corrected)
    edit(Article.objects.get(), editor, kind="editors_note", text="Our note.")
    out, _ = imported(tmp_path, corrected)  # the pipeline retries its file
    assert "unchanged" in out
    assert PublicChange.objects.filter(kind="correction").count() == 1
