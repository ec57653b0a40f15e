"""Who is calling: a bearer token (never a session cookie), within its rate limit."""

import datetime as dt
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from ninja.security import HttpBearer

from articles.roles import Pipeline
from newsroom.api import problems
from newsroom.api.models import ApiToken, Scope
from newsroom.api.services import api_token_find

logger = logging.getLogger("newsroom.api")

# last_used_at is written at most this often per token, not on every call.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
RATE_WINDOW_SECONDS = 60


class TokenAuth(HttpBearer):
    """Authenticate `Authorization: Bearer nr_…`; the token becomes `request.auth`."""

    def __call__(self, request):
        if not request.headers.get("Authorization", "").strip():
            raise problems.unauthorized(
                "Send your API token in the Authorization header: Bearer nr_…"
            )
        return super().__call__(request)

    def authenticate(self, request, token: str) -> ApiToken:
        found = api_token_find(token.strip())
        if found is None:
            raise problems.unauthorized("The API token is unknown or revoked.")
        _count_call(found)
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found


def _count_call(token: ApiToken) -> None:
    """Refuse the call (429) past API_RATE_LIMIT calls of `token` in this minute. A cache that
    does not answer lets every call through: it must not take the API down with it."""
    limit = settings.API_RATE_LIMIT
    if not limit:
        return
    window = int(time.time() // RATE_WINDOW_SECONDS)
    key = f"api:calls:{token.pk}:{window}"
    try:
        cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
        calls = cache.incr(key)
    except Exception:  # an unreachable cache, or the key expired between add and incr
        logger.warning(
            "Could not count the calls of API token %s; letting this one through.", token.name
        )
        return
    if calls is None:  # the cache failed softly: it does not answer
        return
    if calls > limit:
        wait = max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - time.time()))
        problem = problems.Problem(
            429,
            "Too many requests",
            f"This token may make {limit} calls a minute; try again in {wait} s.",
        )
        problem.headers["Retry-After"] = str(wait)
        raise problem


def require(request, scope: Scope) -> None:
    """Refuse the call (403) unless the caller's token grants `scope`."""
    if scope not in request.auth.grants():
        raise problems.forbidden(
            f"This call needs the {scope} scope; the token “{request.auth.name}” has "
            f"{', '.join(request.auth.scopes) or 'none'}."
        )


def actor(request) -> Pipeline:
    """The pipeline as this token's holder: it publishes only with the publish scope."""
    token = request.auth
    return Pipeline(
        f"the pipeline (API token “{token.name}”)"[:150], publishes=Scope.PUBLISH in token.grants()
    )
