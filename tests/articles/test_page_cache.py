import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone

from articles.models import Article, Page
from articles.page_cache import public_page
from feedback.voters import COOKIE_NAME
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
    assert "Cookie" in response["Vary"]


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
    """A reader who voted on the cached article: their article pages are rendered for them."""
    client = Client()
    client.post("/articles/cached/feedback/", {"helpful": "yes"}, follow=True)
    return client


def test_editing_an_article_in_the_admin_refreshes_its_pages(
    reader, voter, editor_client, cached_article
):
    for url in ["/", "/articles/cached/", "/feeds/rss/", "/search/?q=cached"]:
        html(reader, url)
    assert "Original source" in html(voter, "/articles/cached/")  # its fragments are stored
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


def test_a_readers_own_page_shows_the_stored_article_with_their_vote(
    voter, cached_article, make_article, django_assert_max_num_queries
):
    make_article(title="Also on Go", tags=["Go"])
    # The article with its stored parts (tags and references included), related articles
    # (candidates, cards, the section's latest to fill the list), the section navigation and
    # the reader's vote.
    with django_assert_max_num_queries(6):
        again = html(voter, "/articles/cached/")
    for shown in ("Original source", ">Go</a>", "Also on Go", "You answered <strong>Yes</strong>"):
        assert shown in again


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
        "body": "Text.",
        "section": "News",
        "status": "published",
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


# Nothing personal is ever served from the cache


def test_reader_a_vote_never_appears_for_reader_b(make_article):
    article = make_article(title="Voted on")
    reader_a, reader_b = Client(), Client()
    reader_b.get(article.get_absolute_url())  # B's page is now in the cache
    reader_a.post(f"{article.get_absolute_url()}feedback/", {"helpful": "no"})
    page_a = reader_a.get(article.get_absolute_url())
    assert "You answered <strong>No</strong>" in page_a.content.decode()
    assert "private" in page_a["Cache-Control"] and "X-Cache" not in page_a
    page_b = reader_b.get(article.get_absolute_url())
    assert page_b["X-Cache"] == "hit"
    assert "You answered" not in page_b.content.decode()
    assert "csrfmiddlewaretoken" not in page_b.content.decode()  # no token is ever shared


def test_a_readers_own_page_is_never_stored(make_article):
    article = make_article()
    reader = Client()
    reader.cookies[COOKIE_NAME] = "anything"
    reader.get(article.get_absolute_url())
    assert Client().get(article.get_absolute_url())["X-Cache"] == "miss"


def test_tracking_parameters_share_the_cached_page(client, cached_article):
    assert client.get("/articles/cached/?utm_source=newsletter")["X-Cache"] == "miss"
    for variant in ("?fbclid=IwAR0abc", "?utm_medium=social&utm_campaign=x", ""):
        assert client.get(f"/articles/cached/{variant}")["X-Cache"] == "hit", variant


def test_tracking_parameters_never_reach_links_on_shared_pages(client, make_article):
    for number in range(25):
        make_article(title=f"Model {number}", body="A model.")
    page = html(client, "/search/?q=model&utm_source=feed&page=1")
    assert "utm_source" not in page and "?q=model&amp;page=2" in page


def test_a_reader_who_voted_still_gets_cached_listings(make_article):
    article = make_article(title="Voted on")
    section_url = article.section.get_absolute_url()
    Client().get("/"), Client().get(section_url)  # both are now in the cache
    reader = Client()
    reader.post(f"{article.get_absolute_url()}feedback/", {"helpful": "yes"}, follow=True)
    own = reader.get(article.get_absolute_url())  # their answer: rendered for them
    assert "X-Cache" not in own and "You answered <strong>Yes</strong>" in own.content.decode()
    assert reader.get("/")["X-Cache"] == "hit"
    assert reader.get(section_url)["X-Cache"] == "hit"


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


def test_shared_pages_tell_caches_they_vary_by_cookie(client, cached_article):
    for _ in range(2):  # stored, then served from the store
        vary = [value.strip().lower() for value in client.get("/")["Vary"].split(",")]
        assert "cookie" in vary


def test_a_readers_own_page_is_private_and_revalidated(make_article):
    article = make_article()
    reader = Client()
    reader.cookies[COOKIE_NAME] = "anything"
    cache_control = reader.get(article.get_absolute_url())["Cache-Control"]
    directives = {directive.strip() for directive in cache_control.split(",")}
    assert {"private", "no-cache"} <= directives and "public" not in directives


def test_stored_pages_are_dropped_after_page_cache_seconds(client, make_article, settings):
    """Every change readers can see sets a new version; the lifetime bounds what nothing
    signals (a new template, say) and the memory old versions hold."""
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


@pytest.fixture
def test_views(settings, db):
    """Serve a few public views built now (marking a view happens when URLs are loaded) and
    return the paths they rendered, in order."""
    renders = []

    def counted(status=200, cookie=False, **marks):
        def view(request):
            renders.append(request.path)
            response = HttpResponse(f"Render {len(renders)}", status=status)
            if cookie:
                response.set_cookie("greeting", "hello")
            return response

        return public_page(view, **marks)

    class urls:
        urlpatterns = [
            path("sets-a-cookie/", counted(cookie=True)),
            path("gone/", counted(status=410)),
            path("fails/", counted(status=500)),
            path("unavailable/", counted(status=503)),
            path("plain/", counted()),
            path("moody/", counted(personalised_by=["mood"])),
        ]

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


def test_a_cookie_a_page_is_personalised_by_gets_it_rendered_and_private(test_views):
    Client().get("/moody/")
    assert Client().get("/moody/")["X-Cache"] == "hit"
    reader = Client()
    reader.cookies["mood"] = "sunny"
    own = reader.get("/moody/")
    assert own.content == b"Render 2" and "X-Cache" not in own
    assert "private" in own["Cache-Control"]
