import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from articles import search
from articles.models import Article
from articles.roles import PIPELINE
from articles.services import article_update

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="stemming and ranking need PostgreSQL full-text search",
)


def results(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return [article.title for article in response.context["articles"]], response


@pytest.fixture
def corpus(make_article, make_section):
    """Articles that mention "model" in different places, and some that must never show."""
    research, tools = make_section(name="Research", slug="research"), make_section(slug="tools")
    hours = iter(range(1, 100))

    def add(title, **fields):
        fields.setdefault("section", research)
        fields.setdefault("published_at", timezone.now() - dt.timedelta(hours=next(hours)))
        fields.setdefault("body", "Nothing relevant here.")
        fields.setdefault("dek", "")
        return make_article(title=title, **fields)

    return {
        "title": add("A model of the newsroom"),
        "dek": add("Dek only", dek="How one model changed publishing."),
        "body": add("Body only", body="Deep in the text the model appears once."),
        "tag": add("Tag only", tags=["Model"]),
        "tools": add("Tools model note", section=tools, tags=["howto"]),
        "other": add("Unrelated", body="Weather and sport."),
        "draft": add("Draft model", status=Article.Status.DRAFT),
        "scheduled": add("Scheduled model", published_at=timezone.now() + dt.timedelta(days=1)),
    }


def test_search_finds_published_articles_by_title_dek_body_and_tags(client, corpus):
    titles, response = results(client, q="model")
    assert set(titles) == {
        "A model of the newsroom",
        "Dek only",
        "Body only",
        "Tag only",
        "Tools model note",
    }
    assert "5 results for “model”" in response.content.decode()


def test_title_matches_come_first(client, corpus):
    titles, _ = results(client, q="model")
    assert set(titles[:2]) == {"A model of the newsroom", "Tools model note"}


@on_postgresql
def test_postgresql_ranks_title_then_dek_then_body(client, corpus):
    titles, _ = results(client, q="model", section="research")
    # title (weight A) first; dek and tags (B) tie and fall back to recency; body (C) last
    assert titles == ["A model of the newsroom", "Dek only", "Tag only", "Body only"]


@on_postgresql
def test_postgresql_stems_english_words(client, corpus):
    titles, _ = results(client, q="models")
    assert "A model of the newsroom" in titles and "Body only" in titles


def test_search_never_shows_drafts_or_scheduled_articles(client, corpus):
    titles, _ = results(client, q="draft scheduled")
    assert titles == []
    titles, _ = results(client, q="model")
    assert "Draft model" not in titles and "Scheduled model" not in titles


def test_section_and_tag_filters_combine_with_the_query(client, corpus):
    titles, _ = results(client, q="model", section="tools")
    assert titles == ["Tools model note"]
    titles, _ = results(client, q="model", tag="model")
    assert titles == ["Tag only"]
    titles, _ = results(client, q="model", section="tools", tag="model")
    assert titles == []


def test_snippet_highlights_the_match_and_escapes_the_text(client, make_article):
    make_article(title="Escaping", body="Some `<script>alert(1)</script>` text about a rare zebra.")
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    assert "<mark>zebra</mark>" in html
    assert "<script>alert(1)" not in html  # escaped (SQLite) or left out by ts_headline


def test_results_paginate_and_keep_the_query_and_order(client, make_article):
    for index in range(23):
        make_article(title=f"Giraffe story {index}")
    first = client.get("/search/", {"q": "giraffe", "order": "newest"})
    assert len(first.context["articles"]) == 20
    html = first.content.decode()
    assert "23 results for “giraffe”" in html
    assert "Page 1 of 2" in html
    assert 'href="?q=giraffe&amp;order=newest&amp;page=2"' in html
    second = client.get("/search/", {"q": "giraffe", "order": "newest", "page": 2})
    assert len(second.context["articles"]) == 3
    assert 'href="?q=giraffe&amp;order=newest&amp;page=1"' in second.content.decode()


def test_empty_query_shows_the_form_and_no_results(client, corpus):
    titles, response = results(client, q="   ")
    assert titles == []
    assert "Type a word or two" in response.content.decode()


def test_no_match_has_a_friendly_message(client, corpus):
    titles, response = results(client, q="xylophone")
    assert titles == []
    assert "No published article matches." in response.content.decode()


def test_a_too_long_query_is_shortened_with_a_notice(client, corpus):
    titles, response = results(client, q="model " * 100)
    assert "we searched for its first 200 characters" in response.content.decode()
    assert titles


ODD_QUERIES = [
    '"',
    '"unbalanced',
    "'",
    "&",
    "|",
    "!",
    ":*",
    "model:*",
    "a & b | c",
    "(",
    "((model",
    "model)",
    "<->",
    "!!model",
    "-",
    "model -",
    "OR",
    "\\",
    "%",
    "_",
    "\x01\x02",
    "ünïcödé",
    "模型",
    "🙂",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "a" * 5000,
]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_give_a_normal_page(client, corpus, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_nul_in_the_query_is_refused_with_a_400(client, corpus):
    # PostgreSQL cannot compare text holding a NUL; every parameter is checked the same way.
    response = client.get("/search/", {"q": "nul\x00byte"})
    assert response.status_code == 400
    assert "'q' contains a NUL character" in response.content.decode()


@pytest.mark.parametrize("filters", [{"section": "nope"}, {"tag": "nope"}, {"page": "x"}])
def test_unknown_filters_give_no_results_not_errors(client, corpus, filters):
    response = client.get("/search/", {"q": "model", **filters})
    assert response.status_code in (200, 404)
    if filters.get("page") is None:
        assert response.status_code == 200
        assert list(response.context["articles"]) == []


@pytest.mark.parametrize("order", ["relevance", "newest"])
@pytest.mark.parametrize("matches", [2, 25])
def test_search_query_count_is_constant(
    client, make_article, django_assert_num_queries, matches, order
):
    for index in range(matches):
        make_article(title=f"Okapi {index}", tags=["a", "b"])
    # count, page, page's tags, page's snippets, section and tag filter lists, section navigation
    with django_assert_num_queries(7):
        client.get("/search/", {"q": "okapi", "order": order})


def test_every_page_has_the_search_box(client, make_article):
    article = make_article()
    for url in ["/", article.get_absolute_url(), "/tags/"]:
        html = client.get(url).content.decode()
        assert 'role="search" action="/search/"' in html
        assert (
            '<label for="site-search-input" class="visually-hidden">Search articles</label>' in html
        )


def test_search_vector_follows_edits_and_tag_changes(client, make_article):
    article = make_article(title="Before", body="Nothing.")
    article.body = "Now about capybaras."
    article_update(actor=PIPELINE, article=article)
    assert results(client, q="capybaras")[0] == ["Before"]
    article_update(actor=PIPELINE, article=article, tags=["Wombat"])
    assert results(client, q="wombat")[0] == ["Before"]


def test_renaming_a_tag_in_the_admin_updates_search(client, editor_client, make_article):
    from taggit.models import Tag

    make_article(title="Tagged", tags=["Old name"])
    tag = Tag.objects.get(name="Old name")
    response = editor_client.post(
        f"/admin/taggit/tag/{tag.pk}/change/",
        {"name": "Aardvark", "slug": "aardvark"},
    )
    assert response.status_code == 302
    assert results(client, q="aardvark")[0] == ["Tagged"]


@pytest.fixture
def story(make_article, make_section):
    """A story told over four days: the oldest article is about it, the newer ones mention it."""
    section = make_section(slug="science")
    now = timezone.now()

    def add(title, days, **fields):
        return make_article(
            title=title,
            section=section,
            dek="",
            published_at=now - dt.timedelta(days=days, hours=1),
            **fields,
        )

    return [
        add("Mention one day ago", 1, body="The narwhal came up in passing."),
        add("Mention two days ago", 2, body="Another narwhal aside."),
        add("Mention three days ago", 3, body="A narwhal, briefly."),
        add("The narwhal, explained", 4, body="All about the narwhal."),
    ]


def test_relevance_is_the_default_order_and_puts_the_headline_match_first(client, story):
    titles, response = results(client, q="narwhal")
    assert titles[0] == "The narwhal, explained"
    assert titles[1:] == ["Mention one day ago", "Mention two days ago", "Mention three days ago"]
    assert '<option value="relevance" selected>Most relevant</option>' in response.content.decode()


def test_newest_order_puts_the_latest_match_first(client, story):
    titles, response = results(client, q="narwhal", order="newest")
    assert titles == [
        "Mention one day ago",
        "Mention two days ago",
        "Mention three days ago",
        "The narwhal, explained",
    ]
    assert '<option value="newest" selected>Newest first</option>' in response.content.decode()


@pytest.mark.parametrize("order", ["oldest", "", "RELEVANCE", "newest'--"])
def test_an_unknown_order_falls_back_to_relevance(client, story, order):
    titles, response = results(client, q="narwhal", order=order)
    assert titles[0] == "The narwhal, explained"
    assert '<option value="relevance" selected>' in response.content.decode()


def test_the_order_is_a_control_of_the_search_form(client, story):
    html = client.get("/search/").content.decode()
    assert '<label for="search-order">Order</label>' in html
    assert '<select id="search-order" name="order">' in html


def test_relevance_ranks_only_the_newest_matches_and_says_so(client, story, monkeypatch):
    monkeypatch.setattr(search, "RANKED_MATCHES", 3)
    titles, response = results(client, q="narwhal")
    # The headline match is the oldest of four: beyond the three newest that relevance ranks.
    assert titles == ["Mention one day ago", "Mention two days ago", "Mention three days ago"]
    html = response.content.decode()
    assert "More than 3 results for “narwhal”: the most relevant of the newest 3 first." in html
    assert "Choose “Newest first” to go through every one." in html


def test_newest_order_reaches_matches_beyond_the_ranked_bound(client, story, monkeypatch):
    monkeypatch.setattr(search, "RANKED_MATCHES", 3)
    titles, response = results(client, q="narwhal", order="newest")
    assert titles[-1] == "The narwhal, explained"
    assert len(titles) == 4
    html = response.content.decode()
    assert "More than 3 results for “narwhal”." in html
    assert "the most relevant of the newest" not in html


def test_newest_order_pages_on_past_the_count_bound(
    client, make_article, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(search, "RANKED_MATCHES", 5)
    for index in range(23):
        make_article(
            title=f"Tapir {index}", published_at=timezone.now() - dt.timedelta(hours=index + 1)
        )
    with django_assert_num_queries(7):
        first = client.get("/search/", {"q": "tapir", "order": "newest"})
    html = first.content.decode()
    assert [article.title for article in first.context["articles"]][:2] == ["Tapir 0", "Tapir 1"]
    assert "More than 5 results for “tapir”." in html
    assert '<span aria-current="page">Page 1</span>' in html  # the number of pages is not known
    assert 'href="?q=tapir&amp;order=newest&amp;page=2"' in html
    second = client.get("/search/", {"q": "tapir", "order": "newest", "page": 2})
    assert [article.title for article in second.context["articles"]] == [
        "Tapir 20",
        "Tapir 21",
        "Tapir 22",
    ]
    assert 'rel="next"' not in second.content.decode()
    assert client.get("/search/", {"q": "tapir", "order": "newest", "page": 3}).status_code == 404


def test_relevance_pages_end_at_the_ranked_bound(client, make_article, monkeypatch):
    monkeypatch.setattr(search, "RANKED_MATCHES", 5)
    for index in range(23):
        make_article(title=f"Tapir {index}")
    response = client.get("/search/", {"q": "tapir"})
    assert len(response.context["articles"]) == 5
    assert 'rel="next"' not in response.content.decode()
    assert client.get("/search/", {"q": "tapir", "page": 2}).status_code == 404


def test_a_headline_match_outranks_a_text_full_of_the_word(client, make_article):
    make_article(title="The quokka census", body="Counted.", published_at=_days_ago(3))
    make_article(title="Standfirst", dek="A quokka appears.", published_at=_days_ago(2))
    make_article(title="Notes", body="quokka " * 40, published_at=_days_ago(1))
    titles, _ = results(client, q="quokka")
    assert titles == ["The quokka census", "Standfirst", "Notes"]


def _days_ago(days):
    return timezone.now() - dt.timedelta(days=days)
