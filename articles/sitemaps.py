"""Sitemaps for search engines: pages, sections, tags and articles, plus a Google News sitemap."""

import datetime as dt

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles.models import Article, Section, tags_in_use

NEWS_WINDOW = dt.timedelta(hours=48)
NEWS_LIMIT = 1000  # Google News reads at most 1,000 URLs a sitemap


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at")

    def lastmod(self, article):
        return article.updated_at


class SectionSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        published = Q(articles__in=Article.objects.published())
        return Section.objects.annotate(
            latest=Max("articles__updated_at", filter=published)
        ).order_by("position", "name")

    def lastmod(self, section):
        return section.latest


class TagSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return tags_in_use()

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})


class ListingSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.8

    def items(self):
        return ["articles:list", "articles:tags", "articles:archive", "articles:methodology"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": ListingSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "articles": ArticleSitemap,
}


@require_safe
def news_sitemap(request):
    """List the articles published in the last 48 hours, in Google News' sitemap format."""
    since = timezone.now() - NEWS_WINDOW
    articles = (
        Article.objects.published()
        .filter(published_at__gte=since)
        .only("slug", "title", "published_at")
        .order_by("-published_at")[:NEWS_LIMIT]
    )
    context = {
        "articles": articles,
        "publication_name": settings.NEWSROOM_SITE_NAME,
        "language": settings.LANGUAGE_CODE.split("-")[0],
    }
    return render(request, "articles/news_sitemap.xml", context, content_type="application/xml")


@require_safe
def robots_txt(request):
    """Point crawlers to the sitemaps. The admin is left out: a Disallow line would tell anyone
    where it lives, and its pages tell robots not to index them."""
    context = {
        "sitemap_url": request.build_absolute_uri(reverse("sitemap")),
        "news_sitemap_url": request.build_absolute_uri(reverse("news_sitemap")),
    }
    return render(request, "robots.txt", context, content_type="text/plain")
