"""The shared cache's configuration, from CACHE_URL (used by settings, and by the tests that run
the cache production configures)."""

import environ

DEFAULT_CACHE_URL = "dbcache://newsroom_cache"


def cache_config(url: str) -> dict:
    """Return the CACHES entry for `url` (empty: a cache table in the database).

    The database cache is shared by every worker, command and app server on that database, so a
    write is seen by all of them at once; Redis is faster. Redis down or unreachable degrades
    the site instead of failing it (newsroom/cache_backends.py): a call gives up within the
    timeouts below, and for RETRY_SECONDS after a failure every call counts as a miss.
    """
    config = environ.Env.cache_url_config(url or DEFAULT_CACHE_URL)
    options = config.setdefault("OPTIONS", {})
    if config["BACKEND"].endswith("DatabaseCache"):
        options.setdefault("MAX_ENTRIES", 5_000)
        # incr() stores with the default timeout; it must outlast a vote rate-limit window.
        config.setdefault("TIMEOUT", 3_600)
    if config["BACKEND"].startswith("django_redis"):
        config["BACKEND"] = "newsroom.cache_backends.FailSoftRedisCache"
        config["OPTIONS"] = {
            "SOCKET_CONNECT_TIMEOUT": 0.25,
            "SOCKET_TIMEOUT": 0.5,
            **options,
        }
    return config


def is_shared(config: dict) -> bool:
    """Tell whether every process sees the same cache (one process's memory does not)."""
    return not config["BACKEND"].endswith(("LocMemCache", "DummyCache"))
