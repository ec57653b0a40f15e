import datetime as dt
import threading
import time
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from taggit.models import Tag

from articles import changes
from articles import urls as article_urls
from articles.models import Article, Page
from articles.roles import PIPELINE
from articles.services import article_update
from feedback.voters import COOKIE_NAME
from newsroom.delivery import content_versions, middleware, public_pages
from tests.conftest import reference

PUBLIC_PAGES = [
    "/",
    "/articles/cached/",
    "/tags/",
    "/tags/go/",
    "/sections/tools/",
    "/search/?q=cached",
    "/archive/",
    "/feeds/rss/",
    "/feeds/atom/",
    "/tags/go/atom/",
    "/sitemap.xml",
    "/sitemap-news.xml",
    "/robots.txt",
    "/how-it-works/",
]


@pytest.fixture
def cached_article(make_article, make_section):
    Page.objects.update_or_create(
        slug="how-it-works", defaults={"title": "How it works", "body": "We check."}
    )
    return make_article(
        title="Cached",
        slug="cached",
        section=make_section(name="Tools", slug="tools"),
        tags=["Go"],
        body="A claim [1].",
        references=[reference(1, title="Original source")],
    )


@pytest.fixture
def reader():
    """A reader without cookies, who gets the shared, cached pages (never the editor's client)."""
    return Client()


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_cached_page_is_served_without_touching_the_database(
    client, cached_article, django_assert_num_queries, url
):
    first = client.get(url)
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_public_pages_may_be_kept_briefly_by_a_cdn(client, cached_article):
    response = client.get("/articles/cached/")
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"


def test_conditional_get_answers_304_on_articles_and_feeds(client, cached_article):
    for url in ["/articles/cached/", "/feeds/atom/"]:
        response = client.get(url)
        assert response["ETag"] and response["Last-Modified"]
        assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 304
        since = {"if-modified-since": response["Last-Modified"]}
        assert client.get(url, headers=since).status_code == 304


def test_last_modified_follows_the_article(client, cached_article):
    response = client.get("/articles/cached/")
    assert response["Last-Modified"] == timezone.localtime(
        cached_article.updated_at, dt.UTC
    ).strftime("%a, %d %b %Y %H:%M:%S GMT")


# Every change readers could see makes the affected pages fresh at once


@pytest.fixture
def voter(cached_article):
    """A reader who voted on the cached article: they get the same pages as everyone."""
    client = Client()
    client.post("/articles/cached/feedback/", {"helpful": "yes"}, follow=True)  # thanked once
    assert client.cookies[COOKIE_NAME].value
    return client


def test_editing_an_article_in_the_admin_refreshes_its_pages(
    reader, voter, editor_client, cached_article
):
    for url in ["/", "/articles/cached/", "/feeds/rss/", "/search/?q=cached"]:
        html(reader, url)
    assert voter.get("/articles/cached/")["X-Cache"] == "hit"  # the page everyone gets
    published_at = timezone.localtime(cached_article.published_at)  # the admin shows local time
    data = {
        "title": "Cached, corrected",
        "slug": "cached",
        "dek": "New dek.",
        "body": "A corrected claim [1].",
        "byline": "Desk",
        "section": cached_article.section_id,
        "tags": "Go",
        "origin": "human",
        "status": "published",
        "published_at_0": published_at.date().isoformat(),
        "published_at_1": published_at.time().isoformat("seconds"),
        "references-TOTAL_FORMS": "1",
        "references-INITIAL_FORMS": "1",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
        "references-0-id": cached_article.references.get().pk,
        "references-0-article": cached_article.pk,
        "references-0-number": "1",
        "references-0-publisher": "Publisher",
        "references-0-title": "Replacement source",
        "references-0-url": "https://example.org/new",
    }
    response = editor_client.post(
        reverse("admin:articles_article_change", args=[cached_article.pk]), data
    )
    assert response.status_code == 302
    for url in ["/", "/articles/cached/", "/feeds/rss/"]:
        assert "Cached, corrected" in html(reader, url), url
    for client in (reader, voter):
        article_html = html(client, "/articles/cached/")
        assert "A corrected claim" in article_html and "Replacement source" in article_html
        assert "Original source" not in article_html
        assert '<meta property="og:title" content="Cached, corrected">' in article_html


