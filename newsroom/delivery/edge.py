"""The edge: an HTTP cache in front of the app servers (the shipped Varnish, or a CDN) that keeps
public pages for hours and is purged by the same content keys as the page cache.

- Every public page names its content keys in the header its kind of edge reads, and says how
  long the edge may keep it (`mark`): EDGE_CACHE_SECONDS when purges are sent, since they make
  it exact; CDN_CACHE_SECONDS otherwise.
- After a write commits, its keys go to every edge in EDGE_PURGE_URLS from a thread of the
  process (`purge`): a save never waits for an edge, and an edge that does not answer is tried
  again, with growing waits, until it does; each purge is sent a second time two seconds later.
  Each purge and each failure is logged (`newsroom.edge`).
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
import urllib.error
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils.cache import patch_cache_control

from articles import changes
from newsroom.delivery.release import release

logger = logging.getLogger("newsroom.edge")

# How long one purge request may take before the edge counts as not answering.
REQUEST_TIMEOUT_SECONDS = 3
# Waits between tries at an edge that does not answer: doubling from the first to the last.
FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 60
# Past this many keys waiting for one edge, the whole site is purged there instead.
MAX_WAITING_KEYS = 1_000
# Each purge is sent a second time this much later: a page the app rendered before the write
# committed and the edge stored just after the first purge arrived is gone then too.
REPEAT_AFTER_SECONDS = 2
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


def purge(keys) -> None:
    """Send `keys` to every configured edge, from the background (nothing when none is)."""
    if is_purged() and keys:
        _outbox.add(set(keys))


def app_server_started() -> None:
    """Take up an app server process's part in keeping the edge right: purge it after a deploy
    (it holds pages the previous release rendered), take scheduled articles live on time, and
    send the purges the page cache missed while it was unreachable."""
    if not is_purged():
        return
    _purge_after_deploy()
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
    graceful = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30")) + 5
    timer = threading.Timer(graceful, purge, args=({changes.SITE},))
    timer.daemon = True
    timer.start()


def _every_second() -> None:
    from newsroom.delivery import purging, schedule

    while True:
        time.sleep(SCHEDULE_CHECK_SECONDS)
        try:
            purging.send_unsent()
            state = cache.get(schedule.STATE_KEY)
            if schedule.is_due(state, time.time()):
                schedule.go_live(state)
                connections.close_all()  # this thread's own; it needs one again rarely
        except Exception:  # the thread must outlive a bad moment of the cache or database
            logger.exception("Checking the schedule failed; checking again in a second.")


class _Outbox:
    """Keys waiting to be purged at each edge, and the thread that sends them."""

    def __init__(self):
        self._reset()
        # A forked process (a gunicorn worker) has none of its parent's threads, and may have
        # been forked while one of them held the lock.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self):
        self.condition = threading.Condition()
        self.waiting: dict[str, set[str]] = {}  # by edge
        self.again: dict[str, set[str]] = {}  # purged once, to purge a second time at again_at
        self.again_at: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self.next_try: dict[str, float] = {}
        self.sending = 0
        self.exiting = False
        self.thread = None

    def add(self, keys: set[str]) -> None:
        with self.condition:
            for url in settings.EDGE_PURGE_URLS:
                self._wait(url, keys)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="edge-purge", daemon=True)
                self.thread.start()
            self.condition.notify_all()

    def _wait(self, url: str, keys: set[str]) -> None:
        waiting = self.waiting.setdefault(url, set())
        if changes.SITE in waiting:
            return
        waiting |= keys
        if len(waiting) > MAX_WAITING_KEYS:
            logger.warning(
                "More than %d keys are waiting for %s: purging every page there instead.",
                MAX_WAITING_KEYS,
                url,
            )
            self.waiting[url] = {changes.SITE}

    def _run(self) -> None:
        while True:
            with self.condition:
                batches = self._take_due()
                while not batches:
                    self.condition.wait(self._seconds_to_next_try())
                    batches = self._take_due()
                self.sending += 1
            try:
                for url, keys, repeat in batches:
                    self._send(url, keys, repeat)
            finally:
                with self.condition:
                    self.sending -= 1
                    self.condition.notify_all()

    def _take_due(self) -> list[tuple[str, set[str], bool]]:
        now = time.monotonic()
        repeats = [url for url, at in self.again_at.items() if at <= now]
        batches = [(url, self.again.pop(url, set()), True) for url in repeats]
        for url in repeats:
            del self.again_at[url]
        ready = [url for url in self.waiting if self.next_try.get(url, 0) <= now]
        return batches + [(url, self.waiting.pop(url), False) for url in ready if self.waiting[url]]

    def _seconds_to_next_try(self):
        now = time.monotonic()
        tries = [self.next_try.get(url, 0) for url, keys in self.waiting.items() if keys]
        tries += self.again_at.values()
        return max(min(tries) - now, 0.01) if tries else None

    def _send(self, url: str, keys: set[str], repeat: bool) -> None:
        ordered = sorted(keys)
        size = kind().keys_per_purge
        for start in range(0, len(ordered), size):
            batch = ordered[start : start + size]
            started = time.monotonic()
            try:
                request = kind().purge_request(url, batch, settings.EDGE_PURGE_TOKEN)
                with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as answer:
                    said = answer.read(200).decode(errors="replace").strip().splitlines()
            except Exception as error:  # refused, timed out, HTTP 4xx/5xx, not HTTP, bad URL
                self._failed(url, set(ordered[start:]), _reason(error))
                return
            self._answered(url, batch, repeat, said, time.monotonic() - started)

    def _answered(self, url, batch, repeat, said, took) -> None:
        with self.condition:
            failures = self.failures.pop(url, 0)
            self.next_try.pop(url, None)
            if not repeat:
                self.again.setdefault(url, set()).update(batch)
                self.again_at.setdefault(url, time.monotonic() + REPEAT_AFTER_SECONDS)
                self.condition.notify_all()
        if failures:
            logger.warning("%s answers again after %d failed tries.", url, failures)
        logger.log(
            logging.DEBUG if repeat else logging.INFO,
            "Purged %s%s at %s (%d ms%s).",
            ", ".join(batch),
            " again" if repeat else "",
            url,
            took * 1000,
            f": {said[0][:120]}" if said else "",
        )

    def _failed(self, url, unsent: set[str], reason: str) -> None:
        with self.condition:
            failures = self.failures[url] = self.failures.get(url, 0) + 1
            wait = min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), LAST_RETRY_SECONDS)
            if self.exiting:
                wait = FIRST_RETRY_SECONDS
            self.next_try[url] = time.monotonic() + wait
            self._wait(url, unsent)
        logger.warning(
            "Could not purge %s at %s (%s); trying again in %g s. Until then readers may get the "
            "previous version of the pages showing them.",
            ", ".join(sorted(unsent)),
            url,
            reason,
            wait,
        )

    def flush(self, timeout: float) -> bool:
        """Send what waits now, trying each edge about twice a second until `timeout`, and
        the second purges when they are due; return whether everything was sent."""
        deadline = time.monotonic() + timeout
        with self.condition:
            self.exiting = True
            self.next_try.clear()  # try every edge at once, then twice a second
            self.condition.notify_all()
            while any(self.waiting.values()) or self.again or self.sending:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.condition.wait(min(left, FIRST_RETRY_SECONDS))
            self.exiting = False
            unsent = {url: keys for url, keys in self.waiting.items() if keys}
        for url, keys in unsent.items():
            logger.error(
                "Exiting with purges %s never took: pages showing %s may be out of date there "
                "until they expire (EDGE_CACHE_SECONDS).",
                url,
                ", ".join(sorted(keys)),
            )
        return not unsent


def _reason(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__


_outbox = _Outbox()


def flush(timeout: float) -> bool:
    """Wait until every edge took the purges waiting for it, at most `timeout` seconds."""
    return _outbox.flush(timeout)
