"""The benchmark's server (bench/settings.py) serves the site plus its reference pages; the site
itself has none of them."""

import pytest

import bench.settings
from articles.models import Article


@pytest.fixture
def bench_server(settings):
    settings.ROOT_URLCONF = bench.settings.ROOT_URLCONF
    settings.MIDDLEWARE = bench.settings.MIDDLEWARE


@pytest.mark.django_db
def test_the_site_has_no_benchmark_pages(client, make_article):
    article = make_article()
    assert client.get("/bench/ceiling").status_code == 404
    assert client.get(f"/bench/one-query/{article.slug}/").status_code == 404
    assert "X-Queries" not in client.get(article.get_absolute_url()).headers


def test_the_ceiling_is_a_fixed_string_without_queries(client, bench_server):
    response = client.get("/bench/ceiling")
    assert response.content == b"ok"
    assert response["X-Queries"] == "0"


def test_the_one_query_page_shows_a_published_article_with_one_query(
    client, bench_server, make_article
):
    article = make_article(title="Glaciers move", body="Ice *flows* downhill.")
    response = client.get(f"/bench/one-query/{article.slug}/")
    assert response["X-Queries"] == "1"
    assert "<h1>Glaciers move</h1>" in response.text
    assert "<em>flows</em>" in response.text
    assert article.section.name in response.text


def test_the_one_query_page_hides_drafts(client, bench_server, make_article):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    assert client.get(f"/bench/one-query/{draft.slug}/").status_code == 404


def test_the_benchmark_server_serves_the_site_and_counts_its_queries(
    client, bench_server, make_article
):
    article = make_article(title="Glaciers move")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Glaciers move" in response.text
    assert int(response["X-Queries"]) > 0
