"""Webhooks: the receivers editors register, the events article writes make, and each event's
delivery to each receiver with every attempt to send it."""

import base64
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from webhooks import addresses


class EventType(models.TextChoices):
    PUBLISHED = "article.published", "Article published"
    UPDATED = "article.updated", "Article updated"
    CORRECTED = "article.corrected", "Article corrected"
    RETRACTED = "article.retracted", "Article retracted"
    UNPUBLISHED = "article.unpublished", "Article unpublished"


def every_event_type() -> list[str]:
    return list(EventType.values)


def new_secret() -> str:
    """Return a signing secret as Standard Webhooks writes them: whsec_ and base64 of 24 bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Endpoint(models.Model):
    """A receiver of webhook events: an address, the event types it wants and its secret."""

    url = models.URLField(
        "URL",
        max_length=2000,
        help_text="Where events are POSTed: an http:// or https:// address on the public "
        "internet (private, loopback and link-local addresses are refused). Redirects are "
        "not followed.",
    )
    description = models.CharField(max_length=200, blank=True, help_text="Who receives, and why.")
    events = models.JSONField(
        default=every_event_type,
        help_text="The event types it receives.",
    )
    secret = models.CharField(
        max_length=100,
        default=new_secret,
        editable=False,
        help_text="Signs every request (Standard Webhooks); shown once, when it is made.",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Inactive endpoints get no new events; their pending deliveries wait. Turning "
        "one on again sends what waits, in order.",
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="webhook_endpoints",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(disabled_at__isnull=True),
                name="endpoint_active_is_not_disabled",
            ),
        ]

    def __str__(self):
        return self.description or self.url

    def clean(self):
        if not isinstance(self.events, list) or not self.events:
            raise ValidationError({"events": "Choose the event types it receives."})
        unknown = sorted(set(map(str, self.events)) - set(EventType.values))
        if unknown:
            raise ValidationError(
                {
                    "events": f"Unknown event type {', '.join(unknown)}: the types are "
                    f"{', '.join(EventType.values)}."
                }
            )
        addresses.check_url(self.url)

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in self.events


class Event(models.Model):
    """One thing that happened to an article, with the request body every endpoint gets.

    The body is frozen when the event happens, so each retry sends the same bytes; a
    scheduled publication's is frozen when it goes live (the article as readers first see it).
    """

    type = models.CharField(max_length=40, choices=EventType.choices)
    message_id = models.CharField(
        max_length=40,
        unique=True,
        default=new_message_id,
        help_text="Sent as webhook-id: the same in every attempt, so receivers can tell a "
        "retry from a new event.",
    )
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_events",
    )
    # An article's events must go out in order even once it is deleted (and `article` is null).
    article_ref = models.PositiveBigIntegerField(
        "article id", help_text="The article's id, kept when it is deleted."
    )
    article_external_id = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(
        help_text="When it happened; for a scheduled publication, its publication time."
    )
    payload = models.JSONField(
        null=True,
        blank=True,
        help_text="The request body; empty until a scheduled publication goes live.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["article_ref", "type", "occurred_at"], name="event_article_idx")
        ]

    def __str__(self):
        return f"{self.type} of article {self.article_external_id or self.article_ref}"


class Delivery(models.Model):
    """One event on its way to one endpoint: sent once it is due and every earlier delivery of
    the same article to the same endpoint is done, retried on failure, given up after a day."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    UNSENT = (Status.PENDING, Status.SENDING)

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    article_ref = models.PositiveBigIntegerField(
        "article id", help_text="The event's article: its deliveries to one endpoint go in order."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    attempts_before_resend = models.PositiveIntegerField(
        default=0,
        help_text="Attempts made before the last “Send again”: the retry schedule counts from "
        "there.",
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When it is due; empty once delivered or given up."
    )
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While sending: when the worker's claim runs out and another may take it.",
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(
        "last HTTP status", null=True, blank=True
    )
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        permissions = [("resend_delivery", "Can send a delivery again")]
        indexes = [
            # The line a delivery waits in: the unsent deliveries of one article to one endpoint.
            models.Index(
                fields=["endpoint", "article_ref", "id"],
                condition=Q(status__in=["pending", "sending"]),
                name="delivery_unsent_line_idx",
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_pending_due_idx",
            ),
            models.Index(
                fields=["claimed_until"],
                condition=Q(status="sending"),
                name="delivery_sending_claim_idx",
            ),
            models.Index(fields=["endpoint", "delivered_at"], name="delivery_endpoint_success_idx"),
            models.Index(fields=["status", "-id"], name="delivery_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="delivery_one_per_endpoint_and_event"
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="delivery_pending_has_due_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False),
                name="delivery_sending_has_claim",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="delivery_delivered_has_time",
            ),
            models.CheckConstraint(
                condition=Q(attempts_before_resend__lte=models.F("attempts")),
                name="delivery_resend_within_attempts",
            ),
        ]

    def __str__(self):
        return f"{self.event.type} to {self.endpoint} ({self.get_status_display().lower()})"


class Attempt(models.Model):
    """One try at sending a delivery: when, how long, and what the receiver answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField("duration (ms)", default=0)
    response_status = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True)
    error = models.CharField(
        max_length=500, blank=True, help_text="Why no answer came (refused, timed out…)."
    )
    response_excerpt = models.CharField(
        max_length=500, blank=True, help_text="The start of the receiver's answer."
    )

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="attempt_unique_number_per_delivery"
            )
        ]

    def __str__(self):
        outcome = self.response_status or self.error or "no answer"
        return f"Attempt {self.number} of delivery {self.delivery_id}: {outcome}"

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300
