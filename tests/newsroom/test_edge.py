"""The real edge: Varnish with deploy/varnish/default.vcl in front of two app servers (gunicorn,
production settings) on one PostgreSQL database and one Redis, and the task queue's worker that
sends the purges, as the README's "The edge" shows. Readers' pages are edge hits; a write made
anywhere refreshes, within a second, exactly the pages that show what it changed."""

import email.utils
import html.parser
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.newsroom.test_cache_outage import RedisServer, free_port

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT / "deploy"))
from serve_edge import Varnish, stop_worker, worker_command  # noqa: E402

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
EDITOR_PASSWORD = "an editor's long password"
REFRESH_SECONDS = 1
GRACEFUL_TIMEOUT = 1
# Far enough ahead that the import scheduling it is done well before, on a busy machine.
SCHEDULED_IN = 10


def have_varnish() -> bool:
    vmods = Path("/usr/lib").glob("**/varnish/vmods/libvmod_xkey.so")
    return shutil.which("varnishd", path="/usr/sbin:/usr/bin") is not None and any(vmods)


pytestmark = pytest.mark.skipif(
    not have_varnish(), reason="Varnish with xkey is not installed (.ci/run installs it)"
)


class Site:
    """Two app servers, their database and cache, and the edge in front of them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.database = f"newsroom_edge_{uuid.uuid4().hex[:8]}"
        self.redis = RedisServer(free_port(), folder)
        self.ports = [free_port(), free_port()]
        self.edge = Varnish(free_port(), [f"127.0.0.1:{port}" for port in self.ports])
        self.servers = []
        self.worker = None
        self.environment = os.environ | {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": f"{POSTGRES}/{self.database}",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis.port}/0",
            "DEBUG": "0",
            "SECRET_KEY": "s" * 50,
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "EDGE_PURGE_URLS": self.edge.url + "/",
            "TRUSTED_PROXY_COUNT": "1",
            "PUBLISH_GATES": "",  # the articles these tests publish are about the edge
            "WEB_CONCURRENCY": "2",
            "DJANGO_SUPERUSER_PASSWORD": EDITOR_PASSWORD,
            "MEDIA_ROOT": str(folder / "media"),  # share cards
            # The first worker purges the edge as a new release starts, and again after the
            # graceful timeout: let that be over before the tests read the edge.
            "GUNICORN_GRACEFUL_TIMEOUT": str(GRACEFUL_TIMEOUT),
        }
        for name in ("PAGE_CACHE_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE", "EDGE_KIND"):
            self.environment.pop(name, None)

    def start(self):
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self.redis.start()
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("createsuperuser", "--noinput", "--username", "editor", "--email", "e@x.org")
        started = time.monotonic()
        self.servers = [self.start_app_server(port) for port in self.ports]
        self.start_worker()
        self.edge.start()
        time.sleep(max(0.0, started + GRACEFUL_TIMEOUT + 5 + 1 - time.monotonic()))
        return self

    def start_app_server(self, port):
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            cwd=PROJECT,
            env=self.environment | {"BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / f"server-{port}.log").open("w"),
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                return server
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the app server on port {port} did not start")

    def start_worker(self):
        self.worker = subprocess.Popen(
            worker_command(),
            cwd=PROJECT,
            env=self.environment,
            stdout=(self.folder / "worker.log").open("a"),
            stderr=subprocess.STDOUT,
        )

    def stop(self):
        if self.worker is not None:
            stop_worker(self.worker)
        self.edge.stop()
        for server in self.servers:
            server.terminate()
        for server in self.servers:
            server.wait(timeout=30)
        self.redis.stop()
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def publish(self, *, settle=True, **fields):
        """Import one article (the pipeline's write path, in a process of its own); with
        `settle`, wait until the worker has sent its purges, their repeat included, so that no
        purge of this write reaches the edge while a test reads what it holds."""
        article = {
            "body": "A body.",
            "section": "news",
            "status": "published",
            "published_at": "2026-01-05T09:00:00+00:00",
        } | fields
        article.setdefault("external_id", article["slug"])
        path = self.folder / f"{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(article))
        self.manage("import_articles", str(path))
        if settle:
            self.settle()

    def settle(self, timeout=15):
        deadline = time.monotonic() + timeout
        unsent = "SELECT count(*) FROM delivery_edgepurge WHERE status <> 'sent'"
        while self.query(unsent) != [(0,)]:
            if time.monotonic() > deadline:
                raise AssertionError(f"purges still unsent after {timeout} s")
            time.sleep(0.05)

    def purge_latency(self, key):
        """Seconds from a write storing its purge of `key` (as it commits) to the edge taking
        it (the newest first purge of `key`); printed, as `refreshed_within` does."""
        [(stored, sent)] = self.query(
            "SELECT created_at, sent_at FROM delivery_edgepurge WHERE NOT repeat AND keys ? %s "
            "ORDER BY created_at DESC LIMIT 1",
            key,
        )
        took = (sent - stored).total_seconds()
        print(f"the purge of {key} reached the edge {took:.3f} s after it was stored")
        return took

    def article_id(self, slug):
        return self.query("SELECT id FROM articles_article WHERE slug = %s", slug)[0][0]

    def query(self, sql, *parameters):
        with psycopg.connect(f"{POSTGRES}/{self.database}") as connection:
            return connection.execute(sql, parameters).fetchall()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    try:
        psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432")
    running = Site(tmp_path_factory.mktemp("edge"))
    try:
        yield running.start()
    finally:
        running.stop()


def read(url, headers=None):
    """GET `url`: (X-Edge-Cache, body)."""
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers.get("X-Edge-Cache"), response.read().decode()


def held(url):
    """Read `url` until the edge holds it; return its body."""
    for _ in range(20):
        state, body = read(url)
        if state == "hit":
            return body
        time.sleep(0.05)
    raise AssertionError(f"{url} never became an edge hit")


def refreshed_within(url, text, timeout=5):
    """Read `url` until it shows `text` (giving up after `timeout` s); return how long that took,
    which is printed (pytest -rP shows it): the purge latency the README states."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if text in read(url)[1]:
            took = time.monotonic() - started
            print(f"{url} showed {text!r} after {took:.3f} s")
            return took
        time.sleep(0.02)
    raise AssertionError(f"{url} never showed {text!r}")


def unique(name):
    return f"{name}-{uuid.uuid4().hex[:6]}"


def test_a_page_is_an_edge_hit_on_the_second_read(site):
    slug = unique("second-read")
    site.publish(slug=slug, title="Read twice")
    first, second = (
        read(f"{site.edge.url}/articles/{slug}/"),
        read(f"{site.edge.url}/articles/{slug}/"),
    )
    assert first[0] == "miss" and second[0] == "hit"
    assert second[1] == first[1] and "Read twice" in second[1]


def test_a_share_card_is_drawn_once_then_kept_by_the_edge(site):
    slug = unique("card")
    site.publish(slug=slug, title="Card at the edge")
    page = read(f"{site.edge.url}/articles/{slug}/")[1]
    image = re.search(r'<meta property="og:image" content="([^"]+)">', page).group(1)
    assert image.startswith(f"{site.edge.url}/articles/{slug}/share-card-")
    answers = []
    for _ in range(2):
        with urllib.request.urlopen(image, timeout=10) as response:
            answers.append((response.headers["X-Edge-Cache"], response.read()))
    assert [state for state, _ in answers] == ["miss", "hit"]
    assert answers[0][1] == answers[1][1] and answers[0][1].startswith(b"\x89PNG\r\n")
    assert len(list((site.folder / "media" / "share-cards").iterdir())) == 1


def test_an_edit_refreshes_the_pages_showing_the_article_and_no_others(site):
    tag, a, b = unique("harbour"), unique("article-a"), unique("article-b")
    site.publish(slug=a, title="Harbour opens", tags=[tag.title()], section="city")
    site.publish(slug=b, title="Unrelated story", tags=[unique("weather")], section="science")
    pages = [f"/articles/{a}/", "/", f"/tags/{tag}/", f"/tags/{tag}/rss/"]
    for page in [*pages, f"/articles/{b}/"]:
        held(f"{site.edge.url}{page}")

    site.publish(
        slug=a, title="Harbour opens late", tags=[tag.title()], section="city", settle=False
    )
    for page in pages:
        assert refreshed_within(f"{site.edge.url}{page}", "Harbour opens late") < REFRESH_SECONDS
    assert site.purge_latency(f"article:{site.article_id(a)}") < REFRESH_SECONDS
    assert read(f"{site.edge.url}/articles/{b}/")[0] == "hit"


def test_an_edit_saved_on_one_app_server_is_what_readers_get_everywhere_at_once(site):
    slug = unique("two-servers")
    site.publish(slug=slug, title="Before the edit")
    article = f"/articles/{slug}/"
    held(f"{site.edge.url}{article}")
    for port in site.ports:  # each app server has the page in the shared page cache too
        read(f"http://127.0.0.1:{port}{article}")

    editor = AdminSession(f"http://127.0.0.1:{site.ports[0]}")
    editor.change_article(site.article_id(slug), title="After the edit")

    assert refreshed_within(f"{site.edge.url}{article}", "After the edit") < REFRESH_SECONDS
    assert site.purge_latency(f"article:{site.article_id(slug)}") < REFRESH_SECONDS
    for port in site.ports:
        assert "After the edit" in read(f"http://127.0.0.1:{port}{article}")[1]


def test_a_purge_made_while_no_worker_runs_is_sent_by_the_next_worker(site):
    """An import ends as soon as its articles are saved: its purges wait in the database, not
    in the process, until a worker sends them."""
    slug = unique("no-worker")
    site.publish(slug=slug, title="Before the outage")
    url = f"{site.edge.url}/articles/{slug}/"
    held(url)
    stop_worker(site.worker)
    try:
        site.publish(slug=slug, title="Saved while no worker ran", settle=False)
        waiting = site.query(
            "SELECT keys FROM delivery_edgepurge WHERE status = 'pending' AND NOT repeat"
        )
        assert any(f"article:{site.article_id(slug)}" in keys for (keys,) in waiting)
        state, body = read(url)
        assert state == "hit" and "Before the outage" in body
    finally:
        site.start_worker()
    # The new worker starts Django first (a second or two).
    assert refreshed_within(url, "Saved while no worker ran", timeout=15) < 15


def test_a_readers_cookies_do_not_bypass_the_edge(site):
    slug = unique("cookies")
    site.publish(slug=slug, title="Cookies")
    url = f"{site.edge.url}/articles/{slug}/"
    held(url)
    for cookie in ("_ga=GA1.2.3; consent=yes", "csrftoken=abc; sessionid=", "voter=1"):
        assert read(url, {"Cookie": cookie})[0] == "hit", cookie
    assert read(f"{url}?utm_source=newsletter&fbclid=x")[0] == "hit"
    # Staff with a session get pages made for them, from the app.
    assert read(url, {"Cookie": "sessionid=abc"})[0] == "pass"


def test_the_vote_endpoint_and_the_admin_always_reach_the_app(site):
    slug = unique("votes")
    site.publish(slug=slug, title="Votes")
    for url in (f"/articles/{slug}/feedback/", "/admin/login/"):
        assert [read(f"{site.edge.url}{url}")[0] for _ in range(2)] == ["pass", "pass"]


def purge_from(address, port, keys):
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(address, 0))
    connection.request("PURGE", "/", headers={"xkey-purge": keys})
    response = connection.getresponse()
    return response.status, response.read().decode()