@pytest.mark.parametrize(
    ("action", "visible"), [("unpublish", False), ("send_to_review", False), ("publish", True)]
)
def test_bulk_status_actions_refresh_the_listing(
    reader, editor_client, make_article, action, visible
):
    status = "draft" if action == "publish" else "published"
    article = make_article(title="Toggled", status=status, published_at=timezone.now())
    assert ("Toggled" in html(reader, "/")) is (status == "published")
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [article.pk]},
    )
    assert ("Toggled" in html(reader, "/")) is visible
    expected = 200 if visible else 404
    assert reader.get(article.get_absolute_url()).status_code == expected


def test_changing_a_reference_in_the_reference_admin_refreshes_the_article(
    reader, editor_client, cached_article
):
    html(reader, "/articles/cached/")
    ref = cached_article.references.get()
    editor_client.post(
        reverse("admin:references_reference_change", args=[ref.pk]),
        {"publisher": "P", "title": "Renamed source", "url": ref.url, "accessed_at": ""},
    )
    assert "Renamed source" in html(reader, "/articles/cached/")


def test_renaming_a_section_or_tag_refreshes_the_pages(reader, editor_client, cached_article):
    html(reader, "/articles/cached/")
    section = cached_article.section
    editor_client.post(
        reverse("admin:articles_section_change", args=[section.pk]),
        {"name": "Toolbox", "slug": "tools", "description": "", "position": 0},
    )
    assert "Toolbox" in html(reader, "/articles/cached/")
    tag = cached_article.tags.get()
    editor_client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": "Golang", "slug": "go"}
    )
    assert "Golang" in html(reader, "/tags/go/")


def test_editing_the_methodology_page_refreshes_it(reader, editor_client, cached_article):
    html(reader, "/how-it-works/")
    page = Page.objects.get(slug="how-it-works")
    editor_client.post(
        reverse("admin:articles_page_change", args=[page.pk]),
        {"title": "How it works", "slug": "how-it-works", "body": "We check twice."},
    )
    assert "We check twice." in html(reader, "/how-it-works/")


def test_an_import_refreshes_the_pages(client, tmp_path, db):
    payload = {
        "external_id": "cache-1",
        "title": "Imported once",
        "body": "Text [1], as the publication gates ask: two sources, cited [2].",
        "section": "News",
        "references": [
            {"number": n, "publisher": "P", "title": "T", "url": f"https://example.org/{n}"}
            for n in (1, 2)
        ],
        "status": "published",
        "provenance": {"origin": "human"},
        "published_at": "2026-01-01T00:00:00Z",
    }
    path = tmp_path / "a.json"
    path.write_text(__import__("json").dumps(payload))
    call_command("import_articles", str(path), stdout=StringIO())
    assert "Imported once" in html(client, "/")
    path.write_text(__import__("json").dumps(payload | {"title": "Imported twice"}))
    call_command("import_articles", str(path), stdout=StringIO())
    assert "Imported twice" in html(client, "/")
    assert "Imported twice" in html(client, "/articles/imported-once/")


@pytest.mark.parametrize("after_go_live", [dt.timedelta(0), dt.timedelta(seconds=61)])
def test_a_scheduled_article_appears_at_its_time_though_the_cached_pages_have_not_expired(
    client, make_article, after_go_live
):
    noon = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    go_live = noon + dt.timedelta(minutes=5)
    with time_machine.travel(noon, tick=False) as clock:
        make_article(title="Already out")
        make_article(title="Coming soon", slug="coming-soon", published_at=go_live)
        assert "Coming soon" not in html(client, "/")
        assert client.get("/")["X-Cache"] == "hit"
        assert client.get("/articles/coming-soon/").status_code == 404
        clock.move_to(go_live + after_go_live)  # well within PAGE_CACHE_SECONDS of caching
        assert "Coming soon" in html(client, "/")
        assert client.get("/articles/coming-soon/").status_code == 200


