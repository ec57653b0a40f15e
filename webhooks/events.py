"""From article writes to webhook events: which event a write makes, and its deliveries.

`record_article_write` listens to `articles.changes.article_written`, which every article write
sends inside its transaction: the event, its deliveries and their queued tasks are stored with
the write or not at all, and the write itself never talks to a receiver.

"Live" here is what readers get: published with a publication time that has come. One write
makes at most one event, the most specific: retracted, then corrected, then updated. A write
that leaves an article scheduled also makes (again) the publication event due at its time.
"""

import datetime as dt

from django.utils import timezone

from articles.changes import ArticleState
from articles.editorial.models import PublicChange
from webhooks import delivery as queue
from webhooks.models import Delivery, Endpoint, Event, EventType

CORRECTION_KINDS = {PublicChange.Kind.CORRECTION, PublicChange.Kind.CLARIFICATION}
UPDATE_KINDS = {PublicChange.Kind.UPDATE, PublicChange.Kind.EDITORS_NOTE}


def record_article_write(*, article, before, after, public_change, revised, **kwargs) -> None:
    now = timezone.now()
    if _is_scheduled(before, now):
        _cancel_due_publication(article.pk, now)
    event_type = event_type_of(before, after, public_change, revised, now)
    scheduled = _is_scheduled(after, now)
    if event_type is None and not scheduled:
        return
    endpoints = list(Endpoint.objects.filter(is_active=True).only("id", "events", "is_active"))
    if event_type is not None:
        _issue(event_type, article, now, endpoints, deleted=after is None)
    if scheduled:
        _issue(EventType.PUBLISHED, article, after.published_at, endpoints, due_later=True)


def event_type_of(
    before: ArticleState | None,
    after: ArticleState | None,
    public_change: str,
    revised: bool,
    now: dt.datetime,
) -> str | None:
    """Return the event type one write makes (None: none)."""
    was_live, is_live = _is_live(before, now), _is_live(after, now)
    if was_live and not is_live:
        return EventType.UNPUBLISHED
    if not is_live:
        return None
    if not was_live:
        # A retracted article put back online was announced, and retracted, before.
        return None if after.retracted else EventType.PUBLISHED
    if public_change == PublicChange.Kind.RETRACTION or (after.retracted and not before.retracted):
        return EventType.RETRACTED
    if public_change in CORRECTION_KINDS:
        return EventType.CORRECTED
    if revised or public_change in UPDATE_KINDS:
        return EventType.UPDATED
    return None


def _is_live(state: ArticleState | None, now: dt.datetime) -> bool:
    return state is not None and state.status == "published" and state.published_at <= now


def _is_scheduled(state: ArticleState | None, now: dt.datetime) -> bool:
    return state is not None and state.status == "published" and state.published_at > now


def _cancel_due_publication(article_pk: int, now: dt.datetime) -> None:
    """Cancel the publication event a scheduled article's previous version made: the write
    changes what, or when, readers will first see (the caller makes the new one)."""
    due = Delivery.objects.filter(
        event__article_ref=article_pk,
        status=Delivery.Status.PENDING,
        event__type=EventType.PUBLISHED,
        event__occurred_at__gt=now,
    ).values_list("id", flat=True)
    # The status is checked again on the rows themselves: a worker may claim one meanwhile.
    Delivery.objects.filter(id__in=list(due), status=Delivery.Status.PENDING).update(
        status=Delivery.Status.CANCELLED, next_attempt_at=None
    )


def _issue(event_type, article, occurred_at, endpoints, *, deleted=False, due_later=False) -> None:
    receivers = [endpoint for endpoint in endpoints if endpoint.wants(event_type)]
    if not receivers:
        return
    event = Event.objects.create(
        type=event_type,
        article=None if deleted else article,
        article_ref=article.pk,
        article_external_id=article.external_id or "",
        occurred_at=occurred_at,
        payload=None if due_later else queue.build_payload(event_type, article, occurred_at),
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint,
            event=event,
            article_ref=article.pk,
            next_attempt_at=occurred_at,
        )
        for endpoint in receivers
    )
    for delivery in deliveries:
        queue.enqueue(delivery)
