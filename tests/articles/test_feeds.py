import datetime as dt
import html
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from articles.models import Article
from tests.active_markup import active_markup, rendered_as_html
from tests.conftest import reference

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)


@pytest.fixture
def cited_article(make_article, make_section):
    return make_article(
        title="Feeds & you",
        slug="feeds-and-you",
        dek="Why RSS still matters.",
        byline="Desk",
        body="## Why\n\nA claim [1].",
        section=make_section(name="Tools", slug="tools"),
        tags=["RSS", "Standards"],
        origin=Article.Origin.PIPELINE,
        fact_checked=True,
        references=[reference(1, title="The RSS spec")],
        published_at=timezone.now() - dt.timedelta(hours=2),
    )


def test_rss_feed_carries_every_field(client, cited_article):
    channel = parse(client, "/feeds/rss/").find("channel")
    assert channel.findtext("title") == "Newsroom"
    assert channel.findtext("link") == "http://testserver/"
    (item,) = channel.findall("item")
    assert html.unescape(item.findtext("title")) == "Feeds & you"  # readers take it as HTML
    assert item.findtext("link") == "http://testserver/articles/feeds-and-you/"
    assert item.findtext("description") == "Why RSS still matters."
    assert item.findtext(DC_CREATOR) == "Desk"
    assert item.findtext("pubDate")
    assert sorted(c.text for c in item.findall("category")) == ["RSS", "Standards"]
    content = item.findtext(CONTENT)
    assert '<h2 id="why">Why</h2>' in content
    assert 'href="http://testserver/articles/feeds-and-you/#ref-1"' in content
    assert "The RSS spec" in content  # the references travel with the article
    assert "autonomous pipeline — fact-checked." in content


def test_atom_feed_carries_every_field(client, cited_article):
    feed = parse(client, "/feeds/atom/")
    assert feed.findtext(f"{ATOM}title") == "Newsroom"
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Feeds & you"
    assert entry.find(f"{ATOM}link").get("href") == "http://testserver/articles/feeds-and-you/"
    assert entry.findtext(f"{ATOM}summary") == "Why RSS still matters."
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Desk"
    assert entry.findtext(f"{ATOM}published") and entry.findtext(f"{ATOM}updated")
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {"RSS", "Standards"}
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and "A claim" in content.text


def test_feeds_list_only_published_articles_newest_first(client, make_article):
    make_article(title="Old", published_at=timezone.now() - dt.timedelta(days=3))
    make_article(title="New", published_at=timezone.now() - dt.timedelta(hours=1))
    make_article(title="Draft", status=Article.Status.DRAFT)
    make_article(title="Scheduled", published_at=timezone.now() + dt.timedelta(days=1))
    items = parse(client, "/feeds/rss/").find("channel").findall("item")
    assert [item.findtext("title") for item in items] == ["New", "Old"]


def test_section_and_tag_feeds_narrow_the_articles(client, make_article, make_section):
    tools = make_section(name="Tools", slug="tools")
    make_article(title="In tools", section=tools, tags=["Go"])
    make_article(title="Elsewhere", tags=["Go", "Rust"])
    section_items = parse(client, "/sections/tools/rss/").find("channel").findall("item")
    assert [i.findtext("title") for i in section_items] == ["In tools"]
    tag_entries = parse(client, "/tags/rust/atom/").findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in tag_entries] == ["Elsewhere"]
    assert parse(client, "/tags/go/rss/").find("channel").findtext("title") == "Go — Newsroom"


@pytest.mark.parametrize("url", ["/sections/nope/rss/", "/tags/nope/atom/"])
def test_feed_of_unknown_section_or_tag_is_404(client, db, url):
    assert client.get(url).status_code == 404


def test_feeds_are_limited_to_twenty_items(client, make_article):
    for index in range(25):
        make_article(title=f"Item {index}")
    assert len(parse(client, "/feeds/rss/").find("channel").findall("item")) == 20


@pytest.mark.parametrize("articles", [2, 20])
def test_feed_query_count_is_constant(client, make_article, django_assert_num_queries, articles):
    for _ in range(articles):
        make_article(tags=["a", "b"], body="[1]", references=[reference(1)])
    # articles + sections, their tags, their references, their public changes
    with django_assert_num_queries(4):
        client.get("/feeds/atom/")


def test_pages_advertise_their_feeds(client, make_article, make_section):
    section = make_section(name="Tools", slug="tools")
    article = make_article(section=section, tags=["Go"])
    home = client.get("/").content.decode()
    rss_link = '<link rel="alternate" type="application/rss+xml" title="Newsroom (RSS)"'
    assert f'{rss_link} href="/feeds/rss/">' in home
    assert 'type="application/atom+xml" title="Newsroom (Atom)" href="/feeds/atom/"' in home
    assert 'href="/sections/tools/rss/"' in client.get("/sections/tools/").content.decode()
    assert 'href="/tags/go/atom/"' in client.get("/tags/go/").content.decode()
    assert 'href="/feeds/rss/"' in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/sections/tools/rss/",
        "/sections/tools/atom/",
        "/tags/go/rss/",
        "/tags/go/atom/",
    ],
)
def test_section_and_tag_feeds_list_exactly_the_published_articles(
    client, make_article, make_section, url
):
    tools = make_section(name="Tools", slug="tools")
    now = timezone.now()
    for title, overrides in [
        ("Published", {}),
        ("Published just now", {"published_at": now - dt.timedelta(seconds=1)}),
        ("Draft", {"status": Article.Status.DRAFT}),
        ("In review", {"status": Article.Status.IN_REVIEW}),
        ("Archived", {"status": Article.Status.ARCHIVED}),
        ("Scheduled", {"published_at": now + dt.timedelta(minutes=5)}),
    ]:
        make_article(title=title, section=tools, tags=["Go"], **overrides)
    feed = parse(client, url)
    if feed.tag == f"{ATOM}feed":
        titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    else:
        titles = [item.findtext("title") for item in feed.find("channel").findall("item")]
    assert sorted(titles) == ["Published", "Published just now"]


