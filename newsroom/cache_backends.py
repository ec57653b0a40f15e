"""Redis as a cache the site can live without.

While Redis is down or hangs, every cache call would fail or wait out its timeout, several times
a page. This backend gives up instead: after a call fails it answers every call from memory as a
miss (reads find nothing, writes are dropped) for RETRY_SECONDS, then tries Redis again, so a
hung Redis costs one timeout per process every few seconds rather than every call. It says once
when the cache goes and once when it is back (logger `newsroom.cache`).

A purge of the page cache that was dropped is kept and sent again by the page cache itself
(newsroom/delivery/content_versions.py), which alone knows which of its writes matter.
"""

import functools
import logging
import threading
import time

from django_redis.cache import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("newsroom.cache")

RETRY_SECONDS = 5


class Outage:
    """Whether one process can reach one Redis: shared by the process's threads, as Django
    makes a cache object per thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0

    def is_down(self) -> bool:
        return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, error: Exception, retry_seconds: float, location: str) -> None:
        with self.lock:
            now = time.monotonic()
            if self.down_since is None:
                self.down_since = now
                logger.warning(
                    "Cache unreachable at %s (%s: %s); pages are served uncached, trying again "
                    "every %s s.",
                    location,
                    type(error).__name__,
                    error,
                    retry_seconds,
                )
            self.retry_at = now + retry_seconds

    def answered(self, location: str) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is not None:
                logger.warning(
                    "Cache reachable again at %s after %.0f s.",
                    location,
                    time.monotonic() - self.down_since,
                )
                self.down_since = None


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_of(location: str) -> Outage:
    with _outages_lock:
        return _outages.setdefault(location, Outage())


def fail_soft(*, miss=lambda *args, **kwargs: None):
    """Run a cache call against Redis unless it is down; when it is (or the call fails), answer
    `miss(...)`."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            outage = self.outage
            if not outage.is_down():
                try:
                    result = method(self, *args, **kwargs)
                except (RedisError, OSError) as error:
                    outage.failed(error, self.retry_seconds, self._server)
                else:
                    outage.answered(self._server)
                    return result
            return miss(*args, **kwargs)

        return call

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _all_keys(data, *args, **kwargs):
    return list(data)


class FailSoftRedisCache(RedisCache):
    """django-redis's cache, degrading to misses while Redis cannot be reached."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.retry_seconds = float(params.get("OPTIONS", {}).get("RETRY_SECONDS", RETRY_SECONDS))
        self.outage = outage_of(str(server))

    get = fail_soft(miss=_default)(RedisCache.get)
    get_many = fail_soft(miss=lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = fail_soft(miss=lambda *args, **kwargs: False)(RedisCache.has_key)
    set = fail_soft(miss=lambda *args, **kwargs: False)(RedisCache.set)
    add = fail_soft(miss=lambda *args, **kwargs: False)(RedisCache.add)
    set_many = fail_soft(miss=_all_keys)(RedisCache.set_many)
    touch = fail_soft(miss=lambda *args, **kwargs: False)(RedisCache.touch)
    delete = fail_soft(miss=lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = fail_soft()(RedisCache.delete_many)
    incr = fail_soft()(RedisCache.incr)
    decr = fail_soft()(RedisCache.decr)
    clear = fail_soft()(RedisCache.clear)