def test_a_purge_from_an_address_not_listed_is_refused(site):
    slug = unique("purge")
    site.publish(slug=slug, title="Purge me")
    url = f"{site.edge.url}/articles/{slug}/"
    held(url)
    key = f"article:{site.article_id(slug)}"
    assert purge_from("127.0.0.2", site.edge.port, key) == (
        403,
        "Purging is not allowed from 127.0.0.2.",
    )
    assert read(url)[0] == "hit"
    assert purge_from("127.0.0.1", site.edge.port, key)[0] == 200
    assert read(url)[0] != "hit"


def test_a_scheduled_article_goes_live_at_the_edge_on_time(site):
    slug, tag = unique("scheduled"), unique("schedule")
    site.publish(slug=slug, title="Scheduled", tags=[tag])
    held(f"{site.edge.url}/tags/{tag}/")
    # The servers' clock, not this process's: the suite may run with its clock set (--clock).
    with urllib.request.urlopen(f"http://127.0.0.1:{site.ports[0]}/healthz") as response:
        server_now = email.utils.parsedate_to_datetime(response.headers["Date"])
    asked = time.monotonic()
    go_live = server_now.timestamp() + SCHEDULED_IN  # Date is in whole seconds: up to 1 s less
    site.publish(
        slug=unique("later"),
        title="Published later",
        tags=[tag],
        published_at=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(go_live)),
    )
    assert "Published later" not in read(f"{site.edge.url}/tags/{tag}/")[1]
    time.sleep(max(0.0, asked + SCHEDULED_IN - time.monotonic()))
    # The servers check the schedule every second; the purge then takes milliseconds.
    assert refreshed_within(f"{site.edge.url}/tags/{tag}/", "Published later") < 2.5


