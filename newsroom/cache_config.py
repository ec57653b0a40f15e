"""The shared cache's configuration, from CACHE_URL (used by settings, and by the tests that run
the cache production configures)."""

import environ

DEFAULT_CACHE_URL = "dbcache://newsroom_cache"


def cache_config(url: str) -> dict:
    """Return the CACHES entry for `url` (empty: a cache table in the database).

    The database cache is shared by every worker, command and app server on that database, so a
    write is seen by all of them at once; Redis is faster. Redis down or unreachable degrades
    the site instead of failing it: every cache call gives up within the timeouts below and
    counts as a miss (pages are rendered, uncached), the failure is logged by newsroom.cache,
    and the next call tries Redis again, so recovery needs no restart.
    """
    config = environ.Env.cache_url_config(url or DEFAULT_CACHE_URL)
    options = config.setdefault("OPTIONS", {})
    if config["BACKEND"].endswith("DatabaseCache"):
        options.setdefault("MAX_ENTRIES", 5_000)
    if config["BACKEND"].startswith("django_redis"):
        config["OPTIONS"] = {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.25,
            "SOCKET_TIMEOUT": 0.5,
            **options,
        }
    return config


def is_shared(config: dict) -> bool:
    """Tell whether every process sees the same cache (one process's memory does not)."""
    return not config["BACKEND"].endswith(("LocMemCache", "DummyCache"))
