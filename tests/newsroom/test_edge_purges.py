"""What the app tells an edge (Varnish, a CDN): each public page's content keys and lifetime in
headers, and, after each write, the keys to purge, stored as rows that the task queue's worker
sends, with retries. The worker runs here in the test's process (`run_queue`), and the clock
stands still unless a test moves it (`clock`).

The real Varnish in front of real app servers, with a real worker, is tested in test_edge.py."""

import datetime as dt
import http.server
import json
import logging
import re
import socket
import threading
import time
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client, RequestFactory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.roles import PIPELINE
from articles.services import article_update
from newsroom.delivery import (
    content_versions,
    edge,
    edge_purges,
    middleware,
    public_pages,
    purging,
)
from newsroom.delivery.models import EdgePurge
from tests.newsroom.test_cache_outage import free_port, unreachable, use_cache

VCL = Path(__file__).resolve().parents[2] / "deploy" / "varnish" / "default.vcl"
SENT, PENDING = EdgePurge.Status.SENT, EdgePurge.Status.PENDING


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
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def purged_keys(self, header="xkey-purge"):
        return {
            key for _, _, headers, _ in self.received for key in headers[header.lower()].split()
        }


@pytest.fixture
def receiver(settings):
    running = EdgeReceiver().start()
    settings.EDGE_PURGE_URLS = [running.url]
    yield running
    running.stop()


