"""Purges for the edge as rows (`EdgePurge`), sent by the task queue's worker
(`manage.py run_worker`, django-tasks in the database).

- `store` keeps a purge as one row per edge and queues the task `send` for that edge, in one
  transaction: a process may end at once after a write, and its purges are still sent.
- `send` claims every due row of its edge, so that of two workers only one sends a row, and
  sends the union of their keys in batches of the edge kind's `keys_per_purge` (more than
  MAX_WAITING_KEYS keys become one purge of `site`). Sent, they are marked so, and a repeat of
  them is stored for REPEAT_AFTER_SECONDS later. On failure they wait, doubling the wait from
  FIRST_RETRY_SECONDS to LAST_RETRY_SECONDS, and the task queues itself for then. The queue has
  no retries of its own: the rows are the state, and a task only says "look at this edge now",
  so a task that runs late, or twice, or finds nothing due, does no harm.
- A row's task is queued for the row's next attempt time, and the worker reads both against its
  own clock, so servers whose clocks differ neither send early nor leave a row behind.
- Claims: a claim names its worker and lasts CLAIM_SECONDS; a task queued with it for then takes
  back the rows of a worker that died while sending them.
- Sent rows older than KEEP_SENT_DAYS are deleted, with the queue's finished runs of `send`, by
  the task itself, at most once every PRUNE_EVERY_SECONDS.
"""

import datetime as dt
import logging
import time
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from articles import changes
from newsroom.delivery import edge
from newsroom.delivery.models import EdgePurge

logger = logging.getLogger("newsroom.edge")

# How long one purge request may take before the edge counts as not answering.
REQUEST_TIMEOUT_SECONDS = 3
# Waits between tries at an edge that does not answer: doubling from the first to the last.
FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 60
# Past this many keys due for one edge, the whole site is purged there instead.
MAX_WAITING_KEYS = 1_000
# Each purge is sent a second time this much later: a page the app rendered before the write
# committed and the edge stored just after the first purge arrived is gone then too.
REPEAT_AFTER_SECONDS = 2
# Longer than sending the most keys takes (34 batches of Cloudflare's 30, each answered within
# REQUEST_TIMEOUT_SECONDS), so a claim runs out only when its worker died.
CLAIM_SECONDS = 120
KEEP_SENT_DAYS = 7
PRUNE_EVERY_SECONDS = 3600
PRUNED_KEY = "edge:purges:pruned"


def store(keys, edge_urls, *, after: float = 0) -> None:
    """Keep a purge of `keys` for each of `edge_urls`, to be sent `after` seconds from now."""
    keys = [changes.SITE] if changes.SITE in keys else sorted(keys)
    at = timezone.now() + dt.timedelta(seconds=after)
    with transaction.atomic():
        for url in edge_urls:
            EdgePurge.objects.create(edge_url=url, keys=keys, next_attempt_at=at)
            send.using(run_after=at).enqueue(url)


# A queue of its own, with a worker of its own (`run_worker`): a purge is what readers wait for,
# and must not wait behind a webhook receiver that takes its time to answer.
EDGE_QUEUE = "edge"


@task(queue_name=EDGE_QUEUE)
def send(edge_url: str) -> str:
    """Send what is due for `edge_url`; say what was done (the queue keeps it)."""
    now = timezone.now()
    if _is_waiting(edge_url, now):
        return "waiting: the edge failed, and its next try is later"
    claim = uuid.uuid4().hex
    purges = _claim(edge_url, claim, now)
    if not purges:
        return "nothing due"
    keys = set().union(*(purge.keys for purge in purges))
    if changes.SITE in keys:
        keys = {changes.SITE}
    elif len(keys) > MAX_WAITING_KEYS:
        logger.warning(
            "More than %d keys are waiting for %s: purging every page there instead.",
            MAX_WAITING_KEYS,
            edge_url,
        )
        keys = {changes.SITE}
    failed_before = max(purge.attempts for purge in purges)
    repeat = all(purge.repeat for purge in purges)
    unsent, reason = _send(edge_url, sorted(keys), repeat)
    if unsent:
        _failed(edge_url, claim, failed_before + 1, unsent, reason)
        return "failed"
    if failed_before:
        logger.warning("%s answers again after %d failed tries.", edge_url, failed_before)
    # What was sent for the first time is sent again later; a repeat is not repeated.
    firsts = set().union(*(purge.keys for purge in purges if not purge.repeat))
    if firsts and keys == {changes.SITE}:
        firsts = keys
    _sent(edge_url, claim, firsts)
    _prune_now_and_then()
    return f"purged {len(keys)} key(s)"