def test_a_draft_dated_in_the_future_does_not_empty_the_cache_at_that_date(client, make_article):
    noon = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(noon, tick=False) as clock:
        make_article(status=Article.Status.DRAFT, published_at=noon + dt.timedelta(minutes=5))
        client.get("/")
        clock.move_to(noon + dt.timedelta(minutes=6))
        assert client.get("/")["X-Cache"] == "hit"


def test_a_scheduled_article_appears_at_its_time_without_anyone_touching_it(client, make_article):
    make_article(title="Already out")
    make_article(title="Coming soon", published_at=timezone.now() + dt.timedelta(hours=1))
    assert "Coming soon" not in html(client, "/")
    assert client.get("/")["X-Cache"] == "hit"
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=1)):
        assert "Coming soon" in html(client, "/")
        assert (
            client.get(f"/articles/{Article.objects.get(title='Coming soon').slug}/").status_code
            == 200
        )


# Every public page is the same for every reader


def test_reader_a_vote_never_appears_for_reader_b(make_article):
    article = make_article(title="Voted on")
    reader_a, reader_b = Client(), Client()
    reader_b.get(article.get_absolute_url())  # B's page is now in the cache
    reader_a.post(f"{article.get_absolute_url()}feedback/", {"helpful": "no"})
    reader_a.cookies.pop("messages", None)  # read the page as on a later visit
    page_a = reader_a.get(article.get_absolute_url())
    assert page_a["X-Cache"] == "hit"
    page_b = reader_b.get(article.get_absolute_url())
    assert page_b.content == page_a.content
    assert "You answered" not in page_b.content.decode()
    assert "csrfmiddlewaretoken" not in page_b.content.decode()  # no token is ever shared


def test_a_reader_with_a_vote_cookie_gets_the_cached_page(make_article):
    article = make_article()
    Client().get(article.get_absolute_url())
    reader = Client()
    reader.cookies[COOKIE_NAME] = "anything"
    response = reader.get(article.get_absolute_url())
    assert response["X-Cache"] == "hit"
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"


def test_tracking_parameters_share_the_cached_page(client, cached_article):
    assert client.get("/articles/cached/?utm_source=newsletter")["X-Cache"] == "miss"
    for variant in ("?fbclid=IwAR0abc", "?utm_medium=social&utm_campaign=x", ""):
        assert client.get(f"/articles/cached/{variant}")["X-Cache"] == "hit", variant


def test_tracking_parameters_never_reach_links_on_shared_pages(client, make_article):
    for number in range(25):
        make_article(title=f"Model {number}", body="A model.")
    page = html(client, "/search/?q=model&utm_source=feed&page=1")
    assert "utm_source" not in page and "?q=model&amp;page=2" in page


def test_a_reader_just_thanked_for_a_vote_gets_a_page_of_their_own_once(make_article):
    """Without JavaScript, a vote comes back to the article page with a thank-you message,
    which only that reader may see; the page after that is the shared one again."""
    article = make_article(title="Voted on")
    Client().get(article.get_absolute_url())
    reader = Client()
    thanked = reader.post(f"{article.get_absolute_url()}feedback/", {"helpful": "yes"}, follow=True)
    assert "Thanks for your feedback." in thanked.content.decode()
    assert "private" in thanked["Cache-Control"] and thanked.get("X-Cache") != "hit"
    assert reader.get(article.get_absolute_url())["X-Cache"] == "hit"
    assert Client().get(article.get_absolute_url())["X-Cache"] == "hit"


def test_staff_preview_of_a_draft_is_never_cached(client, editor, make_article):
    draft = make_article(title="Secret draft", status=Article.Status.DRAFT)
    staff = Client()
    staff.force_login(editor)
    preview = staff.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"] and "private" in preview["Cache-Control"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    staff.get("/")
    listing = client.get("/")
    assert listing["X-Cache"] == "miss" and "Secret draft" not in listing.content.decode()


