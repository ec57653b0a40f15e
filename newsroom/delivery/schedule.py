"""Scheduled articles go live on time, without cron: the first public request after an article's
publication time purges what its publishing changes, as a write that publishes it now would.

The shared cache keeps the schedule: up to when going live has been handled (`handled_until`)
and the first publication time after that (`next_at`). A write that schedules, reschedules or
unschedules an article records the `schedule` key, which refreshes it.
"""

import datetime as dt
import logging
import time

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Min
from django.utils import timezone

from articles import changes
from articles.models import Article
from newsroom.delivery import purging

logger = logging.getLogger("newsroom.delivery")

STATE_KEY = "content:schedule"
LOCK_KEY = "content:schedule:lock"
LOCK_SECONDS = 10
REFRESH_WAIT_SECONDS = 1
LIST_FIELDS = ("pk", "status", "published_at", "section_id", "featured", "tag_ids")


def is_due(state, now: float) -> bool:
    """Tell whether articles may have gone live since the schedule was last handled."""
    return state is None or (state["next_at"] is not None and now >= state["next_at"])


def go_live(state) -> None:
    """Purge what the articles that went live since the schedule was handled change; one
    process does it while the others go on. A database that fails here costs the schedule a
    later request, never this reader's page."""
    if not _lock():
        return
    try:
        state = cache.get(STATE_KEY)  # another process may have handled it meanwhile
        now = timezone.now()
        if state is None:
            # A cold cache, or one that dropped the schedule: what went live meanwhile is
            # unknown, so every page is purged (a cold cache holds none anyway).
            purging.purge(keys={changes.SITE})
            _store(now)
        elif is_due(state, now.timestamp()):
            live = Article.objects.published().filter(
                published_at__gt=_handled_until(state), published_at__lte=now
            )
            keys = set()
            for article in live.only(*LIST_FIELDS):
                keys |= changes.article_keys(
                    None, changes.ArticleState.of(article, article.tag_ids)
                )
            keys.discard(changes.SCHEDULE)  # stored below, under the lock this holds
            if keys:
                purging.purge(keys=keys)
            _store(now)
    except DatabaseError:
        logger.exception("Could not take scheduled articles live; the next request tries again.")
    finally:
        cache.delete(LOCK_KEY)


def refresh() -> None:
    """Store when the next scheduled article goes live, after a write changed the schedule."""
    if cache.get(STATE_KEY) is None:
        return  # the next request handles the schedule from scratch (or the cache is down)
    deadline = time.monotonic() + REFRESH_WAIT_SECONDS
    locked = _lock()
    while not locked and time.monotonic() < deadline:
        time.sleep(0.05)  # go_live is running: it would store what it read before this write
        locked = _lock()
    try:
        state = cache.get(STATE_KEY)
        if state is not None:
            _store(_handled_until(state))
    finally:
        if locked:
            cache.delete(LOCK_KEY)


def _lock() -> bool:
    return cache.add(LOCK_KEY, True, timeout=LOCK_SECONDS)


def _handled_until(state) -> dt.datetime:
    # Never later than now: another server's clock may run ahead of this one's.
    return min(dt.datetime.fromtimestamp(state["handled_until"], dt.UTC), timezone.now())


def _store(handled_until: dt.datetime) -> None:
    upcoming = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=handled_until
    )
    next_at = upcoming.aggregate(first=Min("published_at"))["first"]
    cache.set(
        STATE_KEY,
        {
            "handled_until": handled_until.timestamp(),
            "next_at": next_at.timestamp() if next_at else None,
        },
        timeout=None,
    )
