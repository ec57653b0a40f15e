"""An article as the API shows it: its answers, and the `data.article` of webhook events."""

from django.conf import settings

from articles.editorial.models import PublicChange, Revision
from articles.models import Article


def article_data(article: Article, *, base_url: str = "") -> dict:
    """Return `article` as the API shows it: the import format's fields, then what the CMS
    adds (its address, state, revision, gates and public changes). `base_url` makes the
    address absolute; SITE_URL, when set, is used instead."""
    base_url = (settings.SITE_URL or base_url).rstrip("/")
    references = sorted(article.references.all(), key=lambda reference: reference.number)
    changes = PublicChange.objects.filter(article_id=article.pk).order_by("published_at", "pk")
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
                "accessed_at": reference.accessed_at.isoformat()
                if reference.accessed_at
                else None,
            }
            for reference in references
        ],
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


def latest_revision_number(article: Article) -> int:
    """The number of the article's latest revision (0 for one written before revisions)."""
    latest = (
        Revision.objects.filter(article_id=article.pk).order_by("-number").values("number").first()
    )
    return latest["number"] if latest else 0


def _time(value) -> str | None:
    return value.isoformat() if value else None
