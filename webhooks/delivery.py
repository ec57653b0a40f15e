"""Sending deliveries from the queue: claim, sign, send, log the attempt, retry or give up.

The queue (django-tasks, in the database) runs `deliver(delivery_id)` when a delivery is due.
The state of a delivery lives in its own row, not in the queue's: the task only says "look at
this delivery now", so a task run twice, or late, or for a delivery that is waiting its turn,
does nothing.

- Claims: a worker takes a delivery by moving it from pending to sending with a conditional
  UPDATE on its status and attempt count (compare and set), so of two workers exactly one
  sends. The claim lasts the send's deadline plus a margin; `requeue_stalled` hands a claim
  that ran out (its worker died) back to the queue.
- Order: a delivery is not sent while an earlier unsent one (pending or sending) of the same
  article to the same endpoint exists; when one is delivered or given up, the next in that
  line is enqueued.
- Retries: after a failure the delivery waits RETRY_DELAYS[n] (Standard Webhooks' schedule,
  about a day in all), then is given up; an endpoint that has had no success since that
  delivery's first attempt is then disabled.
"""

import datetime as dt
import http.client
import json
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django_tasks import task
from standardwebhooks import Webhook

from newsroom.api.representation import article_data
from webhooks import addresses, transport
from webhooks.models import Attempt, Delivery, Event

logger = logging.getLogger("newsroom.webhooks")

# The wait after the 1st, 2nd… failed attempt; after the last, the delivery is given up.
RETRY_DELAYS = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
CLAIM_MARGIN = dt.timedelta(minutes=1)
# A pending delivery this overdue has lost its task (a worker died between taking the task and
# claiming the delivery): the sweep enqueues it again.
STALL_GRACE = dt.timedelta(minutes=5)
SWEEP_BATCH = 500
USER_AGENT = "Newsroom-Webhooks/1"


def claim_duration() -> dt.timedelta:
    # The deadline holds once connected; connecting (and a TLS handshake) may take one more
    # timeout of its own.
    return 2 * dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS) + CLAIM_MARGIN


@task()
def deliver(delivery_id: int) -> str:
    """Send the delivery if it is due and first in its line; log the attempt."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "nothing to do"
    if delivery.event.payload is None and delivery.event.article_id is None:
        return _cancel_unsendable(delivery)
    started_at = timezone.now()
    clock = time.perf_counter()
    answer, error = _send(delivery, started_at)
    duration = dt.timedelta(seconds=time.perf_counter() - clock)
    return _record(delivery, started_at, duration, answer, error)


def enqueue(delivery: Delivery) -> None:
    """Have the queue look at `delivery` when it is due (in the caller's transaction)."""
    deliver.using(run_after=max(delivery.next_attempt_at, timezone.now())).enqueue(delivery.pk)


def enqueue_next_in_line(endpoint_id: int, article_ref: int) -> None:
    """Enqueue the earliest pending delivery of an article to an endpoint, if any."""
    following = (
        Delivery.objects.filter(
            endpoint_id=endpoint_id, article_ref=article_ref, status=Delivery.Status.PENDING
        )
        .order_by("id")
        .only("id", "next_attempt_at")
        .first()
    )
    if following is not None:
        enqueue(following)


def waits_for_earlier():
    """An expression: an earlier delivery of the same article to the same endpoint is unsent."""
    return Exists(
        Delivery.objects.filter(
            endpoint_id=OuterRef("endpoint_id"),
            article_ref=OuterRef("article_ref"),
            id__lt=OuterRef("id"),
            status__in=Delivery.UNSENT,
        )
    )


def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    delivery = (
        Delivery.objects.select_related("endpoint", "event")
        .annotate(waiting=waits_for_earlier())
        .filter(
            pk=delivery_id,
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__is_active=True,
        )
        .first()
    )
    if delivery is None or delivery.waiting:
        return None
    claimed_until = now + claim_duration()
    taken = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.PENDING, attempts=delivery.attempts
    ).update(
        status=Delivery.Status.SENDING, attempts=F("attempts") + 1, claimed_until=claimed_until
    )
    if not taken:
        return None  # another worker claimed it first
    delivery.status = Delivery.Status.SENDING
    delivery.attempts += 1
    delivery.claimed_until = claimed_until
    return delivery


