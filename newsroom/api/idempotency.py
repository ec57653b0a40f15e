"""Retried POSTs: a call made again with the same Idempotency-Key gets the first answer."""

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone

from newsroom.api import problems
from newsroom.api.models import IdempotentRequest

KEPT_FOR = dt.timedelta(hours=24)
KEPT_HEADERS = ("Content-Type", "ETag", "Location")


def once(request, run) -> HttpResponse:
    """Answer `request` with `run()`, or, for a key this token used in the last 24 hours, with
    the answer it got then. The work and the kept answer commit together; an answer to a call
    that changed nothing (a problem raised) is not kept, so the call may be made again."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return run()
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise problems.bad_request(
            "must be 1 to 255 printable ASCII characters.", field="Idempotency-Key"
        )
    try:
        body = request.body
    except RawPostDataException:  # a form body, read as such already; the API takes none
        body = b""
    fingerprint = hashlib.sha256(
        b"\n".join([request.method.encode(), request.path.encode(), body])
    ).hexdigest()
    now = timezone.now()
    with transaction.atomic():
        IdempotentRequest.objects.filter(created_at__lt=now - KEPT_FOR).delete()
        try:
            with transaction.atomic():
                kept = IdempotentRequest.objects.create(
                    token=request.auth, key=key, fingerprint=fingerprint, status=0, body=b""
                )
        except IntegrityError:
            kept = None
        if kept is None:
            return _replay(request.auth, key, fingerprint)
        response = run()
        kept.status = response.status_code
        kept.headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        kept.body = response.content
        kept.save(update_fields=["status", "headers", "body"])
    return response


def _replay(token, key: str, fingerprint: str) -> HttpResponse:
    kept = IdempotentRequest.objects.filter(token=token, key=key).first()
    if kept is None:  # the first call's transaction rolled back meanwhile
        raise problems.conflict("A call with this Idempotency-Key was not finished; try again.")
    if kept.fingerprint != fingerprint:
        raise problems.invalid(
            "was used for a different call (another address or body) in the last 24 hours.",
            field="Idempotency-Key",
        )
    response = HttpResponse(bytes(kept.body), status=kept.status)
    for name, value in kept.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response