def test_the_edge_serves_the_pages_it_holds_while_the_app_is_down(site):
    """Grace: with its app server stopped, an edge keeps serving every page it holds."""
    slug = unique("grace")
    site.publish(slug=slug, title="Held at the edge")
    port = free_port()
    server = site.start_app_server(port)
    edge = Varnish(free_port(), [f"127.0.0.1:{port}"]).start()
    try:
        pages = [f"/articles/{slug}/", "/", "/feeds/rss/"]
        for page in pages:
            held(f"{edge.url}{page}")
        urllib.request.urlopen(
            urllib.request.Request(f"{edge.url}/", method="PURGE", headers={"xkey-purge": "site"})
        ).close()  # every page held is now out of date, as after a write
        server.terminate()
        server.wait(timeout=30)
        time.sleep(7)  # the edge's health probe finds the app down
        for page in pages:
            state, body = read(f"{edge.url}{page}")
            assert state == "grace", page
        assert "Held at the edge" in read(f"{edge.url}/articles/{slug}/")[1]
        with pytest.raises(urllib.error.HTTPError) as never_held:
            read(f"{edge.url}/tags/")
        assert never_held.value.code == 503
        assert "not answering right now" in never_held.value.read().decode()
    finally:
        edge.stop()
        if server.poll() is None:
            server.terminate()


