"""RSS 2.0 and Atom feeds of the latest articles, overall and for each section and tag."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from taggit.models import Tag

from articles.models import Article, Section

FEED_LENGTH = 20


@dataclass
class FeedSource:
    """What a feed is about (None, a section or a tag) and the request it answers."""

    request: HttpRequest
    subject: Section | Tag | None = None


class RssWithContent(Rss201rev2Feed):
    """RSS 2.0 that also carries each article's full HTML in `content:encoded`."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class AtomWithContent(Atom1Feed):
    """Atom with the dek as `summary` and the full HTML as `content`."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class ArticleFeed(Feed):
    """The latest published articles; subclasses narrow them to a section or a tag."""

    feed_type = RssWithContent

    def get_object(self, request, **kwargs):
        return FeedSource(request)

    def title(self, source):
        return settings.NEWSROOM_SITE_NAME

    def description(self, source):
        return f"The latest articles from {settings.NEWSROOM_SITE_NAME}."

    def link(self, source):
        return reverse("articles:list")

    def feed_url(self, source):
        return source.request.path

    def articles(self, subject):
        return Article.objects.published()

    def items(self, source):
        articles = list(
            self.articles(source.subject)
            .select_related("section")
            .prefetch_related("tags", "references")
            .order_by("-published_at", "-pk")[:FEED_LENGTH]
        )
        for article in articles:  # feed readers need absolute links, also inside the content
            article.absolute_url = source.request.build_absolute_uri(article.get_absolute_url())
        return articles

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return article.dek

    def item_author_name(self, article):
        return article.byline or settings.NEWSROOM_SITE_NAME

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]

    def item_extra_kwargs(self, article):
        context = {
            "article": article,
            "url": article.absolute_url,
            "site_name": settings.NEWSROOM_SITE_NAME,
        }
        return {"content": render_to_string("articles/feed_content.html", context)}


class SectionFeed(ArticleFeed):
    def get_object(self, request, slug):
        return FeedSource(request, get_object_or_404(Section, slug=slug))

    def title(self, source):
        return f"{source.subject.name} — {settings.NEWSROOM_SITE_NAME}"

    def description(self, source):
        return source.subject.description or f"The latest {source.subject.name} articles."

    def link(self, source):
        return source.subject.get_absolute_url()

    def articles(self, section):
        return Article.objects.published().filter(section=section)


class TagFeed(ArticleFeed):
    def get_object(self, request, slug):
        return FeedSource(request, get_object_or_404(Tag, slug=slug))

    def title(self, source):
        return f"{source.subject.name} — {settings.NEWSROOM_SITE_NAME}"

    def description(self, source):
        return f"The latest articles tagged “{source.subject.name}”."

    def link(self, source):
        return reverse("articles:tag", kwargs={"slug": source.subject.slug})

    def articles(self, tag):
        return Article.objects.published().filter(tags=tag)


class AtomMixin:
    feed_type = AtomWithContent

    def subtitle(self, source):
        return self.description(source)


class LatestRssFeed(ArticleFeed):
    pass


class LatestAtomFeed(AtomMixin, ArticleFeed):
    pass


class SectionRssFeed(SectionFeed):
    pass


class SectionAtomFeed(AtomMixin, SectionFeed):
    pass


class TagRssFeed(TagFeed):
    pass


class TagAtomFeed(AtomMixin, TagFeed):
    pass
