"""The page cache: public pages stored whole, with the content keys they show.

Which requests: GET and HEAD of a public page (`public_pages`) without a session or messages
cookie, so the page is the same for every reader who gets it; anyone else (staff, a reader just
thanked for a vote) gets a page rendered for them and marked private. A hit is answered here,
before sessions, CSRF and authentication run, and without a database query.

Never stale: a write purges the keys it touched (`content_versions`), which makes exactly the
pages that show them stale. The next request for such a page renders it again while, for up to
REBUILD_SECONDS, other readers of that page get the copy it replaces, so a purge of a hot page
costs one render, not one per waiting reader. Pages are stored under the release that rendered
them (`release`), so a deploy never serves pages rendered by the code it replaced.
"""

import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, patch_cache_control, set_response_etag

from newsroom.delivery import content_versions, edge, public_pages, purging, schedule, shown
from newsroom.delivery.release import release

# How long other readers may get the previous copy of a purged page while one request renders
# the new one; if that render fails, the next request after this tries again.
REBUILD_SECONDS = 5
# How long a page is kept after it expired, for readers to get while it is rendered again.
EXPIRED_COPY_SECONDS = 60
# Click identifiers of ad and social networks and newsletters; utm_* are dropped too.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
    }
)
# The content keys of the pages this process read or stored last, by cache key: a hint that lets
# a hit read the page and its keys' versions in one round trip to the cache instead of two. Only
# a hint: a page is judged by the keys stored with it, and by versions read from the shared
# cache on every request; a hint that is missing or out of date costs the second round trip.
KEYS_REMEMBERED = 10_000
_keys_seen: dict[str, tuple[str, ...]] = {}
STORED_HEADERS = (
    "Content-Type",
    "Last-Modified",
    "Content-Language",
    "Content-Disposition",
    "ETag",
    "Cache-Control",
)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = public_pages.public_page(request)
        if page is None:
            return self.get_response(request)
        drop_tracking_parameters(request)
        if not is_shared_request(request):
            response = self.get_response(request)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if not settings.PAGE_CACHE_SECONDS:
            return self.render_uncached(request, page)

        purging.send_unsent()
        key = cache_key(request)
        # The page, and the versions of the keys it showed when this process last had it.
        asked = [content_versions.version_key(name) for name in _keys_seen.get(key, ())]
        found = cache.get_many([key, content_versions.SEQUENCE_KEY, schedule.STATE_KEY, *asked])
        if schedule.is_due(found.get(schedule.STATE_KEY), time.time()):
            schedule.go_live(found.get(schedule.STATE_KEY))
            found = cache.get_many([key, content_versions.SEQUENCE_KEY, *asked])
        stored = found.get(key)
        if stored is None:
            return self.render_and_store(request, page, key, found, previous=None)
        unasked = set(map(content_versions.version_key, stored["keys"])).difference(asked)
        if unasked:  # a page this process has not seen, or one that shows other keys now
            found |= cache.get_many(list(unasked))
            _remember_keys(key, stored["keys"])
        is_fresh = content_versions.is_fresh(stored["keys"], stored["sequence"], found)
        if is_fresh and time.time() < stored["stored_at"] + settings.PAGE_CACHE_SECONDS:
            return from_stored(stored, "hit")
        if not cache.add(rebuild_lock(key), True, timeout=REBUILD_SECONDS):
            return from_stored(stored, "stale")  # another request is rendering it now
        try:
            return self.render_and_store(request, page, key, found, previous=stored)
        finally:
            cache.delete(rebuild_lock(key))

    def render_uncached(self, request, page):
        """Render a public page with the page cache off, named by its keys for the edge."""
        if not edge.is_purged():
            response, content_keys = self.render(request, page)
            return shareable(response, "off", content_keys)
        # As the page cache does: an edit committed while the page was rendered must not leave
        # the out-of-date page at the edge for hours.
        sequence = content_versions.current_sequence(
            cache.get_many([content_versions.SEQUENCE_KEY])
        )
        response, content_keys = self.render(request, page)
        if content_keys is None:
            return shareable(response, "off")
        versions = cache.get_many([content_versions.version_key(name) for name in content_keys])
        keep = not content_versions.changed_since(content_keys, sequence, versions)
        return shareable(response, "off", content_keys, edge_may_keep=keep)

    def render(self, request, page):
        """Render a public page: the response, and the content keys it shows if it may be
        stored and shared (None if not: an error, a redirect, a page that sets a cookie)."""
        view_name, slug = page
        with shown.collecting(slug) as showing:
            response = self.get_response(request)
            if not is_storable(response):
                return response, None
            return response, public_pages.content_keys(view_name, showing)

    def render_and_store(self, request, page, key, found, previous):
        """Render the page and store it; `previous` is the copy it replaces, if any."""
        sequence = content_versions.current_sequence(found)
        response, content_keys = self.render(request, page)
        if content_keys is None:
            if response.status_code >= 500 and previous is not None:
                return from_stored(previous, "stale")  # the last good page, not an error
            cache.delete(key)  # gone or moved: no reader gets the old copy
            return shareable(response, "miss")
        set_response_etag(response)  # once, here, rather than hashing the page on every hit
        versions = cache.get_many([content_versions.version_key(name) for name in content_keys])
        keep = not content_versions.changed_since(content_keys, sequence, versions)
        shareable(response, "miss", content_keys, edge_may_keep=keep)
        content_versions.remember(content_keys, sequence, versions)
        _remember_keys(key, content_keys)
        cache.set(
            key,
            {
                "status": response.status_code,
                "content": response.content,
                "headers": {
                    name: response[name] for name in STORED_HEADERS if response.has_header(name)
                },
                "keys": sorted(content_keys),
                "sequence": sequence,
                "stored_at": time.time(),
            },
            # Kept a little longer than it is fresh, so that one request renders an expired
            # page again while the others get this copy, as for a purged one.
            timeout=settings.PAGE_CACHE_SECONDS + EXPIRED_COPY_SECONDS,
        )
        return response


