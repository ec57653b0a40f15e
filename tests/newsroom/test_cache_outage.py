"""With the cache unreachable the site keeps serving readers, and recovers by itself."""

import itertools
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from django.test import Client

from articles.roles import PIPELINE
from articles.services import article_update
from feedback.models import Vote
from newsroom.cache_config import cache_config

PROJECT = Path(__file__).resolve().parents[2]

_databases = itertools.count()


def unreachable():
    """Return the address of a Redis that refuses connections, as a stopped one does (nothing
    listens on port 1); each test gets its own, as a process remembers an outage."""
    return f"redis://127.0.0.1:1/{next(_databases)}"


def use_cache(settings, url):
    settings.CACHES = {**settings.CACHES, "default": cache_config(url)}


def public_urls(article):
    return [
        "/",
        article.get_absolute_url(),
        article.section.get_absolute_url(),
        "/tags/",
        "/tags/outages/",
        "/search/?q=outage",
        "/feeds/rss/",
        "/sitemap.xml",
        "/archive/",
    ]


@pytest.fixture
def story(make_article):
    return make_article(title="Outage story", tags=["Outages"])


def test_every_public_page_is_served_while_the_cache_is_unreachable(settings, story):
    use_cache(settings, unreachable())
    reader = Client()
    for url in public_urls(story):
        response = reader.get(url)
        assert response.status_code == 200, url
    assert "Outage story" in reader.get(story.get_absolute_url()).content.decode()


def test_healthz_names_the_cache_as_failing(settings, client, db):
    use_cache(settings, unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "failing"}


