"""When each content key last changed, kept in the shared cache so every worker and app server
sees a purge at once.

A purge takes the next number of a shared sequence and writes it as the version of each key it
purges. A page records the sequence number as it was before its view read anything; it is fresh
while every key it shows has a version no greater than that number. So a write that commits
while a page is being rendered makes that page stale, whichever finishes first.

A key whose version is missing (never purged, or dropped by the cache) is given the page's number
when the page is stored; a page that finds one of its keys' versions missing later counts as
stale, as the key may have been purged and forgotten since.
"""

import logging
import time

from django.core.cache import cache

from articles import changes

logger = logging.getLogger("newsroom.delivery")

SEQUENCE_KEY = "content:sequence"


def version_key(key: str) -> str:
    return f"content:version:{key}"


def current_sequence(found: dict) -> int:
    """The sequence number in `found` (from a get_many that asked for SEQUENCE_KEY); 0 before
    the first purge."""
    return found.get(SEQUENCE_KEY) or 0


def purge(sender=None, keys=(), **kwargs) -> None:
    """Make every cached page that shows one of `keys` stale (a receiver of content_changed)."""
    sequence = next_sequence()
    if sequence is None:
        return  # the cache is unreachable; it will say so, and everything is purged on return
    cache.set_many({version_key(key): sequence for key in keys}, timeout=None)
    if changes.SCHEDULE in keys:
        from newsroom.delivery import schedule  # it purges through this module

        schedule.refresh()


def next_sequence() -> int | None:
    try:
        return cache.incr(SEQUENCE_KEY)
    except ValueError:
        # The first purge, or the cache lost the sequence: start from the clock in milliseconds,
        # which is past any number an earlier sequence reached.
        cache.add(SEQUENCE_KEY, int(time.time() * 1000), timeout=None)
        try:
            return cache.incr(SEQUENCE_KEY)
        except ValueError:
            return None


def purge_site_if_writes_were_lost() -> None:
    """A cache that was unreachable dropped the purges sent meanwhile: purge everything."""
    take_lost_writes = getattr(cache, "take_lost_writes", None)  # Redis only: see CACHES
    if take_lost_writes is not None and take_lost_writes():
        logger.warning("The cache missed writes while it was unreachable; purging every page.")
        purge(keys={changes.SITE})


def is_fresh(keys, sequence: int, versions: dict) -> bool:
    """Tell whether a page stored at `sequence` showing `keys` is fresh, given the versions
    read from the cache."""
    for key in keys:
        version = versions.get(version_key(key))
        if version is None or version > sequence:
            return False
    return True


def remember(keys, sequence: int, versions: dict) -> None:
    """Give the keys of a page being stored a version if they have none yet (see the module)."""
    for key in keys:
        if version_key(key) not in versions:
            cache.add(version_key(key), sequence, timeout=None)
