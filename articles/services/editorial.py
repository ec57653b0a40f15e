"""Editors' decisions on articles: restore an earlier revision, approve, send back.

Each goes through `article_update`, so it is checked, recorded as a
revision and shown to readers as every other write is.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.editorial.models import Review, Revision
from articles.editorial.recording import PROVENANCE_FIELDS, Edit, reviewer_fields
from articles.models import Article, Section
from articles.roles import Actor, Pipeline, may_publish
from articles.services.articles import article_update
from articles.services.lead_images import KEEP, Keep, LeadImage
from images.models import Image
from references.models import Reference

# What a restore brings back; status, publication date, featured and slug stay as they are.
RESTORED_FIELDS = ("title", "dek", "body", "byline", *PROVENANCE_FIELDS)


@transaction.atomic
def article_restore(
    *,
    actor: Actor,
    article: Article,
    revision: Revision,
    message: str = "",
    change_kind: str = "",
    change_text: str = "",
) -> Article:
    """Write `revision`'s content (text, byline, section, tags, references, provenance, lead
    image) back into `article` as a new revision; a published article may announce it as a
    public change.

    A revision recorded before lead images were (it has no `lead_image`) leaves the article's
    lead image as it is.
    """
    if revision.article_id != article.pk:
        raise ValidationError(f"Revision {revision.number} is not a revision of “{article}”.")
    snapshot = revision.snapshot
    current = _locked(article)
    section = Section.objects.filter(pk=snapshot["section_id"]).first()
    if section is None:
        raise ValidationError(
            {
                "section": f"Revision {revision.number} was in the section "
                f"“{snapshot['section']}”, which has since been deleted. Nothing was restored: "
                "edit the article by hand instead."
            }
        )
    lead_image = _restored_lead_image(revision)
    for name in RESTORED_FIELDS:
        setattr(current, name, snapshot[name])
    current.section = section
    references = [
        Reference(
            number=fields["number"],
            publisher=fields["publisher"],
            title=fields["title"],
            url=fields["url"],
            accessed_at=dt.date.fromisoformat(fields["accessed_at"])
            if fields["accessed_at"]
            else None,
        )
        for fields in snapshot["references"]
    ]
    said = f"Restored revision {revision.number}."
    return article_update(
        actor=actor,
        article=current,
        tags=snapshot["tags"],
        references=references,
        lead_image=lead_image,
        edit=Edit(
            via=Revision.Via.RESTORE,
            message=f"{said} {message.strip()}".strip(),
            change_kind=change_kind,
            change_text=change_text,
        ),
    )


def _restored_lead_image(revision: Revision) -> LeadImage | None | Keep:
    """Return the lead image `revision` recorded, refusing one whose picture is gone."""
    if "lead_image" not in revision.snapshot:
        return KEEP
    recorded = revision.snapshot["lead_image"]
    if recorded is None:
        return None
    if not Image.objects.filter(digest=recorded["digest"]).exists():
        raise ValidationError(
            {
                "lead_image": f"Revision {revision.number} led with a picture that has since "
                "been deleted from the image library. Nothing was restored: edit the article "
                "by hand instead."
            }
        )
    return LeadImage(**recorded)


@transaction.atomic
def article_approve(
    *, actor: Actor, article: Article, note: str = "", revision_number: int | None = None
) -> Review:
    """Record that `actor`, an editor, approves the article as it now reads.

    With `revision_number`, the revision the editor read: refused if the article has changed
    since, so an approval never covers text its editor did not see.
    """
    _check_may_review(actor)
    current = _locked(article)
    latest = _latest_revision(current)
    if revision_number is not None and (latest is None or latest.number != revision_number):
        now = f"revision {latest.number} now" if latest else "no revision now"
        raise ValidationError(
            f"The article changed since you opened it ({now}): read it again before approving."
        )
    current.reviewed_at = timezone.now()
    # Rendered again: the page's disclosure says when an editor reviewed it.
    article_update(actor=actor, article=current)
    return Review.objects.create(
        article=current,
        revision=_latest_revision(current),
        decision=Review.Decision.APPROVED,
        note=note.strip(),
        created_at=current.reviewed_at,
        **reviewer_fields(actor),
    )


@transaction.atomic
def article_send_back(*, actor: Actor, article: Article, note: str) -> Review:
    """Send an article in review back to draft with `actor`'s note on what needs doing."""
    _check_may_review(actor)
    if not note.strip():
        raise ValidationError({"note": "Say what needs to change before it can be approved."})
    current = _locked(article)
    if current.status != Article.Status.IN_REVIEW:
        raise ValidationError(
            f"“{current}” is {current.get_status_display().lower()}, not in review: only an "
            "article in review is sent back."
        )
    reviewed = current.revisions.order_by("-number").first()
    current.status = Article.Status.DRAFT
    # The editor has decided: whatever the gates said is in their record, and the next version
    # is judged afresh (or waits for an editor, if the pipeline sends it).
    current.held_gates = []
    article_update(
        actor=actor,
        article=current,
        edit=Edit(via=Revision.Via.ADMIN, message=f"Sent back: {note.strip()}"),
    )
    return Review.objects.create(
        article=current,
        # An article written before revisions were kept has one now: as it was reviewed.
        revision=reviewed or current.revisions.get(number=1),
        decision=Review.Decision.SENT_BACK,
        note=note.strip(),
        **reviewer_fields(actor),
    )


def _locked(article: Article) -> Article:
    """Return `article` as stored, locked for this transaction; refuse if it was deleted."""
    try:
        return Article.objects.select_for_update().get(pk=article.pk)
    except Article.DoesNotExist:
        raise ValidationError(
            f"“{article}” no longer exists: someone deleted it meanwhile."
        ) from None


def _check_may_review(actor: Actor) -> None:
    # An approval is a person's judgement; the pipeline never reviews its own work.
    if isinstance(actor, Pipeline) or not may_publish(actor):
        raise PermissionDenied("Only editors approve articles or send them back.")


def _latest_revision(article: Article) -> Revision:
    return article.revisions.order_by("-number").first()
