"""Writes of API tokens: made in the admin or with `create_api_token`, revoked in the admin."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.roles import Actor, Operator
from newsroom.api.models import ApiToken, Scope, secret_hash

TOKEN_START = "nr_"


def _require(actor: Actor | Operator, action: str) -> None:
    if isinstance(actor, Operator):
        return
    if not getattr(actor, "has_perm", None) or not actor.has_perm(f"api.{action}_apitoken"):
        raise PermissionDenied("Only administrators manage API tokens.")


@transaction.atomic
def api_token_create(
    *, actor: Actor | Operator, name: str, scopes: list[str]
) -> tuple[ApiToken, str]:
    """Make a token named `name` with `scopes`; return it and its text, which is shown this
    once and never kept (only its hash is)."""
    _require(actor, "add")
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise ValidationError(
            {"scopes": f"{', '.join(unknown)}: the scopes are {', '.join(Scope.values)}."}
        )
    if not scopes:
        raise ValidationError({"scopes": f"Give at least one of {', '.join(Scope.values)}."})
    prefix = secrets.token_hex(ApiToken.PREFIX_LENGTH // 2)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(ApiToken.PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        prefix=prefix,
        hashed_secret=secret_hash(secret),
        scopes=[scope for scope in Scope.values if scope in scopes],
        created_by=None if isinstance(actor, Operator) else actor,
    )
    token.full_clean()
    token.save()
    return token, f"{TOKEN_START}{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, actor: Actor | Operator, token: ApiToken) -> ApiToken:
    """Revoke `token`: every later call made with it is refused (401)."""
    _require(actor, "change")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_find(text: str) -> ApiToken | None:
    """Return the active token whose text is `text`, or None."""
    if not text.startswith(TOKEN_START):
        return None
    prefix, _, secret = text[len(TOKEN_START) :].partition("_")
    if len(prefix) != ApiToken.PREFIX_LENGTH or not secret:
        return None
    token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not token.matches(secret):
        return None
    return token
