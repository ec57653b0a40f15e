import datetime as dt

import pytest
from django.utils import timezone

from articles.models import Article


def at(year, month, day=10):
    return timezone.make_aware(dt.datetime(year, month, day, 12))


@pytest.fixture
def history(make_article):
    make_article(title="March one", published_at=at(2025, 3))
    make_article(title="March two", published_at=at(2025, 3, 20), tags=["Go"])
    make_article(title="June", published_at=at(2025, 6), tags=["Go", "Rust"])
    make_article(title="Next year", published_at=at(2026, 1))
    make_article(
        title="Draft", published_at=at(2025, 3), status=Article.Status.DRAFT, tags=["Hidden"]
    )


def titles(response):
    return [article.title for article in response.context["articles"]]


def test_year_archive_lists_that_years_published_articles(client, history):
    response = client.get("/archive/2025/")
    assert response.status_code == 200
    assert titles(response) == ["June", "March two", "March one"]
    html = response.content.decode()
    assert (
        '<a href="/archive/2025/03/">March</a>' in html
        and '<a href="/archive/2025/06/">June</a>' in html
    )


def test_month_archive_lists_that_months_articles_and_links_neighbours(client, history):
    response = client.get("/archive/2025/03/")
    assert titles(response) == ["March two", "March one"]
    html = response.content.decode()
    assert "<h1>March 2025</h1>" in html
    assert 'href="/archive/2025/06/">June 2025 →' in html


@pytest.mark.parametrize("url", ["/archive/2024/", "/archive/2025/02/", "/archive/2025/13/"])
def test_empty_or_impossible_archives_are_404(client, history, url):
    assert client.get(url).status_code == 404


def test_archive_index_counts_articles_per_month(client, history):
    html = client.get("/archive/").content.decode()
    assert '<a href="/archive/2025/03/">March</a> <span class="count">(2)</span>' in html
    assert '<a href="/archive/2026/01/">January</a> <span class="count">(1)</span>' in html
    assert html.index('href="/archive/2026/') < html.index('href="/archive/2025/')  # newest first


def test_tag_index_counts_only_published_articles(client, history):
    response = client.get("/tags/")
    tags = {tag.name: tag.article_count for tag in response.context["tags"]}
    assert tags == {"Go": 2, "Rust": 1}


def test_archive_paginates(client, make_article):
    for day in range(1, 26):
        make_article(published_at=at(2025, 5, day))
    assert len(client.get("/archive/2025/05/").context["articles"]) == 20
    assert len(client.get("/archive/2025/05/?page=2").context["articles"]) == 5


@pytest.mark.parametrize("url", ["/archive/", "/archive/2025/", "/archive/2025/03/", "/tags/"])
def test_archive_and_tag_pages_have_constant_query_counts(
    client, make_article, django_assert_max_num_queries, url
):
    for day in range(1, 26):
        make_article(published_at=at(2025, 3, day), tags=[f"t{day}", "shared"])
    # at most: any articles?, month or day list, previous and next period, count, page,
    # page's tags, section navigation
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


def test_readers_see_dates_in_the_sites_time_zone(client, make_article, settings):
    settings.TIME_ZONE = "America/New_York"
    article = make_article(
        title="Late edition", published_at=dt.datetime(2026, 4, 1, 2, 30, tzinfo=dt.UTC)
    )  # 22:30 on March 31 in New York
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<time datetime="2026-03-31T22:30:00-04:00">March 31, 2026</time>' in page
    assert "March 31, 2026" in client.get("/").content.decode()
    assert titles(client.get("/archive/2026/03/")) == ["Late edition"]
    assert client.get("/archive/2026/04/").status_code == 404
    assert '<a href="/archive/2026/03/">March</a>' in client.get("/archive/").content.decode()
