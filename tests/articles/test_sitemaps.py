import datetime as dt
import re
import xml.etree.ElementTree as ET

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Page

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def locations(client, url):
    root = ET.fromstring(client.get(url).content)
    return {node.findtext(f"{SITEMAP}loc"): node for node in root.findall(f"{SITEMAP}url")}


def test_sitemap_lists_exactly_the_published_articles(client, make_article, make_section):
    section = make_section(slug="tools")
    published = make_article(slug="visible", section=section, tags=["Go"])
    make_article(slug="draft", status=Article.Status.DRAFT)
    make_article(slug="later", published_at=timezone.now() + dt.timedelta(days=1))
    urls = locations(client, "/sitemap.xml")
    article_urls = {url for url in urls if "/articles/" in url}
    assert article_urls == {"http://testserver/articles/visible/"}
    lastmod = urls["http://testserver/articles/visible/"].findtext(f"{SITEMAP}lastmod")
    assert lastmod == timezone.localdate(published.updated_at).isoformat()
    for page in ["/", "/tags/", "/archive/", "/how-it-works/", "/sections/tools/", "/tags/go/"]:
        assert f"http://testserver{page}" in urls


def test_sitemap_leaves_out_tags_with_no_published_article(client, make_article):
    make_article(status=Article.Status.DRAFT, tags=["Secret"])
    assert "http://testserver/tags/secret/" not in locations(client, "/sitemap.xml")


def test_news_sitemap_has_the_last_48_hours(client, make_article):
    make_article(
        title="Fresh & new", slug="fresh", published_at=timezone.now() - dt.timedelta(hours=3)
    )
    make_article(slug="old", published_at=timezone.now() - dt.timedelta(hours=49))
    make_article(slug="draft", status=Article.Status.DRAFT)
    response = client.get("/sitemap-news.xml")
    assert response["Content-Type"].startswith("application/xml")
    urls = locations(client, "/sitemap-news.xml")
    assert list(urls) == ["http://testserver/articles/fresh/"]
    news = urls["http://testserver/articles/fresh/"].find(f"{NEWS}news")
    publication = news.find(f"{NEWS}publication")
    assert publication.findtext(f"{NEWS}name") == "Newsroom"
    assert publication.findtext(f"{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}title") == "Fresh & new"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", news.findtext(f"{NEWS}publication_date")
    )


def test_robots_txt_points_to_the_sitemaps_and_keeps_crawlers_out_of_search(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "User-agent: *" in text and "Disallow: /search/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Sitemap: http://testserver/sitemap-news.xml" in text


def test_robots_txt_never_names_the_admins_address(client, db):
    """ADMIN_URL moves the admin away from scanners; robots.txt must not tell them where."""
    admin_path = reverse("admin:index")
    text = client.get("/robots.txt").content.decode()
    assert admin_path not in text and "admin" not in text.lower()
    login = client.get(reverse("admin:login")).content.decode()
    assert '<meta name="robots" content="NONE,NOARCHIVE">' in login  # the admin asks itself


def test_head_requests_are_answered_like_gets(client, make_article):
    """Link checkers and monitors send HEAD; no public address may answer it 405."""
    article = make_article(slug="visible", tags=["Go"])
    Page.objects.get_or_create(slug="how-it-works", defaults={"title": "How", "body": "We."})
    urls = [
        "/robots.txt",
        "/sitemap-news.xml",
        "/",
        article.get_absolute_url(),
        f"{article.get_absolute_url()}feedback/",
        f"{article.get_absolute_url()}feedback/?helpful=no",
        f"/sections/{article.section.slug}/",
        "/tags/",
        "/tags/go/",
        "/tags/go/rss/",
        f"/sections/{article.section.slug}/atom/",
        "/search/?q=article",
        "/archive/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/sitemap.xml",
        "/how-it-works/",
    ]
    for url in urls:
        cache.clear()  # the view answers, not a page a GET stored
        assert client.head(url).status_code == 200, url


def test_sitemap_query_count_is_constant(client, make_article, django_assert_num_queries):
    for index in range(15):
        make_article(tags=[f"tag-{index}"])
    # pages: none; sections: 1 + count; tags: 1 + count; articles: 1 + count
    with django_assert_num_queries(6):
        client.get("/sitemap.xml")
