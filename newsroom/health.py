import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Answer 200 when the database and the cache both work, 503 naming the one that does not."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: "ok" if ok else "failing" for name, ok in checks.items()})
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
def pages_healthz(request):
    """For an edge's or load balancer's probe: 200 while this server can render pages, that is
    while its database answers. A cache that is down does not count: pages are then rendered for
    each request (slower, never wrong), and taking the server out would serve none."""
    healthy = _database_ok()
    state = "ok" if healthy else "failing"
    body = {"status": "ok" if healthy else "unavailable", "database": state}
    return JsonResponse(body, status=200 if healthy else 503)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means unhealthy; the reason is in the database's own logs
        return False


def _cache_ok() -> bool:
    # A key of its own for each check: checks running at once never read each other's token.
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", timeout=10)
        written = cache.get(key) == "ok"
        cache.delete(key)
        return written
    except Exception:  # a backend that raises rather than degrading is as unhealthy
        return False