def test_votes_are_recorded_while_the_cache_is_unreachable(settings, story):
    use_cache(settings, unreachable())
    url = f"{story.get_absolute_url()}feedback/"
    response = Client().post(url, {"helpful": "yes"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["helpful"] == "yes"
    assert Vote.objects.filter(article=story, helpful=True).count() == 1


def test_an_outage_is_logged_once_not_once_per_cache_call(settings, story, caplog):
    use_cache(settings, unreachable())
    caplog.set_level(logging.WARNING, logger="newsroom.cache")
    for _ in range(3):
        Client().get(story.get_absolute_url())
    outage = [r for r in caplog.records if r.name == "newsroom.cache"]
    assert len(outage) == 1
    assert outage[0].getMessage().startswith("Cache unreachable at redis://127.0.0.1:1/")
    assert "ConnectionError" in outage[0].getMessage()
    assert outage[0].exc_info is None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A Redis server of the test's own, to stop, freeze and start again; it keeps its data in
    `folder` when stopped with `stop(save=True)`, as a Redis with persistence does."""

    def __init__(self, port: int, folder):
        self.port, self.folder, self.process = port, folder, None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--dir", str(self.folder), "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self, *, save=False):
        if save:
            redis.Redis(port=self.port).shutdown(save=True)
        else:
            self.process.terminate()
        self.process.wait(timeout=10)

    def freeze(self):
        """Stop answering, with connections still accepted: a hung Redis."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (Debian's redis-server package)")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.thaw()
        server.stop()


def own_cache(settings, own_redis):
    """Use the test's own Redis, trying again soon after a failure (5 s in production)."""
    use_cache(settings, f"redis://127.0.0.1:{own_redis.port}/0?retry_seconds=0.2")


def test_the_site_recovers_when_redis_comes_back_without_a_restart(settings, story, own_redis):
    own_cache(settings, own_redis)
    reader, url = Client(), story.get_absolute_url()
    assert reader.get(url)["X-Cache"] == "miss"
    assert reader.get(url)["X-Cache"] == "hit"

    own_redis.stop()
    assert reader.get(url).status_code == 200
    assert reader.get("/healthz").json()["cache"] == "failing"

    own_redis.start()  # empty, as a restarted Redis without persistence is
    time.sleep(0.3)  # past the retry delay
    assert reader.get("/healthz").status_code == 200
    assert reader.get(url)["X-Cache"] == "miss"
    assert reader.get(url)["X-Cache"] == "hit"


def test_an_edit_made_while_redis_was_down_shows_once_it_is_back(settings, story, own_redis):
    """Redis kept its pages from before the outage; the edit's new version never reached it."""
    own_cache(settings, own_redis)
    reader, url = Client(), story.get_absolute_url()
    reader.get(url)
    assert reader.get(url)["X-Cache"] == "hit"

    own_redis.stop(save=True)
    story.title = "Corrected during the outage"
    article_update(actor=PIPELINE, article=story)
    own_redis.start()  # with the pages it saved
    time.sleep(0.3)  # past the retry delay

    page = reader.get(url)
    assert page["X-Cache"] == "miss"
    assert "Corrected during the outage" in page.content.decode()


def test_a_hung_redis_costs_one_timeout_not_one_per_cache_call(settings, story, own_redis):
    own_cache(settings, own_redis)
    settings.CACHES["default"]["OPTIONS"]["RETRY_SECONDS"] = 60
    reader = Client()
    own_redis.freeze()
    started = time.monotonic()
    for url in public_urls(story) * 2:
        assert reader.get(url).status_code == 200
    # Each page makes four or more cache calls of up to 0.5 s each: 20 pages would take over
    # 40 s if each call waited; one timeout, then none, takes about one second.
    assert time.monotonic() - started < 10


def test_healthz_checks_running_at_once_do_not_fail_each_other(settings, db, own_redis):
    own_cache(settings, own_redis)

    def poll(_):
        return [Client().get("/healthz").status_code for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for batch in pool.map(poll, range(8)) for status in batch]
    assert statuses == [200] * 200
    assert redis.Redis(port=own_redis.port).keys("*healthz*") == []  # checks clean up after


# A command (the pipeline's import) that writes while Redis is down


@pytest.fixture
def command_with_own_redis(tmp_path, own_redis):
    """Run manage.py commands on a database of their own, with the test's Redis as the cache."""
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": f"redis://127.0.0.1:{own_redis.port}/0?retry_seconds=0.2",
        "DEBUG": "0",
        "SECRET_KEY": "s" * 50,
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    payload = tmp_path / "article.json"

    def start(*args):
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def import_title(title):
        payload.write_text(json.dumps(imported_article(title)))
        return start("import_articles", str(payload))

    for setup in (["migrate"], ["collectstatic"]):  # production settings: hashed statics
        command = start(*setup, "--noinput", "-v0")
        assert command.wait(timeout=120) == 0, command.stderr.read()
    first = import_title("The first title")
    assert first.wait(timeout=120) == 0, first.stderr.read()
    return import_title


def imported_article(title):
    return {
        "external_id": "outage-1",
        "title": title,
        "slug": "outage",
        "body": "A body [1], as the publication gates ask: two sources, cited [2].",
        "references": [
            {"number": n, "publisher": "P", "title": "T", "url": f"https://example.org/{n}"}
            for n in (1, 2)
        ],
        "section": "news",
        "status": "published",
        "provenance": {"origin": "human"},
        "published_at": "2026-01-05T09:00:00+00:00",
    }


def purged_keys(own_redis) -> set[str]:
    names = redis.Redis(port=own_redis.port).keys("*content:version:*")
    return {name.decode().rsplit("content:version:", 1)[1] for name in names}


def wait_for_line(stream, text, timeout=60) -> list[str]:
    """Read `stream` until a line contains `text`; return the lines read."""
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"{text!r} never came:\n{''.join(lines)}")


def test_an_import_made_while_redis_is_down_purges_when_it_is_back_before_the_command_exits(
    command_with_own_redis, own_redis
):
    own_redis.stop()
    command = command_with_own_redis("The corrected title")
    wait_for_line(command.stderr, "The cache is unreachable")  # its purge failed
    own_redis.start()  # empty, but the purge must still reach it
    rest = command.stderr.read()
    assert command.wait(timeout=30) == 0
    assert "The cache is back: purged" in rest
    assert {"article:1", "list:search"} <= purged_keys(own_redis)


def test_an_import_while_redis_stays_down_exits_and_says_which_pages_may_be_stale(
    command_with_own_redis, own_redis
):
    own_redis.stop()
    started = time.monotonic()
    command = command_with_own_redis("The corrected title")
    errors = command.stderr.read()
    assert command.wait(timeout=60) == 0  # the import itself succeeded
    assert time.monotonic() - started < 30
    assert "Exiting with purges the cache never took" in errors
    assert "article:1" in errors
