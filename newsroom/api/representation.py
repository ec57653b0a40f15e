"""An article as the API shows it: its answers, and the `data.article` of webhook events."""

from django.conf import settings
from django.db.models import Max, QuerySet

from articles.editorial.models import Revision
from articles.models import Article

# The import format's fields: what a PUT takes, and what this shows first.
IMPORT_FIELDS = (
    "external_id",
    "title",
    "slug",
    "dek",
    "body",
    "section",
    "tags",
    "byline",
    "published_at",
    "status",
    "featured",
    "provenance",
    "references",
)


def with_everything(articles: QuerySet) -> QuerySet:
    """`articles` with what `article_data` shows loaded in a fixed number of queries."""
    return (
        articles.select_related("section", "lead_image")
        .prefetch_related("references", "tags", "public_changes", "lead_image__renditions")
        .annotate(latest_revision=Max("revisions__number"))
    )


def article_data(article: Article, *, base_url: str = "") -> dict:
    """Return `article` as the API shows it: the import format's fields, then what the CMS
    adds (its address, state, revision, gates and public changes). `base_url` makes the
    address absolute; SITE_URL, when set, is used instead."""
    base_url = (settings.SITE_URL or base_url).rstrip("/")
    references = sorted(article.references.all(), key=lambda reference: reference.number)
    changes = sorted(
        article.public_changes.all(), key=lambda change: (change.published_at, change.pk)
    )
    return {
        "external_id": article.external_id,
        "title": article.title,
        "slug": article.slug,
        "dek": article.dek,
        "body": article.body,
        "section": article.section.slug,
        "tags": sorted((tag.name for tag in article.tags.all()), key=str.lower),
        "byline": article.byline,
        "published_at": _time(article.published_at),
        "status": article.status,
        "featured": article.featured,
        "provenance": {
            "origin": article.origin,
            "pipeline_version": article.pipeline_version,
            "sources_verified": article.sources_verified,
            "fact_checked": article.fact_checked,
            "quality_score": article.quality_score,
        },
        "references": [
            {
                "number": reference.number,
                "publisher": reference.publisher,
                "title": reference.title,
                "url": reference.url,
                "accessed_at": reference.accessed_at.isoformat() if reference.accessed_at else None,
            }
            for reference in references
        ],
        "lead_image": lead_image_data(article.lead_image, base_url=base_url),
        "url": base_url + article.get_absolute_url(),
        "state": article.publication_state.lower().replace(" ", "_"),
        "is_live": article.is_readable(),
        "revision": latest_revision_number(article),
        "updated_at": _time(article.updated_at),
        "modified_at": _time(article.modified_at),
        "retracted_at": _time(article.retracted_at),
        "reviewed_at": _time(article.reviewed_at),
        "held_by_gates": [dict(gate) for gate in article.held_gates],
        "word_count": article.word_count,
        "reading_time_minutes": article.reading_time,
        "public_changes": [
            {
                "kind": change.kind,
                "text": change.text,
                "published_at": _time(change.published_at),
            }
            for change in changes
        ],
    }


def lead_image_data(image, *, base_url: str) -> dict | None:
    """Return the lead image as the API shows it: its description and every rendition."""
    if image is None:
        return None
    return {
        "alt": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "ai_generated": image.ai_generated,
        "width": image.width,
        "height": image.height,
        "sha256": image.digest,
        "renditions": [
            {
                "url": _absolute(rendition.url, base_url),
                "type": rendition.content_type,
                "width": rendition.width,
                "height": rendition.height,
            }
            for rendition in [*image.picture.webp, *image.picture.fallback]
        ],
    }


def _absolute(url: str, base_url: str) -> str:
    return base_url + url if url.startswith("/") else url


def import_data(article: Article) -> dict:
    """`article` in the import format, as a PUT would hand it over."""
    data = article_data(article)
    return {name: data[name] for name in IMPORT_FIELDS}


def latest_revision_number(article: Article) -> int:
    """The number of the article's latest revision (0 for one written before revisions)."""
    if hasattr(article, "latest_revision"):
        return article.latest_revision or 0
    latest = (
        Revision.objects.filter(article_id=article.pk).order_by("-number").values("number").first()
    )
    return latest["number"] if latest else 0


def _time(value) -> str | None:
    return value.isoformat() if value else None