def _send(delivery: Delivery, started_at: dt.datetime):
    """Send one attempt; return (answer, None) or (None, why there was no answer)."""
    try:
        payload = _frozen_payload(delivery.event)
        target = addresses.vet(delivery.endpoint.url)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        signed_at = started_at.replace(microsecond=0)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": delivery.event.message_id,
            "webhook-timestamp": str(int(signed_at.timestamp())),
            "webhook-signature": Webhook(delivery.endpoint.secret).sign(
                delivery.event.message_id, signed_at.astimezone(dt.UTC), body
            ),
        }
        answer = transport.post(
            target,
            body.encode(),
            headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
    except addresses.Refused as refused:
        return None, f"Refused: {refused}"
    except OSError as error:
        return None, _describe(error)
    except http.client.HTTPException as error:
        return None, f"Not an HTTP answer: {type(error).__name__}: {error}"
    except Exception as error:
        # A bug of ours, not the receiver's failure: log it loudly, and retry as for any other.
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        return None, f"{type(error).__name__}: {error}"
    return answer, None


def _describe(error: OSError) -> str:
    if isinstance(error, TimeoutError):
        return f"Timed out: {error or 'no answer in time'}"
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused"
    if isinstance(error, ConnectionResetError):
        return "Connection reset by the receiver"
    return f"{type(error).__name__}: {error}"


def _frozen_payload(event: Event) -> dict:
    """Return the event's body; a scheduled publication's is made when it first goes out, from
    the article as readers now see it."""
    if event.payload is None:
        article = event.article
        if article is None:
            raise LookupError(f"article {event.article_ref} no longer exists")
        payload = build_payload(event.type, article, event.occurred_at)
        # Of two workers sending this event to two endpoints, the first one's body counts.
        Event.objects.filter(pk=event.pk, payload__isnull=True).update(payload=payload)
        event.refresh_from_db(fields=["payload"])
    return event.payload


def build_payload(event_type: str, article, occurred_at: dt.datetime) -> dict:
    timestamp = occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return {"type": event_type, "timestamp": timestamp, "data": {"article": article_data(article)}}


@transaction.atomic
def _record(delivery: Delivery, started_at, duration, answer, error) -> str:
    """Log the attempt and move the delivery on: delivered, waiting to retry, or given up."""
    now = timezone.now()
    succeeded = answer is not None and 200 <= answer.status < 300
    error = _storable(error or "")
    excerpt = _storable(answer.excerpt) if answer else ""
    fields = {
        "claimed_until": None,
        "last_response_status": answer.status if answer else None,
        "last_error": error[:500],
    }
    tries = delivery.attempts - delivery.attempts_before_resend
    if succeeded:
        fields |= {
            "status": Delivery.Status.DELIVERED,
            "delivered_at": now,
            "next_attempt_at": None,
        }
        outcome = "delivered"
    elif tries <= len(RETRY_DELAYS):
        retry_at = now + RETRY_DELAYS[tries - 1]
        fields |= {"status": Delivery.Status.PENDING, "next_attempt_at": retry_at}
        outcome = f"retry at {retry_at.isoformat()}"
    else:
        fields |= {"status": Delivery.Status.FAILED, "next_attempt_at": None}
        outcome = "given up"
    kept = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, attempts=delivery.attempts
    ).update(**fields)
    if not kept:
        # The claim ran out mid-send (the worker was paused that long) and the sweep handed the
        # delivery on; its log says so.
        logger.warning(
            "Delivery %s: attempt %s ended after its claim ran out; its outcome (%s) is dropped.",
            delivery.pk,
            delivery.attempts,
            outcome,
        )
        return "claim lost"
    Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        duration_ms=int(duration.total_seconds() * 1000),
        response_status=answer.status if answer else None,
        error=error[:500],
        response_excerpt=excerpt[:500],
    )
    for name, value in fields.items():
        setattr(delivery, name, value)
    if not succeeded:
        logger.warning(
            "Delivery %s of %s to %s: attempt %s failed (%s); %s.",
            delivery.pk,
            delivery.event.type,
            delivery.endpoint.url,
            delivery.attempts,
            error or f"HTTP {answer.status}",
            outcome,
        )
    if delivery.status == Delivery.Status.PENDING:
        enqueue(delivery)
    else:
        if delivery.status == Delivery.Status.FAILED:
            _disable_if_failing(delivery)
        enqueue_next_in_line(delivery.endpoint_id, delivery.article_ref)
    return outcome


