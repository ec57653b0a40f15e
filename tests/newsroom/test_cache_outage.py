"""With the cache unreachable the site keeps serving readers, and recovers by itself."""

import itertools
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.test import Client

from articles.roles import PIPELINE
from articles.services import article_update
from feedback.models import Vote
from newsroom.cache_config import cache_config

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
