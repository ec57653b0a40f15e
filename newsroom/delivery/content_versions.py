"""When each content key last changed, kept in the shared cache so every worker and app server
sees a purge at once.

A purge takes the next number of a shared sequence and writes it as the version of each key it
purges. A page records the sequence number as it was before its view read anything; it is fresh
while every key it shows has a version no greater than that number. So a write that commits
while a page is being rendered makes that page stale, whichever finishes first.

A key whose version is missing (never purged, or dropped by the cache) is given the page's number
when the page is stored; a page that finds one of its keys' versions missing later counts as
stale, as the key may have been purged and forgotten since.

A purge the cache could not take (it was unreachable) is kept by the process and sent again as
soon as the cache answers: by the next request a worker serves, or, for a command such as
`import_articles`, before the process exits.
"""

import logging
import threading
import time

from django.core.cache import cache

from articles import changes

logger = logging.getLogger("newsroom.delivery")

SEQUENCE_KEY = "content:sequence"
_unsent: set[str] = set()
_unsent_lock = threading.Lock()


def version_key(key: str) -> str:
    return f"content:version:{key}"


def current_sequence(found: dict) -> int:
    """The sequence number in `found` (a get_many that asked for SEQUENCE_KEY), started from the
    clock when the cache has none (a new or emptied cache)."""
    sequence = found.get(SEQUENCE_KEY)
    if sequence is None:
        cache.add(SEQUENCE_KEY, _clock(), timeout=None)
        sequence = cache.get(SEQUENCE_KEY)
    return sequence or 0


def purge(keys) -> bool:
    """Make every cached page that shows one of `keys` stale (`purging.purge` calls it). Return
    whether the cache took the purge; if not, it is sent again later."""
    keys = set(keys)
    try:
        sequence = next_sequence()
        failed = sequence is None or cache.set_many(
            {version_key(key): sequence for key in keys}, timeout=None
        )
    except Exception:  # a cache backend that raises rather than fails soft
        logger.exception("Purging %s failed.", ", ".join(sorted(keys)))
        failed = True
    if failed:
        with _unsent_lock:
            if not _unsent:
                logger.warning(
                    "The cache is unreachable: pages showing %s will be purged when it is back.",
                    ", ".join(sorted(keys)),
                )
            _unsent.update(keys)
        return False
    if changes.SCHEDULE in keys:
        from newsroom.delivery import schedule  # which purges through this module

        schedule.refresh()
    return True


def send_unsent() -> set[str]:
    """Send again the purges the cache could not take; return the keys it took (none when
    there were none, or the cache is still unreachable)."""
    if not _unsent:
        return set()
    with _unsent_lock:
        keys = set(_unsent)
        _unsent.clear()
    if not purge(keys):
        return set()
    logger.warning("The cache is back: purged %s.", ", ".join(sorted(keys)))
    return keys


def send_unsent_before_exit(timeout: float) -> set[str]:
    """Try for up to `timeout` seconds to send what the cache could not take; return the keys
    it took."""
    deadline = time.monotonic() + timeout
    sent = set()
    while _unsent and time.monotonic() < deadline:
        time.sleep(0.5)
        sent |= send_unsent()
    if _unsent:
        logger.error(
            "Exiting with purges the cache never took: pages showing %s may be out of date until "
            "they expire (PAGE_CACHE_SECONDS).",
            ", ".join(sorted(_unsent)),
        )
    return sent


def next_sequence() -> int | None:
    try:
        sequence = cache.incr(SEQUENCE_KEY)
    except ValueError:
        # The first purge, or the cache lost the sequence: start from the clock in milliseconds,
        # which is past any number an earlier sequence reached.
        cache.add(SEQUENCE_KEY, _clock(), timeout=None)
        try:
            sequence = cache.incr(SEQUENCE_KEY)
        except ValueError:
            return None
    if sequence is not None:
        cache.touch(SEQUENCE_KEY, timeout=None)  # the database cache's incr() sets a lifetime
    return sequence


def _clock() -> int:
    return int(time.time() * 1000)


def is_fresh(keys, sequence: int, versions: dict) -> bool:
    """Tell whether a page stored at `sequence` showing `keys` is fresh, given the versions
    read from the cache."""
    for key in keys:
        version = versions.get(version_key(key))
        if version is None or version > sequence:
            return False
    return True


def changed_since(keys, sequence: int, versions: dict) -> bool:
    """Tell whether one of `keys` was purged after `sequence` (a page rendered from what was
    read before it is out of date already)."""
    return any(
        (version := versions.get(version_key(key))) is not None and version > sequence
        for key in keys
    )


def remember(keys, sequence: int, versions: dict) -> None:
    """Give the keys of a page being stored a version if they have none yet (see the module)."""
    for key in keys:
        if version_key(key) not in versions:
            cache.add(version_key(key), sequence, timeout=None)
