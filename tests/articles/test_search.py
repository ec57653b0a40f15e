import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

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


def test_results_paginate_and_keep_the_query(client, make_article):
    for index in range(23):
        make_article(title=f"Giraffe story {index}")
    first = client.get("/search/", {"q": "giraffe"})
    assert len(first.context["articles"]) == 20
    html = first.content.decode()
    assert "23 results for “giraffe”" in html
    assert 'href="?q=giraffe&amp;page=2"' in html
    second = client.get("/search/", {"q": "giraffe", "page": 2})
    assert len(second.context["articles"]) == 3


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


@pytest.mark.parametrize("matches", [2, 25])
def test_search_query_count_is_constant(client, make_article, django_assert_num_queries, matches):
    for index in range(matches):
        make_article(title=f"Okapi {index}", tags=["a", "b"])
    # count, page, page's tags, section filter list, tag filter list, section navigation
    with django_assert_num_queries(6):
        client.get("/search/", {"q": "okapi"})


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
