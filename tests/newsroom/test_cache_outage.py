"""With the cache unreachable the site keeps serving readers, and recovers by itself."""

import logging
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from feedback.models import Vote
from newsroom.cache_config import cache_config

# Nothing listens on port 1: connections are refused at once, as when Redis has stopped.
UNREACHABLE = "redis://127.0.0.1:1/0"


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
        "/how-it-works/",
    ]


@pytest.fixture
def story(make_article):
    return make_article(title="Outage story", tags=["Outages"])


def test_every_public_page_is_served_while_the_cache_is_unreachable(settings, story):
    use_cache(settings, UNREACHABLE)
    reader = Client()
    for url in public_urls(story):
        response = reader.get(url)
        assert response.status_code in (200, 404), url  # 404: the methodology page may be absent
        assert response.status_code == 200 or url == "/how-it-works/", url
    assert "Outage story" in reader.get(story.get_absolute_url()).content.decode()


def test_healthz_names_the_cache_as_failing(settings, client, db):
    use_cache(settings, UNREACHABLE)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "failing"}


def test_votes_are_recorded_while_the_cache_is_unreachable(settings, story):
    use_cache(settings, UNREACHABLE)
    url = f"{story.get_absolute_url()}feedback/"
    response = Client().post(url, {"helpful": "yes"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["helpful"] == "yes"
    assert Vote.objects.filter(article=story, helpful=True).count() == 1


@pytest.fixture
def new_outage():
    """Forget outages other tests logged: a new one is said at once."""
    for log_filter in logging.getLogger("newsroom.cache").filters:
        log_filter.last_logged = float("-inf")


def test_an_outage_is_logged_in_one_line_not_once_per_cache_call(
    settings, story, caplog, new_outage
):
    use_cache(settings, UNREACHABLE)
    caplog.set_level(logging.WARNING, logger="newsroom.cache")
    for _ in range(3):
        Client().get(story.get_absolute_url())
    outage = [r for r in caplog.records if r.name == "newsroom.cache"]
    assert len(outage) == 1
    assert outage[0].getMessage().startswith("Cache unreachable (ConnectionError")
    assert outage[0].exc_info is None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A Redis server of the test's own, to stop and start again."""

    def __init__(self, port: int):
        self.port, self.process = port, None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
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

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (Debian's redis-server package)")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def test_the_site_recovers_when_redis_comes_back_without_a_restart(settings, story, own_redis):
    use_cache(settings, f"redis://127.0.0.1:{own_redis.port}/0")
    reader, url = Client(), story.get_absolute_url()
    assert reader.get(url)["X-Cache"] == "miss"
    assert reader.get(url)["X-Cache"] == "hit"

    own_redis.stop()
    assert reader.get(url).status_code == 200
    assert reader.get("/healthz").json()["cache"] == "failing"

    own_redis.start()  # empty, as a restarted Redis without persistence is
    assert reader.get("/healthz").status_code == 200
    assert reader.get(url)["X-Cache"] == "miss"
    assert reader.get(url)["X-Cache"] == "hit"


def test_healthz_checks_running_at_once_do_not_fail_each_other(client, db):
    def poll(_):
        return [Client().get("/healthz").status_code for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for batch in pool.map(poll, range(8)) for status in batch]
    assert statuses == [200] * 200
    assert not [key for key in cache._cache if "healthz" in key]  # checks clean up after
