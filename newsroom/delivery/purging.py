"""A purge, wherever pages are kept: the page cache first, then the edge, so that an edge asking
for a purged page again gets the new one, never the page cache's old copy. The page cache takes
it at once; the edge's is stored, and sent by the task queue's worker (`edge_purges`)."""

import atexit

from articles import changes
from newsroom.delivery import content_versions, edge

# Pages that show more of a kind than they can name carry "<kind>:any" (see `shown`).
ANY_KEYS = {"article:": changes.ANY_ARTICLE, "tag:": changes.ANY_TAG}
# How long an exiting command (import_articles) waits for the cache to take the purges it
# could not take before (the edge's are rows, which outlive the process).
EXIT_WAIT_SECONDS = 6


def purge(sender=None, keys=(), **kwargs) -> None:
    """Make every page that shows one of `keys` stale (a receiver of content_changed)."""
    keys = set(keys)
    keys |= {any_key for prefix, any_key in ANY_KEYS.items() if _names_one(keys, prefix)}
    content_versions.purge(keys)
    edge.purge(keys)


def _names_one(keys, prefix) -> bool:
    return any(key.startswith(prefix) and not key.endswith(":any") for key in keys)


def send_unsent() -> None:
    """Send the purges an unreachable cache missed once it answers, and to the edge again: it
    may have fetched a page from another process's old copy in the page cache meanwhile."""
    edge.purge(content_versions.send_unsent())


def _before_exit() -> None:
    edge.purge(content_versions.send_unsent_before_exit(EXIT_WAIT_SECONDS))


atexit.register(_before_exit)