def test_admin_and_votes_are_never_cached(editor_client, make_article):
    article = make_article()
    admin_page = editor_client.get(reverse("admin:articles_article_changelist"))
    assert "no-store" in admin_page["Cache-Control"]
    vote = Client().post(f"{article.get_absolute_url()}feedback/", {"helpful": "yes"})
    assert "no-store" in vote["Cache-Control"]


def test_the_cache_can_be_turned_off(client, cached_article, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert client.get("/")["X-Cache"] == "off"
    client.get("/articles/cached/")
    assert client.get("/articles/cached/")["X-Cache"] == "off"


def test_each_host_gets_its_own_pages(client, make_article, settings):
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    make_article(title="Shared story")
    one = client.get("/", HTTP_HOST="one.example")
    assert one.status_code == 200 and one["X-Cache"] == "miss"
    assert client.get("/", HTTP_HOST="one.example")["X-Cache"] == "hit"
    two = client.get("/", HTTP_HOST="two.example")
    assert two["X-Cache"] == "miss"
    assert '<link rel="canonical" href="http://two.example/">' in two.content.decode()
    assert "one.example" not in two.content.decode()


def test_each_query_gets_its_own_page(client, make_article):
    make_article(title="About rivers")
    make_article(title="About mountains")
    assert "About rivers" in html(client, "/search/?q=rivers")
    mountains = client.get("/search/?q=mountains")
    assert mountains["X-Cache"] == "miss"
    assert "About mountains" in mountains.content.decode()
    assert "About rivers" not in mountains.content.decode()


def test_head_requests_share_the_cached_page(client, cached_article):
    client.get("/")
    head = client.head("/")
    assert head.status_code == 200 and head["X-Cache"] == "hit" and head.content == b""


def test_a_post_is_never_answered_from_the_cache(client, cached_article):
    client.get("/")
    response = client.post("/")
    assert response.status_code == 405 and "X-Cache" not in response


def test_shared_pages_do_not_vary_by_cookie(client, cached_article):
    for _ in range(2):  # stored, then served from the store
        response = client.get("/articles/cached/")
        assert "cookie" not in response.get("Vary", "").lower()


def test_a_page_rendered_for_one_reader_is_private_and_revalidated(editor_client, make_article):
    article = make_article()
    cache_control = editor_client.get(article.get_absolute_url())["Cache-Control"]
    directives = {directive.strip() for directive in cache_control.split(",")}
    assert {"private", "no-cache"} <= directives and "public" not in directives


def test_stored_pages_are_dropped_after_page_cache_seconds(client, make_article, settings):
    """Writes purge what they change; the lifetime bounds what no write announces (a new
    template, say) and the memory old pages hold."""
    settings.PAGE_CACHE_SECONDS = 420  # not the cache backend's default of 300
    start = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        make_article()
        client.get("/")
        clock.move_to(start + dt.timedelta(seconds=419))
        assert client.get("/")["X-Cache"] == "hit"
        clock.move_to(start + dt.timedelta(seconds=421))
        assert client.get("/")["X-Cache"] == "miss"


def test_a_missing_page_is_never_stored(client, db):
    assert client.get("/articles/not-yet/")["X-Cache"] == "miss"
    second = client.get("/articles/not-yet/")
    assert second.status_code == 404 and second["X-Cache"] == "miss"


# Public views made for these tests: what the page cache must refuse to store


class RenderGate:
    """Holds the /slow/ view mid-render while closed, so a test decides what happens
    during a render instead of guessing how long one takes on a loaded machine."""

    def __init__(self):
        self.closed = False
        self.entered = threading.Event()
        self.opened = threading.Event()

    def close(self):
        self.closed = True
        self.entered.clear()
        self.opened.clear()

    def wait_for_a_render(self):
        assert self.entered.wait(10), "no render started"

    def open(self):
        self.closed = False
        self.opened.set()

    def pass_through(self):
        if self.closed:
            self.entered.set()
            assert self.opened.wait(10), "the test never let the render finish"


@pytest.fixture
def render_gate():
    gate = RenderGate()
    yield gate
    gate.open()


@pytest.fixture
def test_views(settings, db, monkeypatch, render_gate):
    """Serve a few public pages built now and return the paths they rendered, in order."""
    renders = []

    def counted(status=200, cookie=False, gated=False, fails_on=()):
        def view(request):
            renders.append(request.path)
            if gated:
                render_gate.pass_through()
            failing = len(renders) in fails_on
            response = HttpResponse(f"Render {len(renders)}", status=500 if failing else status)
            if cookie:
                response.set_cookie("greeting", "hello")
            return response

        return view

    class urls:
        urlpatterns = [
            path("sets-a-cookie/", counted(cookie=True), name="sets-a-cookie"),
            path("gone/", counted(status=410), name="gone"),
            path("fails/", counted(status=500), name="fails"),
            path("unavailable/", counted(status=503), name="unavailable"),
            path("plain/", counted(), name="plain"),
            path("slow/", counted(gated=True), name="slow"),
            path("flaky/", counted(fails_on={2}), name="flaky"),
        ]

    for pattern in urls.urlpatterns:
        monkeypatch.setitem(public_pages.PUBLIC_PAGES, pattern.name, public_pages.no_list)
    settings.ROOT_URLCONF = urls
    return renders


@pytest.mark.parametrize("url", ["/sets-a-cookie/", "/gone/", "/fails/", "/unavailable/"])
def test_responses_that_set_a_cookie_or_are_errors_are_never_stored(client, test_views, url):
    first, second = client.get(url), client.get(url)
    assert first["X-Cache"] == second["X-Cache"] == "miss"
    assert test_views == [url, url]
    assert second.content == b"Render 2"


def test_an_ordinary_public_response_is_stored(client, test_views):
    client.get("/plain/")
    assert client.get("/plain/")["X-Cache"] == "hit" and test_views == ["/plain/"]


def test_a_purged_page_is_rendered_once_while_other_readers_get_the_copy_it_replaces(
    test_views, render_gate
):
    """No stampede: while one request renders a purged page, the others are answered at once
    with the previous copy; once it is stored, everyone gets the new one."""
    assert Client().get("/slow/").content == b"Render 1"
    with transaction.atomic():
        changes.record({changes.SITE})
    render_gate.close()
    rebuilding = threading.Thread(target=lambda: Client().get("/slow/"))
    rebuilding.start()
    render_gate.wait_for_a_render()
    meanwhile = [Client().get("/slow/") for _ in range(3)]
    render_gate.open()
    rebuilding.join()
    assert [(r["X-Cache"], r.content) for r in meanwhile] == [("stale", b"Render 1")] * 3
    after = Client().get("/slow/")
    assert (after["X-Cache"], after.content) == ("hit", b"Render 2")
    assert test_views == ["/slow/", "/slow/"]


def test_every_public_url_of_the_site_is_a_cached_page():
    """A new public view must say which lists it is (newsroom/delivery/public_pages.py), or
    that it is a file that never changes."""
    names = {f"articles:{pattern.name}" for pattern in article_urls.urlpatterns}
    assert names - public_pages.IMMUTABLE_FILES <= set(public_pages.PUBLIC_PAGES)


# A write refreshes exactly the pages that show what it changed


def edit_in_admin(editor_client, article, **changes):
    """Save the article's admin form with `changes`, the rest as it is."""
    published_at = timezone.localtime(article.published_at)  # the admin shows local time
    data = {
        "title": article.title,
        "slug": article.slug,
        "dek": article.dek,
        "body": article.body,
        "byline": article.byline,
        "section": article.section_id,
        "tags": ", ".join(article.tags.names()),
        "origin": article.origin,
        "status": article.status,
        "published_at_0": published_at.date().isoformat(),
        "published_at_1": published_at.time().isoformat("seconds"),
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    } | changes
    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def two_desks(make_article, make_section):
    """Two articles that share nothing: neither section, nor tag, nor a place in each other's
    related articles."""
    science, sport = make_section(name="Science"), make_section(name="Sport")
    return (
        make_article(title="Comet seen", section=science, tags=["Space"]),
        make_article(title="Cup final", section=sport, tags=["Football"]),
    )


def test_editing_a_dek_leaves_the_pages_of_unrelated_articles_cached(
    reader, editor_client, two_desks
):
    comet, cup = two_desks
    pages = ["/", "/feeds/rss/", comet.get_absolute_url(), cup.get_absolute_url()]
    pages += [cup.section.get_absolute_url(), "/tags/football/"]
    for url in pages:
        html(reader, url)
    edit_in_admin(editor_client, comet, dek="A brighter comet than expected.")
    for url in [cup.get_absolute_url(), cup.section.get_absolute_url(), "/tags/football/"]:
        assert reader.get(url)["X-Cache"] == "hit", url
    for url in ["/", comet.get_absolute_url(), "/feeds/rss/"]:
        assert "A brighter comet than expected." in html(reader, url), url


def test_publishing_refreshes_the_lists_it_enters_and_nothing_else(
    reader, editor_client, two_desks, make_article
):
    comet, cup = two_desks
    science = comet.section
    lists = ["/", science.get_absolute_url(), "/tags/space/", "/feeds/rss/", "/sitemap.xml"]
    unrelated = [cup.get_absolute_url(), cup.section.get_absolute_url(), "/tags/football/"]
    for url in [*lists, comet.get_absolute_url(), *unrelated]:
        html(reader, url)
    draft = make_article(
        title="Second comet", section=science, tags=["Space"], status=Article.Status.DRAFT
    )
    for url in [*lists, comet.get_absolute_url(), *unrelated]:
        assert reader.get(url)["X-Cache"] == "hit", f"a draft changed {url}"

    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    for url in lists:
        assert "Second comet" in html(reader, url) or draft.slug in html(reader, url), url
    assert "Second comet" in html(reader, comet.get_absolute_url())  # now a related article
    for url in unrelated:
        assert reader.get(url)["X-Cache"] == "hit", url


def test_publishing_in_a_busy_tag_refreshes_only_the_related_articles_it_enters(
    reader, make_article, make_section
):
    """Articles sharing a tag with a new one keep their cached pages unless it enters their
    related articles: those sharing more tags with each other keep their lists."""
    section = make_section()
    hours = [timezone.now() - dt.timedelta(hours=n) for n in range(1, 9)]
    close = [
        make_article(title=f"Ice {n}", section=section, tags=["Climate", "Ice"], published_at=at)
        for n, at in enumerate(hours[1:6])
    ]
    loose = make_article(title="Heat", section=section, tags=["Climate"], published_at=hours[0])
    for article in [*close, loose]:
        html(reader, article.get_absolute_url())
    make_article(title="Storm season", section=section, tags=["Climate"])
    for article in close:
        assert reader.get(article.get_absolute_url())["X-Cache"] == "hit", article.title
    assert "Storm season" in html(reader, loose.get_absolute_url())


def test_a_page_whose_section_fills_its_related_articles_shows_a_new_article_there(
    reader, make_article, make_section
):
    section = make_section()
    loner = make_article(title="Lonely", section=section, tags=["Rare"])
    sharing = [make_article(section=section, tags=["Busy"]) for _ in range(5)]
    for article in [loner, *sharing]:
        html(reader, article.get_absolute_url())
    make_article(title="New in the section", section=section, tags=["Elsewhere"])
    assert "New in the section" in html(reader, loner.get_absolute_url())
    for article in sharing:  # their related articles are four sharing their tag
        assert reader.get(article.get_absolute_url())["X-Cache"] == "hit"


def test_a_scheduled_article_enters_related_articles_when_it_goes_live(
    reader, make_article, make_section
):
    article = make_article(title="Glaciers retreat", section=make_section(), tags=["Ice"])
    for n in range(3):
        make_article(title=f"Ice {n}", section=make_section(), tags=["Ice"])
    make_article(
        title="Sea ice thins",
        section=make_section(),
        tags=["Ice"],
        published_at=timezone.now() + dt.timedelta(minutes=3),
    )
    assert "Sea ice thins" not in html(reader, article.get_absolute_url())
    assert reader.get(article.get_absolute_url())["X-Cache"] == "hit"
    # well within PAGE_CACHE_SECONDS (600) of caching
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=4)):
        assert "Sea ice thins" in html(reader, article.get_absolute_url())


