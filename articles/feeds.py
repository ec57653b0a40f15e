"""RSS 2.0 and Atom feeds of the latest articles, overall and for each section and tag."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from articles.models import Article, Section

FEED_LENGTH = 20


@dataclass
class FeedSource:
    """What a feed is about (None, a section or a tag) and the request it answers."""

    request: HttpRequest
    subject: Section | Tag | None = None


# What XML 1.0 cannot carry at all, even escaped: most C0 controls, lone surrogates, U+FFFE/F.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value):
    """Drop the characters XML cannot carry from a string, or from each string of a list."""
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return [xml_text(part) for part in value]
    return value


class PlainTextFeedMixin:
    """Take every field as plain text (the content, sanitised HTML, apart) and send it so that
    no feed reader runs markup from it: the fields the format or its readers treat as HTML are
    escaped, the others go as XML text; characters XML cannot carry are dropped."""

    html_feed_fields: tuple[str, ...] = ()
    html_item_fields: tuple[str, ...] = ()

    def __init__(self, title, link, description, **kwargs):
        feed = {"title": title, "link": link, "description": description, **kwargs}
        super().__init__(**as_sent(feed, self.html_feed_fields))

    def add_item(self, **item):
        super().add_item(**as_sent(item, self.html_item_fields))


def as_sent(fields: dict, html_fields) -> dict:
    return {
        name: xml_text(escape(value) if name in html_fields and value is not None else value)
        for name, value in fields.items()
    }


class RssWithContent(PlainTextFeedMixin, Rss201rev2Feed):
    """RSS 2.0 that also carries each article's full HTML in `content:encoded`.

    Readers render an RSS title and description as HTML, so both are escaped.
    """

    html_feed_fields = html_item_fields = ("title", "description")

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class AtomWithContent(PlainTextFeedMixin, Atom1Feed):
    """Atom with the dek as `summary` and the full HTML as `content`.

    Titles, subtitles, names and categories are Atom text; the summary is sent as type="html",
    so the dek is escaped. (The feed's own description becomes the subtitle, a text element.)
    """

    html_item_fields = ("description",)

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
            .prefetch_related("tags", "references", "public_changes")
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
        # As the page and its JSON-LD say: changed by its last public change, not by a silent fix.
        return article.modified_at or article.published_at

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
