"""The edge: an HTTP cache in front of the app servers (the shipped Varnish, or a CDN) that keeps
public pages for hours and is purged by the same content keys as the page cache.

- Every public page names its content keys in the header its kind of edge reads, and says how
  long the edge may keep it (`mark`): EDGE_CACHE_SECONDS when purges are sent, since they make
  it exact; CDN_CACHE_SECONDS otherwise.
- After a write commits, its keys go to every edge in EDGE_PURGE_URLS from a thread of the
  process (`purge`): a save never waits for an edge, and an edge that does not answer is tried
  again, with growing waits, until it does. Each purge and each failure is logged
  (`newsroom.edge`).
- With an edge, readers' requests stop reaching the app, which took scheduled articles live on
  the first request after their time (`schedule`); so each app server process checks the
  schedule every second instead (`app_server_started`, called by gunicorn.conf.py).
"""

import atexit
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
# How long an exiting command waits for the edges to take its purges.
EXIT_WAIT_SECONDS = 6
SCHEDULE_CHECK_SECONDS = 1


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
    (it holds pages the previous release rendered), and take scheduled articles live on time."""
    if not is_purged():
        return
    if cache.add(f"edge:release:{release()}", True, timeout=None):  # the release's first process
        logger.info("Release %s started: purging every page at the edge.", release())
        purge({changes.SITE})
    threading.Thread(target=_watch_schedule, name="edge-schedule", daemon=True).start()


def _watch_schedule() -> None:
    from newsroom.delivery import schedule

    while True:
        time.sleep(SCHEDULE_CHECK_SECONDS)
        try:
            state = cache.get(schedule.STATE_KEY)
            if schedule.is_due(state, time.time()):
                schedule.go_live(state)
                connections.close_all()  # this thread's own; it needs one again rarely
        except Exception:  # the thread must outlive a bad moment of the cache or database
            logger.exception("Checking the schedule failed; checking again in a second.")


class _Outbox:
    """Keys waiting to be purged at each edge, and the thread that sends them."""

    def __init__(self):
        self.condition = threading.Condition()
        self._reset()

    def _reset(self):
        self.waiting: dict[str, set[str]] = {}
        self.failures: dict[str, int] = {}
        self.next_try: dict[str, float] = {}
        self.sending = 0
        self.exiting = False
        self.thread = None
        self.pid = os.getpid()

    def add(self, keys: set[str]) -> None:
        with self.condition:
            if self.pid != os.getpid():  # a forked process: the parent's thread is not here
                self._reset()
            for url in settings.EDGE_PURGE_URLS:
                waiting = self.waiting.setdefault(url, set())
                if changes.SITE in waiting:
                    continue
                waiting |= keys
                if len(waiting) > MAX_WAITING_KEYS:
                    logger.warning(
                        "More than %d keys are waiting for %s: purging every page there instead.",
                        MAX_WAITING_KEYS,
                        url,
                    )
                    self.waiting[url] = {changes.SITE}
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="edge-purge", daemon=True)
                self.thread.start()
            self.condition.notify_all()

    def _run(self) -> None:
        while True:
            with self.condition:
                batches = self._take_due()
                while not batches:
                    self.condition.wait(self._seconds_to_next_try())
                    batches = self._take_due()
                self.sending += 1
            try:
                for url, keys in batches.items():
                    self._send(url, keys)
            finally:
                with self.condition:
                    self.sending -= 1
                    self.condition.notify_all()

    def _take_due(self) -> dict[str, set[str]]:
        now = time.monotonic()
        due = [
            url for url, keys in self.waiting.items() if keys and self.next_try.get(url, 0) <= now
        ]
        return {url: self.waiting.pop(url) for url in due}

    def _seconds_to_next_try(self):
        now = time.monotonic()
        tries = [self.next_try.get(url, 0) - now for url, keys in self.waiting.items() if keys]
        return max(min(tries), 0.01) if tries else None

    def _send(self, url: str, keys: set[str]) -> None:
        ordered = sorted(keys)
        size = kind().keys_per_purge
        for start in range(0, len(ordered), size):
            batch = ordered[start : start + size]
            started = time.monotonic()
            try:
                request = kind().purge_request(url, batch, settings.EDGE_PURGE_TOKEN)
                with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as answer:
                    said = answer.read(200).decode(errors="replace").strip().splitlines()
            except (OSError, ValueError) as error:  # refused, timed out, HTTP 4xx/5xx, bad URL
                self._failed(url, set(ordered[start:]), _reason(error))
                return
            self._answered(url, batch, said, time.monotonic() - started)

    def _answered(self, url, batch, said, took) -> None:
        with self.condition:
            failures = self.failures.pop(url, 0)
            self.next_try.pop(url, None)
        if failures:
            logger.warning("%s answers again after %d failed tries.", url, failures)
        logger.info(
            "Purged %s at %s (%d ms%s).",
            ", ".join(batch),
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
            waiting = self.waiting.setdefault(url, set())
            if changes.SITE not in waiting:
                waiting |= unsent
        logger.warning(
            "Could not purge %s at %s (%s); trying again in %g s. Until then readers may get the "
            "previous version of the pages showing them.",
            ", ".join(sorted(unsent)),
            url,
            reason,
            wait,
        )

    def flush(self, timeout: float) -> bool:
        """Send what waits now, trying each edge about twice a second until `timeout`; return
        whether everything was sent."""
        deadline = time.monotonic() + timeout
        with self.condition:
            if self.pid != os.getpid():
                return True
            self.exiting = True
            self.next_try.clear()  # try every edge at once, then twice a second
            self.condition.notify_all()
            while any(self.waiting.values()) or self.sending:
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


def flush(timeout: float = EXIT_WAIT_SECONDS) -> bool:
    """Wait until every edge took the purges waiting for it, at most `timeout` seconds."""
    return _outbox.flush(timeout)


atexit.register(flush)
