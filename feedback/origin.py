"""Refuse form posts that another site makes a reader's browser send, without a CSRF token.

The vote form sits on shared pages that every reader gets from the cache, so it cannot carry a
per-reader token. Browsers say where a request comes from instead; the rules are those of Go
1.25's `net/http.CrossOriginProtection`, with the `Referer` as a last witness:

1. `Sec-Fetch-Site` (every current browser sends it): only `same-origin` and `none` (the reader's
   own action, such as a bookmark) pass.
2. Without it, an `Origin` must name this site's host (with its port): the host of the request,
   which `ALLOWED_HOSTS` already admitted. As in Go, the scheme is not compared: behind a TLS
   proxy that Django is not told of (no `SECURE_PROXY_SSL_HEADER`), a reader's https page posts
   to what Django sees as http. A `null` origin names no host and is refused.
3. Without either, the origin of a `Referer` must name it.
4. With none of them the request comes from no browser (curl, a monitor): it passes, as it could
   not carry a reader's cookie against their will.

An origin listed in `CSRF_TRUSTED_ORIGINS` passes every rule, as it does Django's CSRF check.
"""

import logging
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render
from django.utils.http import is_same_domain

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SAME_ORIGIN_FETCHES = ("same-origin", "none")


def cross_origin_protected(view):
    """Answer 403 to a POST (or other unsafe request) that a browser sent from another site."""

    @wraps(view)
    def protected(request, *args, **kwargs):
        refusal = cross_origin_refusal(request)
        if refusal:
            logger.warning(
                "Cross-origin %s to %s refused: %s", request.method, request.path, refusal
            )
            return render(request, "feedback/cross_origin.html", status=403)
        return view(request, *args, **kwargs)

    return protected


def cross_origin_refusal(request) -> str:
    """Return why the request looks sent from another site, or "" when it may go ahead."""
    if request.method in SAFE_METHODS:
        return ""
    origin = request.headers.get("Origin", "")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site in SAME_ORIGIN_FETCHES or is_trusted(origin):
            return ""
        return f"Sec-Fetch-Site is {fetch_site!r}"
    if origin:
        return "" if is_own_origin(request, origin) else f"Origin {origin!r} is another site"
    referer = request.headers.get("Referer", "")
    if referer:
        referer_origin = origin_of(referer)
        if is_own_origin(request, referer_origin):
            return ""
        return f"Referer is from {referer_origin or referer!r}, another site"
    return ""


def is_own_origin(request, origin: str) -> bool:
    scheme, host = split_origin(origin)
    own = bool(scheme) and host == request.get_host().lower()
    return own or is_trusted(origin)


def is_trusted(origin: str) -> bool:
    """Tell whether `CSRF_TRUSTED_ORIGINS` lists the origin, as itself or by `*.` subdomain."""
    if not origin:
        return False
    origin = origin.lower()
    scheme, host = split_origin(origin)
    for entry in (entry.lower() for entry in settings.CSRF_TRUSTED_ORIGINS):
        if origin == entry:
            return True
        entry_scheme, entry_host = split_origin(entry)
        wildcard = entry_host.startswith("*.") and entry_scheme == scheme
        if wildcard and host and is_same_domain(host, entry_host[1:]):
            return True
    return False


def origin_of(url: str) -> str:
    """Return "scheme://host[:port]" of an absolute URL, or "" for anything else."""
    scheme, host = split_origin(url)
    return f"{scheme}://{host}" if scheme and host else ""


def split_origin(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[" — a malformed IPv6 host
        return "", ""
    return parts.scheme.lower(), parts.netloc.lower()
