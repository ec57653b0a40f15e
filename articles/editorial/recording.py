"""What the article services record with each write: a revision of what readers see, and the
public change the writer announces with it.

`write` (articles/services/articles.py) calls these inside its transaction, so a write and
its record are stored together or not at all.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError

from articles.editorial.models import PublicChange, Review, Revision
from articles.roles import Actor, Pipeline

# The article's own fields a revision keeps, in the order the diff shows them.
CONTENT_FIELDS = ("title", "dek", "body", "byline")
PROVENANCE_FIELDS = (
    "origin",
    "pipeline_version",
    "sources_verified",
    "fact_checked",
    "quality_score",
)
GATES_REVIEWER = "the publication gates"
# C0 control characters but tab and line breaks, and DEL: invisible, or worse, on the page.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PUBLISHING_FIELDS = ("status", "published_at", "featured", "slug")
REFERENCE_FIELDS = ("number", "publisher", "title", "url", "accessed_at")
# What a revision keeps of the lead image: its picture (by digest) and its description.
LEAD_IMAGE_FIELDS = ("digest", "alt_text", "caption", "credit", "ai_generated")


@dataclasses.dataclass(frozen=True)
class Edit:
    """What the writer says about one write: from where, why, and what readers are told.

    `change_kind` empty is a silent fix (no notice); a PublicChange.Kind records a public entry
    with `change_text`. `override_reason` is an editor's reason to publish an article the
    publication gates held.
    """

    via: str = ""  # Revision.Via; empty: the admin for a user, the import for the pipeline
    message: str = ""
    change_kind: str = ""
    change_text: str = ""
    override_reason: str = ""


SILENT = Edit()


@dataclasses.dataclass(frozen=True)
class Recorded:
    """What `record` stored: the revision (None if nothing changed), the public change it
    carries, and whether the article reads differently (more than its status or dates)."""

    revision: Revision | None = None
    public_change: PublicChange | None = None
    reads_differently: bool = False


def snapshot(article, references, tags) -> dict:
    """Return what readers see of `article` with its references, tags and lead image, as JSON
    values."""
    data = {name: getattr(article, name) for name in CONTENT_FIELDS + PROVENANCE_FIELDS}
    data |= {
        "status": article.status,
        "published_at": _iso(article.published_at),
        "featured": article.featured,
        "slug": article.slug,
        "section_id": article.section_id,
        "section": article.section.name,
        "tags": [tag.name for tag in tags],
        "references": [
            {name: _iso(getattr(reference, name)) for name in REFERENCE_FIELDS}
            for reference in references
        ],
        "lead_image": lead_image_state(article.lead_image),
    }
    return data


def lead_image_state(image) -> dict | None:
    """Return what readers see of a lead image (None: the article has none), as JSON values."""
    if image is None:
        return None
    return {name: getattr(image, name) for name in LEAD_IMAGE_FIELDS}


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def author_fields(actor: Actor) -> dict:
    if isinstance(actor, Pipeline):
        return {"author": None, "author_name": str(actor), "by_pipeline": True}
    return {"author": actor, "author_name": actor.get_username(), "by_pipeline": False}


def check_public_change(edit: Edit, *, was_readable: bool) -> None:
    """Refuse a public change that cannot be recorded, naming the field to fix."""
    hidden = sorted(set(CONTROL.findall(edit.change_text)))
    if hidden:
        codes = ", ".join(f"U+{ord(character):04X}" for character in hidden)
        raise ValidationError(
            {
                "change_text": f"What readers are told contains control characters ({codes}), "
                "which readers cannot see: remove them."
            }
        )
    if not edit.change_kind:
        if edit.change_text.strip():
            raise ValidationError(
                {
                    "change_text": "A silent fix tells readers nothing: choose the kind of "
                    "change, or clear this text."
                }
            )
        return
    if edit.change_kind not in PublicChange.Kind.values:
        raise ValidationError({"change_kind": f"{edit.change_kind!r} is not a kind of change."})
    if not was_readable:
        raise ValidationError(
            {
                "change_kind": "Only an article readers have seen gets a public change; "
                "save this one as a silent fix."
            }
        )
    if not edit.change_text.strip():
        raise ValidationError(
            {"change_text": "Say what readers are told: what was wrong, or what changed."}
        )


def announce(article, edit: Edit, now: dt.datetime) -> None:
    """Set what a public change shows on the article itself: its "Updated" date, and for a
    retraction the time it left the lists."""
    if not edit.change_kind:
        return
    article.modified_at = now
    if edit.change_kind == PublicChange.Kind.RETRACTION and article.retracted_at is None:
        article.retracted_at = now


def record(
    *,
    actor: Actor,
    article,
    references: Sequence,
    tags: Sequence,
    edit: Edit,
    stored=None,
    now: dt.datetime,
) -> Recorded:
    """Store a revision of `article` (saved, or being saved with its pk) and the public change
    `edit` announces.

    `stored` (articles.services.articles.Stored) is what the write replaces: an article first
    written before revisions were kept gets it as its first revision, by nobody known.
    """
    latest = Revision.objects.filter(article_id=article.pk).order_by("-number").first()
    if latest is None and stored is not None:
        latest = Revision.objects.create(
            article_id=article.pk,
            number=1,
            author_name="",
            via=Revision.Via.EARLIER,
            message="As it was when revisions began to be kept.",
            snapshot=snapshot(stored.article, stored.references, stored.tags),
            created_at=stored.article.updated_at,
        )
    state = snapshot(article, references, tags)
    if latest is not None and latest.snapshot == state and not (edit.message or edit.change_kind):
        return Recorded()
    revision = Revision.objects.create(
        article_id=article.pk,
        number=latest.number + 1 if latest else 1,
        via=edit.via
        or (Revision.Via.IMPORT if isinstance(actor, Pipeline) else Revision.Via.ADMIN),
        message=edit.message,
        snapshot=state,
        created_at=now,
        **author_fields(actor),
    )
    change = None
    if edit.change_kind:
        change = PublicChange.objects.create(
            article_id=article.pk,
            revision=revision,
            kind=edit.change_kind,
            text=edit.change_text.strip(),
            published_at=now,
        )
    return Recorded(
        revision, change, latest is None or _reading(latest.snapshot) != _reading(state)
    )


def _reading(state: dict) -> dict:
    """What a snapshot says readers read: all but its publishing state."""
    return {name: value for name, value in state.items() if name not in PUBLISHING_FIELDS}


def public_changes(article) -> list[PublicChange]:
    """Return the article's public change log, newest first."""
    if article.pk is None:
        return []
    return list(PublicChange.objects.filter(article_id=article.pk))


def reviewer_fields(actor: Actor) -> dict:
    if isinstance(actor, Pipeline):
        return {"reviewer": None, "reviewer_name": str(actor)}
    return {"reviewer": actor, "reviewer_name": actor.get_username()}


def record_held(article, gates: Sequence[dict]) -> Review:
    """Record that the publication gates held the article's latest revision, and why."""
    revision = Revision.objects.filter(article_id=article.pk).order_by("-number").first()
    return Review.objects.create(
        article_id=article.pk,
        revision=revision,
        decision=Review.Decision.HELD,
        gates=list(gates),
        reviewer=None,
        reviewer_name=GATES_REVIEWER,
    )
