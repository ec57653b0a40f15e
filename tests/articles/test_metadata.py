import datetime as dt
import json
import re

import pytest

from articles.models import Article
from tests.conftest import reference


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    return match.group(1) if match else None


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


@pytest.fixture
def article(make_article, make_section):
    return make_article(
        title="Scaling laws",
        slug="scaling-laws",
        dek="Why bigger kept working.",
        byline="Daily Neural Digest Team",
        section=make_section(name="Research", slug="research"),
        tags=["Scaling", "Training"],
        body="Loss falls as a power law [1], [2].",
        references=[
            reference(
                1, publisher="arXiv", title="Scaling Laws", url="https://arxiv.org/abs/2001.08361"
            ),
            reference(2),
        ],
        origin=Article.Origin.PIPELINE,
        sources_verified=True,
        fact_checked=True,
        published_at=dt.datetime(2026, 4, 7, 9, 30, tzinfo=dt.UTC),
    )


def test_article_page_has_canonical_description_open_graph_and_twitter_tags(
    client, article, settings
):
    settings.TIME_ZONE = "Europe/Berlin"  # times carry the site's offset
    html = client.get("/articles/scaling-laws/?utm_source=x").content.decode()
    assert '<link rel="canonical" href="http://testserver/articles/scaling-laws/">' in html
    assert meta(html, "name", "description") == "Why bigger kept working."
    assert meta(html, "property", "og:title") == "Scaling laws"
    assert meta(html, "property", "og:description") == "Why bigger kept working."
    assert meta(html, "property", "og:url") == "http://testserver/articles/scaling-laws/"
    assert meta(html, "property", "og:type") == "article"
    assert meta(html, "property", "og:site_name") == "Newsroom"
    assert meta(html, "property", "article:published_time") == "2026-04-07T11:30:00+02:00"
    assert meta(html, "property", "article:modified_time")
    assert meta(html, "property", "article:section") == "Research"
    assert re.findall(r'<meta property="article:tag" content="([^"]*)">', html) == [
        "Scaling",
        "Training",
    ]
    assert meta(html, "name", "twitter:card") == "summary_large_image"  # its share card
    assert meta(html, "name", "twitter:title") == "Scaling laws"


def test_article_json_ld_is_a_complete_news_article(client, article):
    news, crumbs = json_ld(client.get("/articles/scaling-laws/").content.decode())
    assert news["@type"] == "NewsArticle"
    assert news["headline"] == "Scaling laws"
    assert news["description"] == "Why bigger kept working."
    assert news["datePublished"] == "2026-04-07T09:30:00+00:00"
    assert news["dateModified"]
    assert news["author"] == {"@type": "Organization", "name": "Daily Neural Digest Team"}
    assert news["publisher"]["name"] == "Newsroom"
    assert news["articleSection"] == "Research"
    assert news["keywords"] == ["Scaling", "Training"]
    assert news["wordCount"] == article.word_count
    assert news["citation"][0] == {
        "@type": "CreativeWork",
        "name": "Scaling Laws",
        "url": "https://arxiv.org/abs/2001.08361",
        "publisher": {"@type": "Organization", "name": "arXiv"},
    }
    assert len(news["citation"]) == 2
    assert news["digitalSourceType"].endswith("/trainedAlgorithmicMedia")
    assert "autonomous pipeline (multi-source verified, fact-checked)" in news["creditText"]
    assert [item["name"] for item in crumbs["itemListElement"]] == [
        "Newsroom",
        "Research",
        "Scaling laws",
    ]


def test_human_article_declares_no_algorithmic_source(client, make_article):
    article = make_article(origin=Article.Origin.HUMAN)
    news = json_ld(client.get(article.get_absolute_url()).content.decode())[0]
    assert "digitalSourceType" not in news and "creditText" not in news


def test_assisted_article_declares_a_composite_source(client, make_article):
    article = make_article(origin=Article.Origin.ASSISTED)
    news = json_ld(client.get(article.get_absolute_url()).content.decode())[0]
    assert news["digitalSourceType"].endswith("/compositeWithTrainedAlgorithmicMedia")


def test_json_ld_cannot_be_broken_out_of(client, make_article):
    title = 'Evil </script><script>alert("x")</script> & more'
    article = make_article(title=title, dek="<!-- a dek -->")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    news = json_ld(html)[0]
    assert news["headline"] == title and news["description"] == "<!-- a dek -->"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/", "http://testserver/"),
        ("/?page=1", "http://testserver/"),
        ("/?page=2&utm_medium=feed", "http://testserver/?page=2"),
        ("/tags/", "http://testserver/tags/"),
        ("/search/?q=x", "http://testserver/search/"),
    ],
)
def test_every_page_has_a_canonical_url(client, make_article, url, canonical):
    for _ in range(22):
        make_article()
    html = client.get(url).content.decode()
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert meta(html, "property", "og:url") == canonical


def test_section_and_tag_pages_describe_themselves(client, make_article, make_section):
    section = make_section(name="Tools", slug="tools", description="Software for newsrooms.")
    make_article(section=section, tags=["Go"])
    section_html = client.get("/sections/tools/").content.decode()
    assert meta(section_html, "property", "og:title") == "Tools"
    assert meta(section_html, "property", "og:description") == "Software for newsrooms."
    tag_html = client.get("/tags/go/").content.decode()
    assert meta(tag_html, "property", "og:title") == "Go"


def test_search_pages_are_not_indexed(client, db):
    assert '<meta name="robots" content="noindex">' in client.get("/search/?q=x").content.decode()


def test_breadcrumbs_lead_back_to_the_newsroom_and_the_section(client, article):
    html = client.get("/articles/scaling-laws/").content.decode()
    crumbs = html[html.index('aria-label="Breadcrumb"') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert re.findall(r'<a href="([^"]*)">([^<]*)</a>', crumbs) == [
        ("/", "← Back to Newsroom"),
        ("/sections/research/", "Research"),
    ]
