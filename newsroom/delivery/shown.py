"""What a response shows: every article, section, tag and page read while it was rendered.

Views and templates know nothing of this: while the page cache renders a public page, each of
these models' instances loaded from the database is noted by its content key. Loading is a
sound proxy for showing: a view reads what its page shows, and reading a little more only
refreshes a page more often than needed, never less.
"""

import contextlib
import contextvars

from django.db.models.signals import post_init
from taggit.models import Tag

from articles import changes
from articles.models import Article, Page, Section

# A page that shows more articles or tags than this (a sitemap, the tag index) is keyed by "some
# article (tag) changed" rather than by each one, so that its keys stay few enough to check on
# every read.
MAX_KEYS_OF_A_KIND = 200

KEY_OF = {
    Article: changes.article_key,
    Section: changes.section_key,
    Tag: changes.tag_key,
    Page: changes.page_key,
}
ANY_OF = {Article: changes.ANY_ARTICLE, Tag: changes.ANY_TAG}

_current = contextvars.ContextVar("shown", default=None)


class Shown:
    """The content keys of one response, and the instances its URL names (by slug)."""

    def __init__(self, slug=None):
        self.slug = slug
        self.keys = {model: set() for model in KEY_OF}
        self.named = {}  # model → the instance whose slug is the URL's

    def add(self, instance):
        if instance.pk is None:
            return
        model = type(instance)
        self.keys[model].add(KEY_OF[model](instance.pk))
        if self.slug is not None and instance.__dict__.get("slug") == self.slug:
            self.named.setdefault(model, instance)

    def content_keys(self) -> set[str]:
        keys = set()
        for model, of_a_kind in self.keys.items():
            if model in ANY_OF and len(of_a_kind) > MAX_KEYS_OF_A_KIND:
                keys.add(ANY_OF[model])
            else:
                keys |= of_a_kind
        return keys


@contextlib.contextmanager
def collecting(slug=None):
    """Note what is loaded inside the block; yields the `Shown` it fills."""
    shown = Shown(slug)
    token = _current.set(shown)
    try:
        yield shown
    finally:
        _current.reset(token)


def _loaded(sender, instance, **kwargs):
    shown = _current.get()
    if shown is not None:
        shown.add(instance)


def watch_models():
    for model in KEY_OF:
        post_init.connect(_loaded, sender=model, dispatch_uid=f"delivery-shown-{model.__name__}")
