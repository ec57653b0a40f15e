"""A whole-page cache for public pages that is never stale and never personal.

Which pages: views marked with `public_page` (listing, article, tag, section, search, archives,
feeds, sitemaps). Which requests: GET and HEAD without a session or messages cookie, nor a
cookie the page itself depends on (the reader's vote, on article pages), so the HTML is the
same for every reader who gets it; anyone else (staff, a reader opening an article they voted
on) gets a freshly rendered page. A hit is answered here, before sessions, CSRF and
authentication run, and without a database query.

Never stale: every key carries a content version. Any change readers could see (an article,
its references or tags, a section, a page) sets a new version, at once and again after the
transaction commits, so the old pages are never read again. The version also records when the
next scheduled article goes live; the first request after that moment sets a new version.
"""

import hashlib
import time
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers, set_response_etag

STATE_KEY = "page-cache:state"
# A reader with one of these gets every public page rendered for them (the session cookie too).
PERSONAL_COOKIES = (CookieStorage.cookie_name,)
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
STORED_HEADERS = (
    "Content-Type",
    "Last-Modified",
    "Content-Language",
    "Content-Disposition",
    "ETag",
    "Cache-Control",
    "Vary",
)


def public_page(view, personalised_by=()):
    """Mark a view whose anonymous responses may be cached and shared; `personalised_by` names
    the further cookies that change what it shows."""
    view.public_page = True
    view.personalised_by = tuple(personalised_by)
    return view


def is_public_request(request, personalised_by=()) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    personal = (settings.SESSION_COOKIE_NAME, *PERSONAL_COOKIES, *personalised_by)
    return not any(request.COOKIES.get(name) for name in personal)  # "" is a deleted cookie


def invalidate() -> None:
    """Make every cached page stale: now, and again once the current transaction commits."""
    _new_state()
    transaction.on_commit(_new_state)


def _new_state() -> dict:
    from articles.models import Article  # the cache sits below the models it watches

    next_at = Article.objects.scheduled().aggregate(first=Min("published_at"))["first"]
    state = {"version": uuid.uuid4().hex, "next_at": next_at.timestamp() if next_at else None}
    cache.set(STATE_KEY, state, timeout=None)
    return state


def current_version() -> str:
    state = cache.get(STATE_KEY)
    if (
        lost_writes()
        or state is None  # a cold cache
        or (state["next_at"] is not None and time.time() >= state["next_at"])  # going live
    ):
        state = _new_state()
    return state["version"]


def lost_writes() -> bool:
    """Tell whether the cache dropped writes while it was unreachable: a new version made then
    never reached it, so the pages it kept from before may be out of date."""
    take_lost_writes = getattr(cache, "take_lost_writes", None)  # Redis only: see CACHES
    return take_lost_writes is not None and take_lost_writes()


def request_version(request) -> str:
    """The content version for this request, read from the cache at most once per request."""
    if not hasattr(request, "content_version"):
        request.content_version = current_version()
    return request.content_version


def drop_tracking_parameters(request) -> None:
    """Forget campaign and click identifiers (utm_*, fbclid, …): they never change a public
    page, and a link shared on social media would otherwise miss the cache on every click."""
    if any(is_tracking(name) for name in request.GET):
        request.GET = request.GET.copy()
        for name in [name for name in request.GET if is_tracking(name)]:
            del request.GET[name]


def is_tracking(name: str) -> bool:
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def page_key(request, version: str) -> str:
    query = urlencode([(name, values) for name, values in sorted(request.GET.lists())], True)
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return f"page-cache:{version}:{hashlib.sha256(address.encode()).hexdigest()}"


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.public_view(request)
        request.is_public = view is not None and is_public_request(request, view.personalised_by)
        if view is None:
            return self.get_response(request)
        drop_tracking_parameters(request)
        if not request.is_public:
            response = self.get_response(request)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if not settings.PAGE_CACHE_SECONDS:
            return self.shareable(self.get_response(request), "off")

        key = page_key(request, request_version(request))
        stored = cache.get(key)
        if stored is not None:
            response = self.rebuild(stored)  # its headers were made shareable when stored
            response["X-Cache"] = "hit"
            return response
        response = self.shareable(self.get_response(request), "miss")
        if response.status_code == 200 and not response.cookies and not response.streaming:
            set_response_etag(response)  # once, here, rather than hashing the page on every hit
            cache.set(key, self.store(response), timeout=settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def public_view(request):
        """Return the view marked with `public_page` that answers this request, if any."""
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            return None
        return view if getattr(view, "public_page", False) else None

    @staticmethod
    def store(response) -> dict:
        headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
        return {"status": response.status_code, "content": response.content, "headers": headers}

    @staticmethod
    def rebuild(stored) -> HttpResponse:
        response = HttpResponse(stored["content"], status=stored["status"])
        for name, value in stored["headers"].items():
            response[name] = value
        return response

    @staticmethod
    def shareable(response, cache_state: str):
        if response.status_code == 200:
            patch_cache_control(
                response, public=True, max_age=0, s_maxage=settings.CDN_CACHE_SECONDS
            )
        patch_vary_headers(response, ["Cookie"])
        response["X-Cache"] = cache_state
        return response
