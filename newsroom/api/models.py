"""Who may call the API (tokens and their scopes), and the answers kept for retried calls."""

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    READ = "articles:read", "Read articles"
    WRITE = "articles:write", "Create and change articles that are not live"
    PUBLISH = "articles:publish", "Publish, unpublish and change live articles"


# Each scope grants these (writing and publishing need to read what they change).
GRANTS = {
    Scope.READ: {Scope.READ},
    Scope.WRITE: {Scope.READ, Scope.WRITE},
    Scope.PUBLISH: {Scope.READ, Scope.PUBLISH},
}


def secret_hash(secret: str) -> str:
    # The secret is 256 random bits: a plain hash is as hard to reverse as a slow one.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A machine client's key to the API, shown once when made; only its hash is kept."""

    PREFIX_LENGTH = 8

    name = models.CharField(
        max_length=100, unique=True, help_text="Who uses it, e.g. “pipeline production”."
    )
    prefix = models.CharField(
        max_length=PREFIX_LENGTH,
        unique=True,
        editable=False,
        help_text="The token's first characters after nr_, to tell tokens apart in logs.",
    )
    hashed_secret = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, help_text="What calls it may make.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="A revoked token opens nothing."
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "API token"

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.hashed_secret, secret_hash(secret))

    def grants(self) -> set[str]:
        granted = set()
        for scope in self.scopes:
            granted |= GRANTS.get(scope, set())
        return granted


class IdempotentRequest(models.Model):
    """The answer to a POST made with an Idempotency-Key, given again to the same call retried
    within 24 hours (`idempotency.KEPT_FOR`)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="The call's method, path and body, hashed."
    )
    status = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=dict)
    body = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotent_request_unique_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_age_idx")]

    def __str__(self):
        return f"{self.key} ({self.token})"