def test_a_cached_page_is_answered_with_one_read_of_the_cache(client, cached_article, monkeypatch):
    url = cached_article.get_absolute_url()
    client.get(url)
    reads, backend = [], caches["default"]
    get_many = backend.get_many
    monkeypatch.setattr(backend, "get_many", lambda keys: reads.append(keys) or get_many(keys))
    assert client.get(url)["X-Cache"] == "hit"
    assert len(reads) == 1  # the page and the versions of what it shows, together


def test_a_page_is_judged_by_the_keys_stored_with_it_whatever_this_process_remembers(
    reader, cached_article
):
    url = cached_article.get_absolute_url()
    html(reader, url)
    # As if another app server had stored the page since, showing keys this process never saw.
    for key in list(middleware._keys_seen):
        middleware._keys_seen[key] = (changes.SITE,)
    cached_article.dek = "Corrected on another server"
    article_update(actor=PIPELINE, article=cached_article)
    assert "Corrected on another server" in html(reader, url)


def test_a_deploy_never_serves_pages_the_previous_release_rendered(
    client, cached_article, monkeypatch
):
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"
    monkeypatch.setattr("newsroom.delivery.middleware.release", lambda: "a-new-release")
    assert client.get("/")["X-Cache"] == "miss"


def test_a_listener_that_fails_after_commit_never_fails_the_write(editor_client, two_desks, caplog):
    comet, _ = two_desks

    def broken_edge(**kwargs):
        raise ConnectionError("edge unreachable")

    changes.content_changed.connect(broken_edge)
    try:
        edit_in_admin(editor_client, comet, dek="Saved all the same.")
    finally:
        changes.content_changed.disconnect(broken_edge)
    assert Article.objects.get(pk=comet.pk).dek == "Saved all the same."
    assert "broken_edge failed to follow a change of article:" in caplog.text
    assert "Saved all the same." in html(Client(), comet.get_absolute_url())