def _storable(text: str) -> str:
    """`text` from a receiver, as any database stores it: PostgreSQL refuses NUL characters."""
    return text.replace("\x00", "\\x00")


@transaction.atomic
def _cancel_unsendable(delivery: Delivery) -> str:
    """Cancel a scheduled publication whose article was deleted before it was first sent:
    there is nothing to send, ever; the article's next events go on."""
    reason = "Cancelled: the article was deleted before this publication was first sent."
    cancelled = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, attempts=delivery.attempts
    ).update(
        status=Delivery.Status.CANCELLED,
        claimed_until=None,
        next_attempt_at=None,
        last_error=reason,
    )
    if cancelled:
        Attempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=timezone.now(),
            duration_ms=0,
            error=reason,
        )
        enqueue_next_in_line(delivery.endpoint_id, delivery.article_ref)
    return "cancelled"


def _disable_if_failing(delivery: Delivery) -> None:
    """Disable the endpoint when nothing reached it since `delivery` (just given up) was first
    tried."""
    first_tried = (
        Attempt.objects.filter(delivery=delivery, number=delivery.attempts_before_resend + 1)
        .values_list("started_at", flat=True)
        .first()
    )
    since = first_tried or delivery.created_at
    if Delivery.objects.filter(endpoint_id=delivery.endpoint_id, delivered_at__gte=since).exists():
        return
    from webhooks import services  # the services enqueue deliveries: the import goes one way

    reason = (
        f"Delivery {delivery.pk} ({delivery.event.type}) failed {delivery.attempts} times from "
        f"{since:%Y-%m-%d %H:%M} UTC, and nothing reached the endpoint since. Last error: "
        f"{delivery.last_error or f'HTTP {delivery.last_response_status}'}."
    )
    services.endpoint_disable(
        actor=services.DELIVERY_QUEUE, endpoint=delivery.endpoint, reason=reason
    )


def requeue_stalled() -> int:
    """Hand back to the queue the deliveries it lost; return how many.

    A sending delivery whose claim ran out had its worker die mid-send: its attempt is logged
    with an unknown outcome and it is retried as after a failure. A pending delivery long
    overdue, first in its line, lost its task: it is enqueued again.
    """
    now = timezone.now()
    expired = list(
        Delivery.objects.select_related("endpoint", "event").filter(
            status=Delivery.Status.SENDING, claimed_until__lt=now
        )[:SWEEP_BATCH]
    )
    for delivery in expired:
        _record(
            delivery,
            started_at=delivery.claimed_until - claim_duration(),
            duration=claim_duration(),
            answer=None,
            error="No outcome: the worker stopped before the receiver answered",
        )
    with transaction.atomic():
        overdue = list(
            Delivery.objects.annotate(waiting=waits_for_earlier())
            .filter(
                status=Delivery.Status.PENDING,
                next_attempt_at__lt=now - STALL_GRACE,
                endpoint__is_active=True,
                waiting=False,
            )
            .only("id")[:SWEEP_BATCH]
        )
        Delivery.objects.filter(pk__in=[d.pk for d in overdue]).update(next_attempt_at=now)
        for delivery in overdue:
            delivery.next_attempt_at = now
            enqueue(delivery)
    if expired or overdue:
        logger.warning(
            "Handed back to the queue %d delivery(ies) whose worker stopped and %d whose task "
            "was lost.",
            len(expired),
            len(overdue),
        )
    return len(expired) + len(overdue)