@pytest.fixture
def clock():
    """Stop the clock; `clock.shift(seconds)` moves it on (retries and repeats come due)."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


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


def purges(**filters):
    return list(EdgePurge.objects.filter(**filters).order_by("created_at", "pk"))


def test_an_edit_purges_what_it_changed_at_the_edge_twice(
    story, receiver, clock, run_queue, caplog
):
    """The second purge, a moment later, removes a page rendered before the write committed
    that reached the edge just after the first."""
    with caplog.at_level(logging.INFO, logger="newsroom.edge"):
        edit(story, title="Edge, corrected")
        run_queue()
    assert len(receiver.received) == 1
    first = receiver.received[0]
    assert first[:2] == ("PURGE", "/")
    assert {f"article:{story.pk}", "article:any", "list:search"} <= receiver.purged_keys()
    assert f"article:{story.pk + 1}" not in receiver.purged_keys()
    assert f"at {receiver.url} (" in caplog.text and "ms: Purged 3 pages.)" in caplog.text

    clock.shift(edge_purges.REPEAT_AFTER_SECONDS - 0.1)
    run_queue()
    assert len(receiver.received) == 1
    clock.shift(0.1)
    run_queue()
    second = receiver.received[1]
    assert second[:2] == first[:2] and second[2]["xkey-purge"] == first[2]["xkey-purge"]

    clock.shift(60)
    run_queue()
    assert len(receiver.received) == 2  # twice, not again and again
    assert [(purge.status, purge.repeat, purge.attempts) for purge in purges()] == [
        (SENT, False, 1),
        (SENT, True, 1),
    ]


def test_every_configured_edge_gets_the_purge(story, receiver, settings, clock, run_queue):
    second = EdgeReceiver().start()
    settings.EDGE_PURGE_URLS = [receiver.url, second.url]
    try:
        edit(story, dek="A new dek.")
        run_queue()
        clock.shift(edge_purges.REPEAT_AFTER_SECONDS)
        run_queue()
    finally:
        second.stop()
    assert len(receiver.received) == len(second.received) == 2
    assert receiver.purged_keys() == second.purged_keys()
    assert f"article:{story.pk}" in receiver.purged_keys()


def test_nothing_is_stored_or_sent_when_no_edge_is_configured(story, settings, run_queue):
    listening = EdgeReceiver().start()
    try:
        assert settings.EDGE_PURGE_URLS == []
        edit(story, dek="A new dek.")
        run_queue()
    finally:
        listening.stop()
    assert listening.received == []
    assert not EdgePurge.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=edge_purges.send.module_path).exists()


def test_a_save_does_not_wait_for_an_edge_that_hangs(
    story, settings, run_queue, monkeypatch, caplog
):
    with socket.socket() as hung:  # accepts connections, never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{hung.getsockname()[1]}/"]
        started = time.monotonic()
        edit(story, title="Saved at once")
        took = time.monotonic() - started
        # A save that waited for the edge would take the worker's whole timeout.
        assert took < edge_purges.REQUEST_TIMEOUT_SECONDS / 2
        monkeypatch.setattr(edge_purges, "REQUEST_TIMEOUT_SECONDS", 0.2)
        with caplog.at_level(logging.WARNING, logger="newsroom.edge"):
            run_queue()
    story.refresh_from_db()
    assert story.title == "Saved at once"
    assert "timed out); trying again in 0.5 s" in caplog.text
    [purge] = purges()
    assert (purge.status, purge.attempts, purge.last_error) == (PENDING, 1, "timed out")


def test_a_save_does_not_fail_on_an_edge_that_is_down_and_purges_it_when_it_is_back(
    story, settings, clock, run_queue, caplog
):
    down = EdgeReceiver()  # not started: its port refuses connections
    settings.EDGE_PURGE_URLS = [down.url]
    with caplog.at_level(logging.WARNING, logger="newsroom.edge"):
        edit(story, title="Saved anyway")
        run_queue()
        down.start()  # the edge comes back: the purge waiting for it arrives at its next try
        try:
            run_queue()
            assert down.received == []
            clock.shift(edge_purges.FIRST_RETRY_SECONDS)
            run_queue()
        finally:
            down.stop()
    assert f"article:{story.pk}" in down.purged_keys()
    story.refresh_from_db()
    assert story.title == "Saved anyway"
    assert f"Could not purge article:{story.pk}, article:any" in caplog.text
    assert f"at {down.url} ([Errno 111] Connection refused); trying again in 0.5 s" in caplog.text
    assert f"{down.url} answers again after 1 failed tries." in caplog.text


def test_an_edge_that_refuses_the_purge_is_tried_again_waiting_twice_as_long_each_time(
    receiver, clock, run_queue, caplog
):
    receiver.status = 403
    edge.purge({"article:1"})
    waits = []
    with caplog.at_level(logging.WARNING, logger="newsroom.edge"):
        for _ in range(9):
            run_queue()
            [purge] = purges()
            waits.append((purge.next_attempt_at - timezone.now()).total_seconds())
            clock.shift(waits[-1])
        receiver.status = 200
        run_queue()
    assert waits == [0.5, 1, 2, 4, 8, 16, 32, 60, 60]
    assert len(receiver.received) == 10
    assert "(HTTP 403 Forbidden); trying again in 60 s" in caplog.text
    assert "answers again after 9 failed tries" in caplog.text
    first = purges(repeat=False)[0]
    assert (first.status, first.attempts, first.last_error) == (SENT, 10, "HTTP 403 Forbidden")


def test_purges_stored_while_an_edge_waits_go_with_its_next_try(settings, clock, run_queue):
    down = EdgeReceiver()
    settings.EDGE_PURGE_URLS = [down.url]
    edge.purge({"article:1"})
    run_queue()
    down.start()
    try:
        edge.purge({"article:2"})
        run_queue()
        assert down.received == []  # the edge's wait holds for new purges too
        clock.shift(edge_purges.FIRST_RETRY_SECONDS)
        run_queue()
    finally:
        down.stop()
    assert len(down.received) == 1
    assert down.purged_keys() == {"article:1", "article:2"}


def test_purges_that_pile_up_for_an_edge_that_is_down_become_one_purge_of_everything(
    settings, clock, run_queue, monkeypatch, caplog
):
    monkeypatch.setattr(edge_purges, "MAX_WAITING_KEYS", 5)
    down = EdgeReceiver()
    settings.EDGE_PURGE_URLS = [down.url]
    edge.purge({f"article:{number}" for number in range(3)})
    run_queue()
    edge.purge({f"article:{number}" for number in range(3, 6)})
    down.start()
    try:
        clock.shift(edge_purges.FIRST_RETRY_SECONDS)
        with caplog.at_level(logging.WARNING, logger="newsroom.edge"):
            run_queue()
    finally:
        down.stop()
    assert f"More than 5 keys are waiting for {down.url}" in caplog.text
    assert "purging every page there instead" in caplog.text
    assert len(down.received) == 1
    assert down.purged_keys() == {"site"}


def test_a_purge_outlives_the_process_that_made_it(story, settings, run_queue):
    """From the moment its write commits a purge is a row: the process that wrote (an import,
    which ends at once) keeps nothing of it, and the next worker to run sends it."""
    later = EdgeReceiver()  # no edge answers while the process runs
    settings.EDGE_PURGE_URLS = [later.url]
    edit(story, title="Stored, not sent")
    started = time.monotonic()
    purging._before_exit()  # what an ending process does: it waits for no edge
    assert time.monotonic() - started < 0.5
    [purge] = purges()
    assert purge.status == PENDING and purge.attempts == 0
    assert f"article:{story.pk}" in purge.keys
    later.start()
    try:
        run_queue()
    finally:
        later.stop()
    assert f"article:{story.pk}" in later.purged_keys()
    assert purges(repeat=False)[0].status == SENT


def test_a_purge_one_worker_is_sending_is_not_sent_by_another(receiver, clock, run_queue):
    edge.purge({"article:1"})
    # A worker claims the purge due now, and is sending it…
    [claimed] = edge_purges._claim(receiver.url, "worker-one", timezone.now())
    assert claimed.keys == ["article:1"]
    edge.purge({"article:2"})
    run_queue()  # …when another worker runs: it sends only what it claims itself.
    assert receiver.purged_keys() == {"article:2"}
    assert EdgePurge.objects.get(pk=claimed.pk).status == EdgePurge.Status.SENDING
    # The first worker died: once its claim runs out, the task queued with it sends its purge.
    clock.shift(edge_purges.CLAIM_SECONDS - 1)
    run_queue()
    assert "article:1" not in receiver.purged_keys()
    clock.shift(2)
    run_queue()
    assert "article:1" in receiver.purged_keys()
    assert EdgePurge.objects.get(pk=claimed.pk).status == SENT


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_the_same_purge(receiver, clock):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write at a time; the test above covers its claims")
    keys = [f"article:{number}" for number in range(60)]
    stored = threading.Event()

    def work():
        try:
            while not stored.is_set():
                edge_purges.send.call(receiver.url)
            edge_purges.send.call(receiver.url)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for key in keys:
        edge.purge({key})
    stored.set()
    for worker in workers:
        worker.join(timeout=30)
    sent = [key for _, _, headers, _ in receiver.received for key in headers["xkey-purge"].split()]
    # Each key once (their repeats are not due: the clock stands still), whichever worker sent it.
    assert sorted(sent) == sorted(keys)
    first = EdgePurge.objects.filter(repeat=False)
    assert set(first.values_list("status", "attempts")) == {(SENT, 1)}


def test_a_new_release_purges_every_page_at_the_edge_and_again_after_the_graceful_timeout(
    receiver, clock, run_queue, monkeypatch
):
    monkeypatch.setenv("GUNICORN_GRACEFUL_TIMEOUT", "10")
    edge._purge_after_deploy()
    run_queue()
    assert receiver.purged_keys() == {"site"} and len(receiver.received) == 1
    clock.shift(edge_purges.REPEAT_AFTER_SECONDS)
    run_queue()
    assert len(receiver.received) == 2
    clock.shift(10 + 5 - edge_purges.REPEAT_AFTER_SECONDS)
    run_queue()
    assert len(receiver.received) == 3
    assert receiver.purged_keys() == {"site"}


def test_fastly_is_purged_through_its_api(story, receiver, settings, run_queue):
    settings.EDGE_KIND, settings.EDGE_PURGE_TOKEN = "fastly", "fastly-token"
    edit(story, dek="A new dek.")
    run_queue()
    method, _, headers, _ = receiver.received[0]
    assert method == "POST"
    assert headers["fastly-key"] == "fastly-token"
    assert f"article:{story.pk}" in receiver.purged_keys("Surrogate-Key")


def test_cloudflare_is_purged_through_its_api_thirty_tags_at_a_time(receiver, settings, run_queue):
    settings.EDGE_KIND, settings.EDGE_PURGE_TOKEN = "cloudflare", "cf-token"
    edge.purge({f"article:{number}" for number in range(40)})
    run_queue()
    received = receiver.received
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
    story, receiver, monkeypatch, run_queue
):
    """While Varnish re-fetched a purged page, another app server could still give it the old
    copy from the page cache: once the cache takes the purge, the edge gets it again."""
    monkeypatch.setattr(content_versions, "_unsent", {f"article:{story.pk}"})
    Client().get("/")  # any public page's request sends what waits
    run_queue()
    assert receiver.purged_keys() == {f"article:{story.pk}"}
    assert content_versions._unsent == set()


def test_sent_purges_are_deleted_after_a_week_and_waiting_ones_kept(
    settings, receiver, clock, run_queue
):
    down = EdgeReceiver()
    settings.EDGE_PURGE_URLS = [receiver.url, down.url]
    edge.purge({"article:1"})
    run_queue()
    clock.shift(edge_purges.REPEAT_AFTER_SECONDS)
    run_queue()
    assert {purge.status for purge in purges(edge_url=receiver.url)} == {SENT}
    clock.shift(dt.timedelta(days=edge_purges.KEEP_SENT_DAYS, seconds=1))
    edge.purge({"article:2"})
    run_queue()  # the worker prunes now and then: once an hour
    assert [purge.keys for purge in purges(edge_url=receiver.url)] == [["article:2"]] * 2
    assert [purge.keys for purge in purges(edge_url=down.url, status=PENDING)] == [
        ["article:1"],
        ["article:2"],
    ]
    week_ago = timezone.now() - dt.timedelta(days=edge_purges.KEEP_SENT_DAYS)
    runs = DBTaskResult.objects.filter(task_path=edge_purges.send.module_path)
    assert runs.exists() and not runs.filter(finished_at__lt=week_ago).exists()


# The list of purges in the admin


def test_editors_see_what_the_edge_was_sent_and_what_waits_and_change_nothing(
    editor_client, receiver, clock, run_queue
):
    edge.purge({"article:7", "list:all"})
    edge.purge({f"tag:{number:02}" for number in range(12)})
    run_queue()
    clock.shift(edge_purges.REPEAT_AFTER_SECONDS)
    run_queue()
    receiver.status = 503
    edge.purge({"article:9"})
    run_queue()

    page = editor_client.get("/admin/delivery/edgepurge/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "article:7, list:all" in text and "HTTP 503 Service Unavailable" in text
    assert "tag:00, tag:01, tag:02" in text and "tag:09 and 2 more" in text
    waiting = editor_client.get("/admin/delivery/edgepurge/?status__exact=pending")
    assert "article:9" in waiting.content.decode()
    assert "article:7" not in waiting.content.decode()
    sent = editor_client.get("/admin/delivery/edgepurge/?status__exact=sent")
    assert "article:7" in sent.content.decode() and "article:9" not in sent.content.decode()

    purge = EdgePurge.objects.get(keys=["article:9"])
    detail = f"/admin/delivery/edgepurge/{purge.pk}/change/"
    assert editor_client.get(detail).status_code == 200
    assert editor_client.post(detail, {"status": "sent"}).status_code == 403
    assert editor_client.get("/admin/delivery/edgepurge/add/").status_code == 403
    assert editor_client.post(f"/admin/delivery/edgepurge/{purge.pk}/delete/").status_code == 403
    assert EdgePurge.objects.get(pk=purge.pk).status == PENDING


def test_writers_do_not_see_the_purges(client, writer):
    client.force_login(writer)
    assert client.get("/admin/delivery/edgepurge/").status_code == 403


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
