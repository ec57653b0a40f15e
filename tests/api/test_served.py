"""The API and webhooks as the pipeline meets them: a served site (gunicorn and a task worker on
PostgreSQL), a client written only from the OpenAPI document, and a webhook receiver that
verifies signatures with the standardwebhooks library, each in a process of its own."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
import pytest

from tests.newsroom.test_cache_outage import free_port

PROJECT = Path(__file__).resolve().parents[2]
PROCESSES = Path(__file__).resolve().parent / "processes"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
ADMIN_PASSWORD = "an administrator's long password"
EVENTS = "article.published,article.updated,article.unpublished,article.corrected,article.retracted"


class ServedSite:
    """gunicorn and a task worker on a database of their own, and a webhook receiver."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.database = f"newsroom_api_{uuid.uuid4().hex[:8]}"
        self.port, self.receiver_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.receiver_log = folder / "received.jsonl"
        self.receiver_up = folder / "receiver-up"
        self.processes: list[subprocess.Popen] = []
        self.environment = os.environ | {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": f"{POSTGRES}/{self.database}",
            "CACHE_URL": "",
            "DEBUG": "0",
            "SECRET_KEY": "s" * 50,
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.url,
            "WEBHOOK_ALLOW_PRIVATE": "1",
            "WEB_CONCURRENCY": "2",
            "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        }
        for name in ("PAGE_CACHE_SECONDS", "EDGE_PURGE_URLS", "NEWSROOM_TEST_CLOCK"):
            self.environment.pop(name, None)

    def start(self):
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("createsuperuser", "--noinput", "--username", "admin", "--email", "a@x.org")
        self.token = (
            self.manage(
                "create_api_token",
                "--name",
                "pipeline",
                "--scopes",
                "articles:write,articles:publish",
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        self.secret = (
            self.manage(
                "add_webhook", f"http://127.0.0.1:{self.receiver_port}/hook", "--events", EVENTS
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        self.spawn("server", [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                              "newsroom.wsgi"], BIND=f"127.0.0.1:{self.port}")  # fmt: skip
        self.spawn("worker", [sys.executable, "manage.py", "run_worker", "--interval", "0.2"])
        self.spawn(
            "receiver",
            [sys.executable, str(PROCESSES / "webhook_receiver.py"), str(self.receiver_port),
             self.secret, str(self.receiver_log), str(self.receiver_up)],
        )  # fmt: skip
        self.wait_for(f"{self.url}/healthz")
        return self

    def spawn(self, name, command, **environment):
        process = subprocess.Popen(
            command,
            cwd=PROJECT,
            env=self.environment | environment,
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / f"{name}.log").open("w"),
        )
        self.processes.append(process)

    def wait_for(self, url):
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{url} did not answer")

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)
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

    def run_client(self, external_id):
        result = subprocess.run(
            [sys.executable, str(PROCESSES / "openapi_client.py"), self.url, self.token,
             external_id],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return [json.loads(line) for line in result.stdout.splitlines()]

    def unpublish(self, external_id):
        request = urllib.request.Request(
            f"{self.url}/api/v1/articles/{external_id}/unpublish",
            method="POST",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        urllib.request.urlopen(request, timeout=30).close()

    def received(self):
        if not self.receiver_log.exists():
            return []
        return [json.loads(line) for line in self.receiver_log.read_text().splitlines()]

    def received_within(self, seconds, count, external_id):
        """Wait for `count` events about `external_id`; return those received."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            delivered = [
                line
                for line in self.received()
                if not line.get("down") and line["external_id"] == external_id
            ]
            if len(delivered) >= count:
                return delivered
            time.sleep(0.1)
        raise AssertionError(f"{count} events were not received within {seconds} s: "
                             f"{self.received()}")  # fmt: skip

    def admin_page(self, path):
        """Log in to the admin as the administrator and GET `path`."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        login = opener.open(f"{self.url}/admin/login/").read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        form = {"csrfmiddlewaretoken": csrf, "username": "admin", "password": ADMIN_PASSWORD}
        opener.open(
            urllib.request.Request(
                f"{self.url}/admin/login/?next=/admin/",
                data=urllib.parse.urlencode(form).encode(),
                headers={"Referer": f"{self.url}/admin/login/"},
            )
        ).close()
        return opener.open(f"{self.url}{path}").read().decode()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    try:
        psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432")
    served = ServedSite(tmp_path_factory.mktemp("served"))
    try:
        yield served.start()
    finally:
        served.stop()


def test_a_client_written_from_the_openapi_document_creates_publishes_and_corrects(site):
    site.receiver_up.touch()

    calls = site.run_client("served-001")

    assert [(call["operation"], call["status"]) for call in calls] == [
        ("putArticle", 201),
        ("readArticle", 200),
        ("putArticle", 200),
        ("publishArticle", 200),
        ("putArticle", 200),
        ("listRevisions", 200),
    ]
    assert calls[3]["state"] == "published"
    page = urllib.request.urlopen(calls[4]["url"]).read()  # the corrected article's page
    assert "The gap halved; we said it narrowed." in page.decode()
    received = site.received_within(15, 2, "served-001")
    assert [(event["type"], event["external_id"]) for event in received] == [
        ("article.published", "served-001"),
        ("article.corrected", "served-001"),
    ]
    assert all(event["verified"] for event in received)


def test_a_receiver_that_was_down_gets_every_event_in_order_once_it_is_back(site):
    site.receiver_up.unlink(missing_ok=True)
    before = len(site.received())

    site.run_client("served-002")
    deadline = time.monotonic() + 10
    while not any(line.get("down") for line in site.received()[before:]):
        assert time.monotonic() < deadline, "the worker never tried the receiver"
        time.sleep(0.1)
    site.receiver_up.touch()

    delivered = site.received_within(30, 2, "served-002")
    assert [(event["type"], event["external_id"]) for event in delivered] == [
        ("article.published", "served-002"),
        ("article.corrected", "served-002"),
    ]
    assert len({event["id"] for event in delivered}) == 2  # each once
    deliveries = site.admin_page("/admin/webhooks/delivery/?q=served-002")
    assert deliveries.count('class="field-status">Delivered<') == 2
    assert 'class="field-attempts">2<' in deliveries  # refused once while it was down


def test_a_receiver_that_hangs_holds_up_no_other(site, tmp_path):
    site.receiver_up.touch()
    hanging_log = tmp_path / "hanging.jsonl"
    port = free_port()
    site.manage("add_webhook", f"http://127.0.0.1:{port}/hook", "--events", "article.unpublished")
    site.spawn("hanging", [sys.executable, str(PROCESSES / "webhook_receiver.py"), str(port),
                           "whsec_" + "A" * 32, str(hanging_log), "", "hang"])  # fmt: skip
    site.run_client("served-003")
    site.run_client("served-004")
    site.received_within(15, 2, "served-004")

    site.unpublish("served-003")
    deadline = time.monotonic() + 10
    while not hanging_log.exists():  # one worker now waits for it (WEBHOOK_TIMEOUT_SECONDS)
        assert time.monotonic() < deadline, "the hanging receiver was never called"
        time.sleep(0.05)
    started = time.monotonic()
    site.unpublish("served-004")

    unpublished = site.received_within(5, 3, "served-004")[-1]
    assert unpublished["type"] == "article.unpublished"
    assert time.monotonic() - started < 5