def _is_waiting(edge_url, now) -> bool:
    # An edge that failed is tried at its next attempt time with everything due then, purges
    # stored meanwhile included, rather than once more for each new one.
    return EdgePurge.objects.filter(
        edge_url=edge_url,
        status=EdgePurge.Status.PENDING,
        attempts__gt=0,
        next_attempt_at__gt=now,
    ).exists()


def _claim(edge_url, claim, now) -> list[EdgePurge]:
    """Mark the rows due for `edge_url` as this worker's; return them."""
    due = EdgePurge.objects.filter(edge_url=edge_url).filter(
        Q(status=EdgePurge.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=EdgePurge.Status.SENDING, claimed_until__lt=now)  # their worker died
    )
    until = now + dt.timedelta(seconds=CLAIM_SECONDS)
    marked = {"status": EdgePurge.Status.SENDING, "claimed_by": claim, "claimed_until": until}
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:  # PostgreSQL
            # Rows another worker is claiming at this moment are left to it, not waited for;
            # their new status keeps them from every later claim.
            rows = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True))
            claimed = EdgePurge.objects.filter(pk__in=rows).update(**marked)
        else:
            # SQLite has no row locks but runs one write at a time: this UPDATE, which checks
            # each row's status as it changes it, gives every row to one worker only.
            claimed = due.update(**marked)
        if claimed:
            # Rows whose worker dies while sending them are taken back once the claim runs out.
            send.using(run_after=until).enqueue(edge_url)
    if not claimed:
        return []
    return list(EdgePurge.objects.filter(claimed_by=claim, status=EdgePurge.Status.SENDING))


def _send(edge_url, keys: list[str], repeat: bool) -> tuple[list[str], str]:
    """Send `keys` in batches; return the keys left unsent when the edge failed, and why."""
    size = edge.kind().keys_per_purge
    for start in range(0, len(keys), size):
        batch = keys[start : start + size]
        started = time.monotonic()
        try:
            request = edge.kind().purge_request(edge_url, batch, settings.EDGE_PURGE_TOKEN)
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as answer:
                said = answer.read(200).decode(errors="replace").strip().splitlines()
        except Exception as error:  # refused, timed out, HTTP 4xx/5xx, not HTTP, bad URL
            return keys[start:], _reason(error)
        logger.log(
            logging.DEBUG if repeat else logging.INFO,
            "Purged %s%s at %s (%d ms%s).",
            ", ".join(batch),
            " again" if repeat else "",
            edge_url,
            (time.monotonic() - started) * 1000,
            f": {said[0][:120]}" if said else "",
        )
    return [], ""


def _sent(edge_url, claim, repeat_keys: set[str]) -> None:
    now = timezone.now()
    with transaction.atomic():
        EdgePurge.objects.filter(claimed_by=claim, status=EdgePurge.Status.SENDING).update(
            status=EdgePurge.Status.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            claimed_by="",
            claimed_until=None,
        )
        if repeat_keys:
            again = now + dt.timedelta(seconds=REPEAT_AFTER_SECONDS)
            EdgePurge.objects.create(
                edge_url=edge_url, keys=sorted(repeat_keys), repeat=True, next_attempt_at=again
            )
            send.using(run_after=again).enqueue(edge_url)


def _failed(edge_url, claim, failures: int, unsent: list[str], reason: str) -> None:
    wait = min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), LAST_RETRY_SECONDS)
    retry_at = timezone.now() + dt.timedelta(seconds=wait)
    with transaction.atomic():
        EdgePurge.objects.filter(claimed_by=claim, status=EdgePurge.Status.SENDING).update(
            status=EdgePurge.Status.PENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=retry_at,
            last_error=reason[:1000],
            claimed_by="",
            claimed_until=None,
        )
        send.using(run_after=retry_at).enqueue(edge_url)
    logger.warning(
        "Could not purge %s at %s (%s); trying again in %g s. Until then readers may get the "
        "previous version of the pages showing them.",
        ", ".join(unsent),
        edge_url,
        reason,
        wait,
    )


def _reason(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__


def _prune_now_and_then() -> None:
    try:
        if not cache.add(PRUNED_KEY, True, timeout=PRUNE_EVERY_SECONDS):
            return
    except Exception:  # a cache that is down: prune at a later purge
        return
    prune()


def prune() -> int:
    """Delete the sent purges older than KEEP_SENT_DAYS, and the queue's record of the runs of
    `send` that finished as long ago; return how many purges were deleted."""
    from django_tasks_db.models import DBTaskResult

    before = timezone.now() - dt.timedelta(days=KEEP_SENT_DAYS)
    deleted, _ = EdgePurge.objects.filter(status=EdgePurge.Status.SENT, sent_at__lt=before).delete()
    DBTaskResult.objects.finished().filter(
        task_path=send.module_path, finished_at__lt=before
    ).delete()
    return deleted