def _remember_keys(key: str, content_keys) -> None:
    if len(_keys_seen) >= KEYS_REMEMBERED:
        _keys_seen.clear()  # rare, and costs each page one more round trip, once
    _keys_seen[key] = tuple(sorted(content_keys))


def is_shared_request(request) -> bool:
    """Tell whether the page may be the one every reader gets: a GET or HEAD from a reader
    without a session (staff) or pending messages (a reader just thanked for a vote)."""
    if request.method not in ("GET", "HEAD"):
        return False
    personal = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)
    return not any(request.COOKIES.get(name) for name in personal)  # "" is a deleted cookie


def is_storable(response) -> bool:
    return response.status_code == 200 and not response.cookies and not response.streaming


def cache_key(request) -> str:
    query = urlencode([(name, values) for name, values in sorted(request.GET.lists())], True)
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return f"page:{release()}:{hashlib.sha256(address.encode()).hexdigest()}"


def rebuild_lock(key: str) -> str:
    return f"{key}:rebuilding"


def from_stored(stored, cache_state: str) -> HttpResponse:
    response = HttpResponse(stored["content"], status=stored["status"])
    for name, value in stored["headers"].items():
        response[name] = value  # made shareable when stored
    # A copy served while another request renders the page again is out of date.
    edge.mark(response, stored["keys"], keep=cache_state == "hit")
    response["X-Cache"] = cache_state
    return response


def shareable(response, cache_state: str, content_keys=None, *, edge_may_keep=True):
    """Mark a response every reader may get: the same for all, so caches may share it; a page
    that may be stored names its content keys for the edge."""
    if response.status_code == 200:
        patch_cache_control(response, public=True, max_age=0, s_maxage=settings.CDN_CACHE_SECONDS)
    # Rendering may have read the (empty) session for messages, which adds Vary: Cookie; but a
    # shared page goes to every reader whatever their cookies, so caches must not split it.
    vary = [name for name in cc_delim_re.split(response.get("Vary", "")) if name]
    if any(name.lower() == "cookie" for name in vary):
        kept = [name for name in vary if name.lower() != "cookie"]
        if kept:
            response["Vary"] = ", ".join(kept)
        else:
            del response["Vary"]
    if content_keys is not None:
        edge.mark(response, content_keys, keep=edge_may_keep)
    response["X-Cache"] = cache_state
    return response


def drop_tracking_parameters(request) -> None:
    """Forget campaign and click identifiers (utm_*, fbclid, …): they never change a public
    page, and a link shared on social media would otherwise miss the cache on every click."""
    if any(is_tracking(name) for name in request.GET):
        request.GET = request.GET.copy()
        for name in [name for name in request.GET if is_tracking(name)]:
            del request.GET[name]


def is_tracking(name: str) -> bool:
    return name.startswith("utm_") or name in TRACKING_PARAMETERS
