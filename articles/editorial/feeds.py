"""RSS and Atom feeds of the public change log (`/corrections/`)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.html import linebreaks

from articles.editorial.views import published_changes
from articles.feeds import AtomWithContent, RssWithContent

FEED_LENGTH = 30


class PublicChangeFeed(Feed):
    feed_type = RssWithContent

    def title(self):
        return f"Corrections and updates — {settings.NEWSROOM_SITE_NAME}"

    def description(self):
        site = settings.NEWSROOM_SITE_NAME
        return f"Every correction, clarification, update and retraction on {site}."

    def link(self):
        return reverse("articles:corrections")

    def items(self):
        return published_changes()[:FEED_LENGTH]

    def item_title(self, change):
        return f"{change.get_kind_display()}: {change.article.title}"

    def item_description(self, change):
        return change.text

    def item_link(self, change):
        return change.get_absolute_url()

    def item_pubdate(self, change):
        return change.published_at

    def item_updateddate(self, change):
        return change.published_at

    def item_categories(self, change):
        return [change.get_kind_display()]

    def item_extra_kwargs(self, change):
        return {"content": linebreaks(change.text, autoescape=True)}


class PublicChangeAtomFeed(PublicChangeFeed):
    feed_type = AtomWithContent

    def subtitle(self):
        return self.description()
