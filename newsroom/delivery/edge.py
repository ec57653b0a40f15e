"""The edge: an HTTP cache in front of the app servers (the shipped Varnish, or a CDN) that keeps
public pages for hours and is purged by the same content keys as the page cache.

- Every public page names its content keys in the header its kind of edge reads, and says how
  long the edge may keep it (`mark`): EDGE_CACHE_SECONDS when purges are sent, since they make
  it exact; CDN_CACHE_SECONDS otherwise.
- After a write commits, its keys are stored as a purge for every edge in EDGE_PURGE_URLS
  (`purge`), which the task queue's worker sends (`edge_purges`): a save never waits for an
  edge, and a process may end at once without losing a purge.
- With an edge, readers' requests stop reaching the app, which took scheduled articles live on
  the first request after their time (`schedule`) and sent the page cache's missed purges on
  the next request; so each app server process does both every second instead
  (`app_server_started`, called by gunicorn.conf.py).
"""

import dataclasses
import json
import logging
import os
import threading
import time
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.utils.cache import patch_cache_control

from articles import changes
from newsroom.delivery.release import release

logger = logging.getLogger("newsroom.edge")

SCHEDULE_CHECK_SECONDS = 1
RELEASE_KEY = "edge:release"


def _varnish_purge(url, keys, token):
    # deploy/varnish/default.vcl: PURGE with the keys in xkey-purge, from an address it lists.
    return urllib.request.Request(url, method="PURGE", headers={"xkey-purge": " ".join(keys)})


def _fastly_purge(url, keys, token):
    # Fastly's purge by surrogate keys: POST https://api.fastly.com/service/<id>/purge.
    headers = {"Surrogate-Key": " ".join(keys), "Fastly-Key": token, "Accept": "application/json"}
    return urllib.request.Request(url, method="POST", headers=headers)


def _cloudflare_purge(url, keys, token):
    # Cloudflare's purge by cache tags: POST .../zones/<id>/purge_cache {"tags": [...]}.
    return urllib.request.Request(
        url,
        method="POST",
        data=json.dumps({"tags": list(keys)}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


@dataclasses.dataclass(frozen=True)
class EdgeKind:
    keys_header: str
    keys_separator: str
    lifetime_header: str  # read by this kind of edge only, not by browsers or other caches
    keys_per_purge: int
    purge_request: object


EDGE_KINDS = {
    "varnish": EdgeKind("xkey", " ", "Surrogate-Control", 100, _varnish_purge),
    "fastly": EdgeKind("Surrogate-Key", " ", "Surrogate-Control", 256, _fastly_purge),
    "cloudflare": EdgeKind("Cache-Tag", ",", "Cloudflare-CDN-Cache-Control", 30, _cloudflare_purge),
}


def kind() -> EdgeKind:
    return EDGE_KINDS[settings.EDGE_KIND]


def is_purged() -> bool:
    """Tell whether writes purge an edge (so it may keep pages for hours)."""
    return bool(settings.EDGE_PURGE_URLS)


def mark(response, keys, *, keep: bool = True) -> None:
    """Name a public page's content keys for the edge, and how long it may keep the page;
    `keep=False` for a copy that is already out of date (the edge passes it on, keeping none)."""
    edge = kind()
    response[edge.keys_header] = edge.keys_separator.join(sorted(keys))
    if not keep:
        response[edge.lifetime_header] = "max-age=0"
        patch_cache_control(response, s_maxage=0)
        return
    lifetime = settings.EDGE_CACHE_SECONDS if is_purged() else settings.CDN_CACHE_SECONDS
    response[edge.lifetime_header] = f"max-age={lifetime}"


def purge(keys, *, after: float = 0) -> None:
    """Have the worker send `keys` to every configured edge (nothing when none is), `after`
    seconds from now. A database that fails here is logged: the write has committed."""
    from newsroom.delivery import edge_purges  # which sends with this module's kinds

    if not is_purged() or not keys:
        return
    try:
        edge_purges.store(set(keys), settings.EDGE_PURGE_URLS, after=after)
    except DatabaseError:
        logger.exception(
            "Could not store the purge of %s for the edge: pages showing them may be out of "
            "date there until they expire (EDGE_CACHE_SECONDS).",
            ", ".join(sorted(keys)),
        )


def app_server_started() -> None:
    """Take up an app server process's part in keeping the edge right: purge it after a deploy
    (it holds pages the previous release rendered), take scheduled articles live on time, and
    send the purges the page cache missed while it was unreachable."""
    if not is_purged():
        return
    _purge_after_deploy()
    connections.close_all()  # this thread's: requests are served by threads of their own
    threading.Thread(target=_every_second, name="edge-upkeep", daemon=True).start()


def _purge_after_deploy() -> None:
    try:
        if cache.get(RELEASE_KEY) == release():
            return
        # Workers start at once: one of them purges.
        if not cache.add(f"{RELEASE_KEY}:{release()}:purging", True, timeout=60):
            return
        cache.set(RELEASE_KEY, release(), timeout=None)
    except Exception:  # a worker must start even when the cache does not answer
        logger.exception("Could not tell whether release %s is new to the edge.", release())
        return
    logger.info("Release %s started: purging every page at the edge.", release())
    purge({changes.SITE})
    # The previous release's workers answer the requests they hold for up to gunicorn's
    # graceful timeout, and the edge may keep those pages: purge once more after it.
    purge({changes.SITE}, after=int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30")) + 5)


def _every_second() -> None:
    from newsroom.delivery import purging, schedule

    while True:
        time.sleep(SCHEDULE_CHECK_SECONDS)
        try:
            purging.send_unsent()
            state = cache.get(schedule.STATE_KEY)
            if schedule.is_due(state, time.time()):
                schedule.go_live(state)
        except Exception:  # the thread must outlive a bad moment of the cache or database
            logger.exception("Checking the schedule failed; checking again in a second.")
        finally:
            connections.close_all()  # this thread's own; it needs one rarely