# Logging in and saving an article through the admin of one app server


class FormFields(html.parser.HTMLParser):
    """The fields an admin form would submit, as a browser fills them."""

    def __init__(self):
        super().__init__()
        self.fields, self.select, self.textarea = [], None, None

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button", "file"):
            if attributes.get("type") in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.fields.append((name, attributes.get("value", "on")))
                return
            self.fields.append((name, attributes.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attributes:
            self.fields.append((self.select, attributes.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.fields.append(tuple(self.textarea))
            self.textarea = None
        elif tag == "select":
            self.select = None


class AdminSession:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        login = self.form("/admin/login/")
        self.submit("/admin/login/", login | {"username": "editor", "password": EDITOR_PASSWORD})

    def form(self, path):
        with self.opener.open(f"{self.base}{path}") as response:
            parser = FormFields()
            parser.feed(response.read().decode())
        fields = {}
        for name, value in parser.fields:
            fields.setdefault(name, value)
        return fields

    def submit(self, path, fields):
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(
            f"{self.base}{path}", data=body, headers={"Referer": f"{self.base}{path}"}
        )
        with self.opener.open(request) as response:
            return response.geturl(), response.read().decode()

    def change_article(self, pk, **changes):
        path = f"/admin/articles/article/{pk}/change/"
        fields = {
            name: value for name, value in self.form(path).items() if "__prefix__" not in name
        }
        for name in [name for name in fields if name.endswith("-TOTAL_FORMS")]:
            # The stored rows only, as a browser sends them when no row was added.
            fields[name] = fields[name.replace("TOTAL", "INITIAL")]
        landed, page = self.submit(path, fields | changes | {"_save": "Save"})
        errors = re.findall(r"<ul class=\"errorlist[^>]*>(.*?)</ul>", page, re.S)
        assert landed.endswith("/admin/articles/article/"), errors
