"""Every write of webhook endpoints and deliveries: the admin, `add_webhook` and the delivery
queue call these, nothing else writes them (STYLE.md, "Models").

Editors (and superusers) manage endpoints and send deliveries again; writers do neither. The
operator at the server's shell and the delivery queue act as themselves.
"""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles.roles import Operator
from webhooks import delivery as queue
from webhooks.models import Delivery, Endpoint, EventType, new_secret

logger = logging.getLogger("newsroom.webhooks")


class DeliveryQueue:
    """The queue as an actor: it disables an endpoint that keeps failing."""

    def __str__(self):
        return "the delivery queue"


DELIVERY_QUEUE = DeliveryQueue()

Actor = AbstractBaseUser | Operator | DeliveryQueue


def _require(actor: Actor, permission: str, what: str) -> None:
    if isinstance(actor, Operator | DeliveryQueue):
        return
    if not actor.has_perm(f"webhooks.{permission}"):
        raise PermissionDenied(f"Only editors {what}.")


@transaction.atomic
def endpoint_create(
    *,
    actor: Actor,
    url: str,
    events: list[str] | None = None,
    description: str = "",
) -> Endpoint:
    """Register a receiver of `events` (default: all) with a new secret, on `endpoint.secret`:
    show it to whoever registers it, once."""
    _require(actor, "add_endpoint", "register webhook endpoints")
    endpoint = Endpoint(
        url=url,
        events=list(events) if events is not None else list(EventType.values),
        description=description,
        created_by=actor if isinstance(actor, AbstractBaseUser) else None,
    )
    endpoint.full_clean()
    endpoint.save()
    logger.info("Webhook endpoint %s (%s) registered by %s.", endpoint.pk, endpoint.url, actor)
    return endpoint


@transaction.atomic
def endpoint_update(*, actor: Actor, endpoint: Endpoint) -> Endpoint:
    """Store `endpoint`'s address, description and event types (`endpoint_enable` and
    `endpoint_disable` turn it on and off)."""
    _require(actor, "change_endpoint", "change webhook endpoints")
    endpoint.full_clean(exclude=["is_active", "disabled_at", "disabled_reason"])
    endpoint.save(update_fields=["url", "description", "events"])
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor: Actor, endpoint: Endpoint) -> str:
    """Give the endpoint a new secret and return it (to show once). Requests already waiting
    to be retried are signed with the new one."""
    _require(actor, "change_endpoint", "change webhook endpoints")
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    logger.info("Webhook endpoint %s: secret rotated by %s.", endpoint.pk, actor)
    return endpoint.secret


@transaction.atomic
def endpoint_disable(*, actor: Actor, endpoint: Endpoint, reason: str) -> Endpoint:
    """Stop sending to the endpoint: it gets no new events, and its pending deliveries wait."""
    _require(actor, "change_endpoint", "turn webhook endpoints off")
    endpoint.is_active = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    if actor is DELIVERY_QUEUE:
        logger.error("Webhook endpoint %s (%s) disabled: %s", endpoint.pk, endpoint.url, reason)
    else:
        logger.info("Webhook endpoint %s (%s) turned off by %s.", endpoint.pk, endpoint.url, actor)
    return endpoint


@transaction.atomic
def endpoint_enable(*, actor: Actor, endpoint: Endpoint) -> int:
    """Send to the endpoint again; its pending deliveries go now, each article's in order.
    Return how many deliveries wait."""
    _require(actor, "change_endpoint", "turn webhook endpoints on")
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.full_clean()  # the address may have become private meanwhile
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    now = timezone.now()
    pending = endpoint.deliveries.filter(status=Delivery.Status.PENDING)
    waiting = pending.count()
    pending.filter(next_attempt_at__lt=now).update(next_attempt_at=now)
    heads = (
        pending.annotate(waiting=queue.waits_for_earlier())
        .filter(waiting=False)
        .only("id", "next_attempt_at")
    )
    for head in heads:
        queue.enqueue(head)
    logger.info(
        "Webhook endpoint %s (%s) turned on by %s; %d delivery(ies) resume.",
        endpoint.pk,
        endpoint.url,
        actor,
        waiting,
    )
    return waiting


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint: Endpoint) -> None:
    """Delete the endpoint with its deliveries and their log."""
    _require(actor, "delete_endpoint", "delete webhook endpoints")
    logger.info("Webhook endpoint %s (%s) deleted by %s.", endpoint.pk, endpoint.url, actor)
    endpoint.delete()


@transaction.atomic
def delivery_resend(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Send a delivered, failed or cancelled delivery again, with the same webhook-id and body
    and a fresh retry schedule, after any earlier unsent one of its article."""
    _require(actor, "resend_delivery", "send deliveries again")
    stored = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if stored.status in Delivery.UNSENT:
        return stored  # it is on its way already
    stored.status = Delivery.Status.PENDING
    stored.attempts_before_resend = stored.attempts
    stored.next_attempt_at = timezone.now()
    stored.save(update_fields=["status", "attempts_before_resend", "next_attempt_at"])
    queue.enqueue(stored)
    logger.info("Delivery %s sent again by %s.", stored.pk, actor)
    return stored
