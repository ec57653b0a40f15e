"""What the app tells an edge (Varnish, a CDN): each public page's content keys and lifetime in
headers, and, after each write, the keys to purge, sent from the background with retries.

The real Varnish in front of real app servers is tested in test_edge.py."""

import http.server
import json
import logging
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from articles.roles import PIPELINE
from articles.services import article_update
from newsroom.delivery import content_versions, edge, middleware, public_pages
from tests.newsroom.test_cache_outage import free_port, unreachable, use_cache

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "default.vcl"


class EdgeReceiver:
    """An HTTP server standing in for an edge's purge endpoint: it records what it is sent."""

    def __init__(self, port=None, status=200):
        self.port = port or free_port()
        self.status = status
        self.received = []
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.received.append((self.command, self.path, headers, body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"Purged 3 pages.")

            do_PURGE = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def purged_keys(self, header="xkey-purge"):
        return {
            key for _, _, headers, _ in self.received for key in headers[header.lower()].split()
        }

    def wait_for(self, count=1, timeout=5):
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received


@pytest.fixture(autouse=True)
def own_outbox(monkeypatch):
    """Each test's purges wait in an outbox of its own, which no other test sees."""
    outbox = edge._Outbox()
    monkeypatch.setattr(edge, "_outbox", outbox)
    monkeypatch.setattr(edge, "REPEAT_AFTER_SECONDS", 0.1)
    yield outbox
    with outbox.condition:
        outbox.waiting.clear()
        outbox.again.clear()
        outbox.again_at.clear()


@pytest.fixture
def receiver(settings):
    running = EdgeReceiver().start()
    settings.EDGE_PURGE_URLS = [running.url]
    yield running
    edge.flush(timeout=1)
    running.stop()


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(edge, "FIRST_RETRY_SECONDS", 0.05)
    monkeypatch.setattr(edge, "LAST_RETRY_SECONDS", 0.2)


@pytest.fixture
def story(make_article, make_section):
    return make_article(
        title="Edge", slug="edge", section=make_section(slug="edge-desk"), tags=["Harbour"]
    )


def edit(article, **fields):
    for name, value in fields.items():
        setattr(article, name, value)
    return article_update(actor=PIPELINE, article=article)


def keys_of(response, header="xkey", separator=" "):
    return set(response[header].split(separator))


# The headers of a public page


def test_a_public_page_names_the_content_keys_it_shows(client, story):
    keys = f"article:{story.pk}", f"list:tag:{story.tags.get().pk}", "list:all", "site"
    front_page = client.get("/")
    assert set(keys) - {f"list:tag:{story.tags.get().pk}"} <= keys_of(front_page)
    tag_page = client.get("/tags/harbour/")
    assert {keys[0], keys[1], "site"} <= keys_of(tag_page)
    article_page = client.get("/articles/edge/")
    assert {keys[0], f"section:{story.section_id}", "site"} <= keys_of(article_page)
    assert "list:all" not in keys_of(article_page)


def test_hits_name_the_same_keys_as_the_render_that_stored_them(client, story):
    first, second = client.get("/articles/edge/"), client.get("/articles/edge/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert first["xkey"] == second["xkey"]
    assert first["Surrogate-Control"] == second["Surrogate-Control"]


def test_with_the_page_cache_off_pages_still_name_their_keys(client, story, settings):
    settings.PAGE_CACHE_SECONDS = 0
    response = client.get("/articles/edge/")
    assert response["X-Cache"] == "off"
    assert f"article:{story.pk}" in keys_of(response)


def test_without_purges_the_edge_keeps_pages_as_briefly_as_a_cdn(client, story, settings):
    settings.CDN_CACHE_SECONDS = 45
    response = client.get("/articles/edge/")
    assert response["Surrogate-Control"] == "max-age=45"
    assert "s-maxage=45" in response["Cache-Control"]


def test_with_purges_the_edge_keeps_pages_for_hours(client, story, receiver):
    response = client.get("/articles/edge/")
    assert response["Surrogate-Control"] == "max-age=86400"
    # Browsers and caches that are not purged keep to the short lifetime.
    assert "s-maxage=60" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("kind", "keys_header", "separator", "lifetime_header"),
    [
        ("fastly", "Surrogate-Key", " ", "Surrogate-Control"),
        ("cloudflare", "Cache-Tag", ",", "Cloudflare-CDN-Cache-Control"),
    ],
)
def test_each_kind_of_edge_gets_the_keys_in_its_own_header(
    client, story, settings, kind, keys_header, separator, lifetime_header
):
    settings.EDGE_KIND = kind
    response = client.get("/articles/edge/")
    assert f"article:{story.pk}" in keys_of(response, keys_header, separator)
    assert response[lifetime_header] == "max-age=60"
    assert not response.has_header("xkey")


def test_pages_rendered_for_one_person_name_no_keys(editor_client, story):
    response = editor_client.get("/articles/edge/")
    assert not response.has_header("xkey")
    assert not response.has_header("Surrogate-Control")
    assert "private" in response["Cache-Control"]


def test_a_missing_page_names_no_keys_and_is_not_kept(client, db):
    response = client.get("/articles/no-such-article/")
    assert response.status_code == 404
    assert not response.has_header("xkey")
    assert not response.has_header("Surrogate-Control")


def test_the_copy_served_while_a_purged_page_is_rendered_is_not_kept_by_the_edge(
    client, story, receiver
):
    client.get("/articles/edge/")
    edit(story, title="Edge, corrected")
    page = middleware.cache_key(RequestFactory().get("/articles/edge/"))
    cache.add(middleware.rebuild_lock(page), True)  # another request is rendering it now
    stale = client.get("/articles/edge/")
    assert stale["X-Cache"] == "stale"
    assert stale["Surrogate-Control"] == "max-age=0"
    assert "s-maxage=0" in stale["Cache-Control"]


@pytest.mark.parametrize("page_cache_seconds", [600, 0])
def test_a_page_rendered_while_an_edit_committed_is_not_kept_by_the_edge(
    client, story, receiver, settings, monkeypatch, page_cache_seconds
):
    settings.PAGE_CACHE_SECONDS = page_cache_seconds
    keys_of_page = public_pages.content_keys

    def edit_committed_while_rendering(view_name, shown):
        content_versions.purge({f"article:{story.pk}"})  # after the view read the article
        return keys_of_page(view_name, shown)

    monkeypatch.setattr(public_pages, "content_keys", edit_committed_while_rendering)
    response = client.get("/articles/edge/")
    assert response.status_code == 200
    assert response["Surrogate-Control"] == "max-age=0"
    monkeypatch.setattr(public_pages, "content_keys", keys_of_page)
    assert client.get("/articles/edge/")["Surrogate-Control"] == "max-age=86400"


# Purges


def test_an_edit_purges_what_it_changed_at_the_edge_twice(story, receiver):
    """The second purge, a moment later, removes a page rendered before the write committed
    that reached the edge just after the first."""
    edit(story, title="Edge, corrected")
    first, second = receiver.wait_for(2)
    assert first[:2] == second[:2] == ("PURGE", "/")
    assert first[2]["xkey-purge"] == second[2]["xkey-purge"]
    assert {f"article:{story.pk}", "article:any", "list:search"} <= receiver.purged_keys()
    assert f"article:{story.pk + 1}" not in receiver.purged_keys()
    time.sleep(0.3)
    assert len(receiver.received) == 2  # twice, not every 0.1 s


def test_every_configured_edge_gets_the_purge(story, receiver, settings):
    second = EdgeReceiver().start()
    settings.EDGE_PURGE_URLS = [receiver.url, second.url]
    try:
        edit(story, dek="A new dek.")
        assert receiver.wait_for(2) and second.wait_for(2)
        assert receiver.purged_keys() == second.purged_keys()
    finally:
        second.stop()


def test_nothing_is_sent_when_no_edge_is_configured(story, settings):
    listening = EdgeReceiver().start()
    try:
        assert settings.EDGE_PURGE_URLS == []
        edit(story, dek="A new dek.")
        assert edge.flush(timeout=1)
        assert listening.wait_for(1, timeout=0.3) == []
    finally:
        listening.stop()


def test_a_save_does_not_wait_for_an_edge_that_hangs(story, settings):
    with socket.socket() as hung:  # accepts connections, never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{hung.getsockname()[1]}/"]
        started = time.monotonic()
        edit(story, title="Saved at once")
        took = time.monotonic() - started
    # A save that waited for the edge would take its whole timeout.
    assert took < edge.REQUEST_TIMEOUT_SECONDS / 2
    story.refresh_from_db()
    assert story.title == "Saved at once"


def test_a_save_does_not_fail_on_an_edge_that_is_down_and_purges_it_when_it_is_back(
    story, settings, quick_retries, caplog
):
    down = EdgeReceiver()  # not started: its port refuses connections
    settings.EDGE_PURGE_URLS = [down.url]
    with caplog.at_level(logging.WARNING, logger="newsroom.edge"):
        edit(story, title="Saved anyway")
        deadline = time.monotonic() + 5
        while "Could not purge" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
        down.start()  # the edge comes back: the purge waiting for it arrives
        try:
            assert down.wait_for(1)
            assert f"article:{story.pk}" in down.purged_keys()
        finally:
            down.stop()
    story.refresh_from_db()
    assert story.title == "Saved anyway"
    assert f"Could not purge article:{story.pk}, article:any" in caplog.text
    assert "trying again in" in caplog.text
    assert down.url in caplog.text


def test_an_edge_that_refuses_the_purge_is_tried_again(story, receiver, quick_retries, caplog):
    receiver.status = 403
    with caplog.at_level(logging.WARNING, logger="newsroom.edge"):
        edit(story, title="Refused")
        receiver.wait_for(2)
        receiver.status = 200
        receiver.wait_for(3)
        assert edge.flush(timeout=2)
    assert "HTTP 403" in caplog.text
    assert "answers again after" in caplog.text
    assert f"article:{story.pk}" in receiver.purged_keys()


def test_purges_that_pile_up_for_an_edge_that_is_down_become_one_purge_of_everything(
    settings, quick_retries, monkeypatch, caplog
):
    monkeypatch.setattr(edge, "MAX_WAITING_KEYS", 5)
    down = EdgeReceiver()
    settings.EDGE_PURGE_URLS = [down.url]
    with caplog.at_level(logging.WARNING, logger="newsroom.edge"):
        edge.purge({f"article:{number}" for number in range(3)})
        while "Could not purge" not in caplog.text:
            time.sleep(0.01)
        edge.purge({f"article:{number}" for number in range(3, 6)})
    assert "purging every page there instead" in caplog.text
    down.start()
    try:
        down.wait_for(1)
        assert edge.flush(timeout=2)
        assert down.purged_keys() == {"site"}
    finally:
        down.stop()


def test_an_exiting_process_sends_what_waits_and_names_what_it_could_not(
    settings, quick_retries, caplog
):
    settings.EDGE_PURGE_URLS = [EdgeReceiver().url]  # never started
    edge.purge({"article:1"})
    with caplog.at_level(logging.ERROR, logger="newsroom.edge"):
        assert edge.flush(timeout=0.3) is False
    assert "pages showing article:1 may be out of date there" in caplog.text


def test_fastly_is_purged_through_its_api(story, receiver, settings):
    settings.EDGE_KIND, settings.EDGE_PURGE_TOKEN = "fastly", "fastly-token"
    edit(story, dek="A new dek.")
    method, _, headers, _ = receiver.wait_for(1)[0]
    assert method == "POST"
    assert headers["fastly-key"] == "fastly-token"
    assert f"article:{story.pk}" in receiver.purged_keys("Surrogate-Key")


def test_cloudflare_is_purged_through_its_api_thirty_tags_at_a_time(receiver, settings):
    settings.EDGE_KIND, settings.EDGE_PURGE_TOKEN = "cloudflare", "cf-token"
    edge.purge({f"article:{number}" for number in range(40)})
    received = receiver.wait_for(2)[:2]
    assert [method for method, *_ in received] == ["POST", "POST"]
    assert received[0][2]["authorization"] == "Bearer cf-token"
    tags = [json.loads(body)["tags"] for *_, body in received]
    assert [len(batch) for batch in tags] == [30, 10]
    assert {tag for batch in tags for tag in batch} == {f"article:{n}" for n in range(40)}


def test_a_cdn_without_a_token_is_refused_at_start():
    from tests.newsroom.test_settings import run_check

    result = run_check(
        DEBUG="1", EDGE_KIND="fastly", EDGE_PURGE_URLS="https://api.fastly.com/service/x/purge"
    )
    assert result.returncode != 0
    assert "set EDGE_PURGE_TOKEN" in result.stderr
    assert run_check(DEBUG="1", EDGE_KIND="akamai").returncode != 0


def test_a_purge_the_cache_missed_reaches_the_edge_again_when_the_cache_is_back(
    story, receiver, monkeypatch
):
    """While Varnish re-fetched a purged page, another app server could still give it the old
    copy from the page cache: once the cache takes the purge, the edge gets it again."""
    monkeypatch.setattr(content_versions, "_unsent", {f"article:{story.pk}"})
    Client().get("/")  # any public page's request sends what waits
    receiver.wait_for(1)
    assert receiver.purged_keys() == {f"article:{story.pk}"}
    assert content_versions._unsent == set()


# The edge's health probe


def test_the_edges_probe_finds_a_server_up_while_its_cache_is_down(settings, client, db):
    use_cache(settings, unreachable())
    response = client.get("/healthz/pages")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_the_edges_probe_is_answered_over_plain_http_with_https_on(settings, client, db):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz/pages").status_code == 200
    assert client.get("/articles/").status_code == 301  # everything else is redirected


def test_the_edge_drops_the_tracking_parameters_the_page_cache_ignores():
    dropped = re.search(r"\(utm_\[A-Za-z0-9_\]\*\|([a-z_|]+)\)=", VCL.read_text())
    assert set(dropped.group(1).split("|")) == middleware.TRACKING_PARAMETERS
