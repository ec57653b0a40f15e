"""The parts of an article page that are the same for every reader, stored with the article.

An article's page head (metadata and JSON-LD), its content (breadcrumbs, badges, headline,
standfirst, byline and date, reading time and word count, disclosure, body, references and
tags) and the card other articles' pages show for it among their related articles change only
when the article is written. The write renders them once, from the templates
in SHAPING_TEMPLATES, with `render_page_parts`, and stores them in the article's PAGE_FIELDS;
the article page shows them as stored. What differs per request (share links, the feedback
panel, which articles are related) is rendered by the view.

Absolute URLs depend on the host a reader used, so they are stored with the placeholder ORIGIN,
which `at_origin` replaces with the request's. Each article also stores the render version its
parts were made with: the templates, the code and the settings that shape them. When a deploy
changes any of them, the article page renders the article's parts again, once (`refresh`).

This module must not import `articles.models`, which calls it when an article is saved.
"""

import functools
import hashlib
import importlib.util
from pathlib import Path
from urllib.parse import urljoin
from uuid import uuid4

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static

from articles import share_cards, structured_data

# Stored instead of the scheme and host, which each request supplies (`at_origin`).
ORIGIN = "http://newsroom-origin.invalid"
HEAD_TEMPLATE = "articles/_article_head.html"
CONTENT_TEMPLATE = "articles/_article_content.html"
RELATED_CARD_TEMPLATE = "articles/_related_card.html"
# Every template the stored parts are rendered from, the two above and all they include.
SHAPING_TEMPLATES = (
    HEAD_TEMPLATE,
    CONTENT_TEMPLATE,
    RELATED_CARD_TEMPLATE,
    "articles/_card.html",
    "includes/_social_meta.html",
    "articles/_badges.html",
    "articles/_meta.html",
    "articles/_disclosure.html",
    "articles/_disclosure_text.html",
    "articles/_notices.html",
    "articles/_change_log.html",
    "references/_reference_list.html",
    "images/_figure.html",
    "images/_picture.html",
)
# The code that shapes them, by module name: this module, the JSON-LD, the template filters,
# the models' methods and ordering (disclosure wording, URLs, the order of references), and the
# URL patterns and converters that make the links in breadcrumbs, badges and JSON-LD.
SHAPING_MODULES = (
    "articles.page_parts",
    "articles.structured_data",
    "articles.share_cards",  # the share card's address and alt text in the head
    "articles.card_drawing",
    "articles.templatetags.articles_tags",
    "articles.models",
    "articles.editorial.models",
    "references.models",
    "articles.urls",
    "newsroom.urls",
    "newsroom.converters",
    "images.models",
)


def render_page_parts(article, references, tags, public_changes=()) -> dict:
    """Return the stored page fields of `article` with its `references`, `tags` and
    `public_changes` (newest first), in order.

    The article's own fields must be final, `updated_at` included: the page shows it.
    """
    references, tags, public_changes = list(references), list(tags), list(public_changes)
    context = {
        "article": article,
        "references": references,
        "tags": tags,
        "public_changes": public_changes,
        # A retraction first, then corrections and clarifications, newest first.
        "notices": sorted(
            (change for change in public_changes if change.is_prominent),
            key=lambda change: change.kind != "retraction",
        ),
        "site_name": settings.NEWSROOM_SITE_NAME,
        "canonical_url": absolute(article.get_absolute_url()),
        "share_image": share_image(article),
        "structured_data": [
            structured_data.news_article(article, absolute, tags, references, public_changes),
            structured_data.breadcrumbs(article, absolute),
        ],
    }
    return {
        "head_html": render_to_string(HEAD_TEMPLATE, context),
        "content_html": render_to_string(CONTENT_TEMPLATE, context),
        "related_card_html": render_to_string(RELATED_CARD_TEMPLATE, context),
        "render_version": render_version(),
        "tag_ids": sorted(tag.pk for tag in tags),
    }


def share_image(article) -> dict:
    """Describe the image social media show for the article: the rendition of its lead image
    made for sharing, or else its share card."""
    image = article.lead_image
    if image is None or not image.picture.fallback:
        card, path = share_cards.article_card_and_path(article)
        return share_cards.image(card, absolute(path))
    rendition = image.picture.share
    return {
        "url": absolute(rendition.url),
        "type": rendition.content_type,
        "width": rendition.width,
        "height": rendition.height,
        "alt": image.alt_text,
    }


def absolute(path: str) -> str:
    """Return the stored form of an absolute URL to `path` on this site."""
    return urljoin(ORIGIN, path)


def at_origin(html: str, request) -> str:
    """Return stored HTML with its absolute URLs on the host and scheme `request` came to."""
    # get_host() is checked against ALLOWED_HOSTS: letters, digits, dots, colons and brackets.
    return html.replace(ORIGIN, f"{request.scheme}://{request.get_host()}")


def render_version() -> str:
    """Name the templates, code and settings the stored parts are rendered with."""
    shaping = (
        source_fingerprint(),
        settings.NEWSROOM_SITE_NAME,
        settings.LANGUAGE_CODE,
        settings.TIME_ZONE,
        static("favicon.svg"),  # the publisher's logo in the JSON-LD
        share_cards.design_version(),  # the fonts and Pillow, in the share card's address
        settings.MEDIA_URL,  # where the lead images' renditions are
    )
    return hashlib.sha256(repr(shaping).encode()).hexdigest()[:32]


@functools.cache
def source_fingerprint() -> str:
    """Hash the shaping templates and code, once per process (a deploy starts new ones)."""
    digest = hashlib.sha256()
    for name in SHAPING_TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    for path in shaping_files():
        digest.update(path.read_bytes())
    return digest.hexdigest()


def shaping_files() -> list[Path]:
    """Return the source files of SHAPING_MODULES, found without importing them."""
    return [Path(importlib.util.find_spec(name).origin).resolve() for name in SHAPING_MODULES]


def refresh(article) -> None:
    """Render the stored parts of `article`, as read from the database, again and store them.

    For an article whose parts an earlier deploy made (or none did); stored only if nobody
    wrote the article since it was read, so a concurrent edit is never overwritten.
    """
    parts = render_page_parts(
        article, article.references.all(), article.tags.all(), article.public_changes.all()
    )
    type(article).objects.filter(
        pk=article.pk, updated_at=article.updated_at, render_version=article.render_version
    ).update(**parts)
    for name, value in parts.items():
        setattr(article, name, value)


def up_to_date(article):
    """Return `article`, or, if its stored parts are older than the templates and code that
    shape them, the article read again with its parts rendered anew and stored."""
    if article.render_version == render_version():
        return article
    whole = type(article).objects.select_related("section").filter(pk=article.pk).first()
    if whole is None:
        return article  # deleted since it was read: shown as it was, this once
    refresh(whole)
    return whole


def mark_stale(articles) -> int:
    """Have the article page render the stored parts of `articles` (a queryset) again when
    next shown: for a write that changes what many articles show, like a section's or tag's
    name, where rendering each at once would take too long. Return how many were marked.

    The mark is never used twice: a view that read an article before it was marked (even one
    marked before, or never rendered) then finds its version changed and stores nothing."""
    return articles.update(render_version=f"stale:{uuid4().hex}")
