"""Purges on their way to an edge, kept as rows so that no process takes one with it when it
ends, and staff can see what the edge was told (`edge_purges` sends them)."""

from django.db import models
from django.db.models import Q


class EdgePurge(models.Model):
    """Keys to purge at one edge: waiting for the queue's worker, being sent, or sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"

    edge_url = models.CharField("edge", max_length=500, help_text="Where the purge is sent.")
    keys = models.JSONField(help_text="The content keys purged (site: every page).")
    repeat = models.BooleanField(
        default=False,
        help_text="The second purge of the same keys, two seconds after the first: it removes a "
        "page rendered before the write committed that reached the edge just after it.",
    )
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Tries at the edge so far.")
    next_attempt_at = models.DateTimeField(
        "next attempt", help_text="When the worker sends it (again, after a failure)."
    )
    last_error = models.TextField(blank=True, help_text="Why the last failed try failed.")
    claimed_by = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("stored", auto_now_add=True)
    sent_at = models.DateTimeField("sent", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "edge purge"
        indexes = [
            models.Index(fields=["-created_at"], name="delivery_purge_created_idx"),
            # The worker's claims: the due rows of one edge.
            models.Index(
                fields=["edge_url", "status", "next_attempt_at"], name="delivery_purge_due_idx"
            ),
            # Pruning: sent rows by age.
            models.Index(fields=["status", "sent_at"], name="delivery_purge_sent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="delivery_purge_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False),
                name="delivery_purge_sending_is_claimed",
            ),
        ]

    def __str__(self):
        again = " again" if self.repeat else ""
        return f"Purge{again} of {self.shown_keys()} at {self.edge_url}"

    def shown_keys(self, most: int = 10) -> str:
        """The keys, the first `most` of them named."""
        more = len(self.keys) - most
        return ", ".join(self.keys[:most]) + (f" and {more} more" if more > 0 else "")