def test_feeds_order_by_publication_time_not_by_when_articles_were_entered(client, make_article):
    now = timezone.now()
    make_article(title="Entered first, published last", published_at=now - dt.timedelta(hours=1))
    make_article(title="Entered last, published first", published_at=now - dt.timedelta(days=2))
    same_time = now - dt.timedelta(days=1)
    make_article(title="Same time, entered first", published_at=same_time)
    make_article(title="Same time, entered last", published_at=same_time)
    items = parse(client, "/feeds/rss/").find("channel").findall("item")
    assert [item.findtext("title") for item in items] == [
        "Entered first, published last",
        "Same time, entered last",
        "Same time, entered first",
        "Entered last, published first",
    ]


def test_section_feed_describes_itself_without_a_section_description(
    client, make_article, make_section
):
    make_section(name="Tools", slug="tools", description="")
    make_section(name="Labs", slug="labs", description="Where we try things.")
    tools = parse(client, "/sections/tools/rss/").find("channel")
    assert tools.findtext("description") == "The latest Tools articles."
    labs = parse(client, "/sections/labs/atom/")
    assert labs.findtext(f"{ATOM}subtitle") == "Where we try things."


def test_feed_content_names_the_newsroom_in_its_disclosure(client, make_article, settings):
    settings.NEWSROOM_SITE_NAME = "Daily Planet"
    make_article(origin=Article.Origin.PIPELINE)
    content = parse(client, "/feeds/rss/").find("channel").find("item").findtext(CONTENT)
    assert "generated by Daily Planet’s autonomous pipeline" in content


MARKUP = {
    "title": '"><img src=x onerror=alert(1)> & <script>alert(1)</script>',
    "dek": "<script>alert(1)</script><iframe src=javascript:alert(1)></iframe> & more",
    "byline": "<img src=x onerror=alert(2)>",
    "section": "<base href=//evil.example/>",
    "description": "<meta http-equiv=refresh content=0;url=//evil.example/>",
    "tag": "<svg onload=alert(3)>",
}
FEEDS = ["/feeds/{}/", "/sections/markup/{}/", "/tags/svg-onloadalert3/{}/"]


@pytest.fixture
def article_with_markup_in_its_text(make_article, make_section):
    section = make_section(name=MARKUP["section"], slug="markup", description=MARKUP["description"])
    return make_article(
        title=MARKUP["title"],
        dek=MARKUP["dek"],
        byline=MARKUP["byline"],
        section=section,
        tags=[MARKUP["tag"]],
    )


@pytest.mark.parametrize("url", [url.format(kind) for url in FEEDS for kind in ("rss", "atom")])
def test_feeds_send_plain_text_fields_as_text_never_as_markup(
    client, article_with_markup_in_its_text, url
):
    feed = parse(client, url)
    for text in rendered_as_html(feed):
        assert active_markup(text) == [], text


def test_rss_readers_show_the_plain_text_fields_as_written(client, article_with_markup_in_its_text):
    channel = parse(client, "/sections/markup/rss/").find("channel")
    assert html.unescape(channel.findtext("title")) == f"{MARKUP['section']} — Newsroom"
    assert html.unescape(channel.findtext("description")) == MARKUP["description"]
    item = channel.find("item")
    assert html.unescape(item.findtext("title")) == MARKUP["title"]
    assert html.unescape(item.findtext("description")) == MARKUP["dek"]
    assert item.findtext(DC_CREATOR) == MARKUP["byline"]  # Dublin Core: text
    assert item.findtext("category") == MARKUP["tag"]


def test_atom_readers_show_the_plain_text_fields_as_written(
    client, article_with_markup_in_its_text
):
    feed = parse(client, "/tags/svg-onloadalert3/atom/")
    assert feed.findtext(f"{ATOM}title") == f"{MARKUP['tag']} — Newsroom"  # type="text"
    assert MARKUP["tag"] in feed.findtext(f"{ATOM}subtitle")
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == MARKUP["title"]
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html" and html.unescape(summary.text) == MARKUP["dek"]
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == MARKUP["byline"]
    assert entry.find(f"{ATOM}category").get("term") == MARKUP["tag"]


def test_feeds_drop_characters_xml_cannot_carry(client, make_article):
    make_article(title="Bell\x07 and\x1b escape", dek="Form\x0cfeed", tags=["Tab\x0bbed"])
    item = parse(client, "/feeds/rss/").find("channel").find("item")
    assert item.findtext("title") == "Bell and escape"
    assert item.findtext("description") == "Formfeed"
    assert parse(client, "/feeds/atom/").find(f"{ATOM}entry").findtext(f"{ATOM}title") == (
        "Bell and escape"
    )
