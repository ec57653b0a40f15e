"""Keep the page cache fresh: whatever readers can see changed, so cached pages are dropped.

Cache invalidation is not domain logic; it lives here so that saves stay free of side effects.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from articles import page_cache

WATCHED_MODELS = [
    "articles.Article",
    "articles.Section",
    "articles.Page",
    "articles.TaggedArticle",
    "references.Reference",
    "taggit.Tag",
]


def content_changed(sender, **kwargs):
    page_cache.invalidate()


def connect():
    for model in WATCHED_MODELS:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"page-cache-save-{model}")
        post_delete.connect(
            content_changed, sender=model, dispatch_uid=f"page-cache-delete-{model}"
        )
    m2m_changed.connect(
        content_changed, sender="articles.TaggedArticle", dispatch_uid="page-cache-tags"
    )