def test_an_expired_page_is_rendered_once_while_other_readers_get_the_last_copy(
    test_views, settings, render_gate
):
    settings.PAGE_CACHE_SECONDS = 1
    Client().get("/slow/")
    time.sleep(1.1)
    render_gate.close()
    rendering = threading.Thread(target=lambda: Client().get("/slow/"))
    rendering.start()
    render_gate.wait_for_a_render()
    meanwhile = Client().get("/slow/")
    render_gate.open()
    rendering.join()
    assert (meanwhile["X-Cache"], meanwhile.content) == ("stale", b"Render 1")
    assert Client().get("/slow/").content == b"Render 2"


def test_a_page_that_fails_to_render_again_keeps_its_last_good_copy(test_views, monkeypatch):
    assert Client().get("/flaky/").content == b"Render 1"
    with transaction.atomic():
        changes.record({changes.SITE})
    failed = Client().get("/flaky/")
    assert (failed.status_code, failed["X-Cache"], failed.content) == (200, "stale", b"Render 1")
    assert Client().get("/flaky/").content == b"Render 3"  # rendered again on the next request


def test_the_tag_index_follows_a_rename_among_hundreds_of_tags(reader, editor_client, make_article):
    make_article(tags=[f"Topic {number}" for number in range(250)])
    assert ">Topic 7 <" in html(reader, "/tags/")
    tag = Tag.objects.get(name="Topic 7")
    editor_client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": "Subject 7", "slug": tag.slug}
    )
    index = html(reader, "/tags/")
    assert ">Subject 7 <" in index and ">Topic 7 <" not in index


def test_pages_are_still_cached_and_purged_after_the_cache_lost_its_sequence_of_changes(
    reader, editor_client, two_desks
):
    html(reader, "/")
    cache.delete(content_versions.SEQUENCE_KEY)  # expired or evicted
    assert reader.get("/")["X-Cache"] == "hit"
    reader.get("/archive/")
    assert reader.get("/archive/")["X-Cache"] == "hit"
    edit_in_admin(editor_client, two_desks[0], dek="Still refreshed.")
    assert "Still refreshed." in html(reader, "/")
