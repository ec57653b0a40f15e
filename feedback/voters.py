"""Who a reader is, to the feedback system: a random id in a signed first-party cookie.

The database only ever sees a keyed hash of that id; no IP address or user agent is stored.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

COOKIE_NAME = "newsroom_voter"
COOKIE_SALT = "newsroom.feedback.voter-cookie"
COOKIE_MAX_AGE = 60 * 60 * 24 * 365  # one year


def voter_id_from(request) -> str | None:
    """Return the reader's id from their signed cookie, or None (absent or tampered with)."""
    try:
        return request.get_signed_cookie(COOKIE_NAME, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None


def new_voter_id() -> str:
    return secrets.token_urlsafe(18)


def remember_voter(response, voter_id: str) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        voter_id,
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        secure=settings.HTTPS,  # as the session and CSRF cookies: browsers drop Secure on http
        httponly=True,
        samesite="Lax",
    )


def voter_hash(voter_id: str) -> str:
    """Return the keyed hash (HMAC-SHA256 with a key derived from SECRET_KEY) stored for votes."""
    return salted_hmac("newsroom.feedback.voter", voter_id, algorithm="sha256").hexdigest()


def client_address(request) -> str:
    """Return the client's IP address, looking through as many proxies as settings trust."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")
