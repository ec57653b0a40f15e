"""As `make serve` runs it (several gunicorn workers, the default cache), an edit made in one
process is what every process serves next."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.newsroom.test_cache_outage import free_port
from tests.newsroom.test_security import manage
from tests.newsroom.test_settings import run_check

PROJECT = Path(__file__).resolve().parents[2]


def article(title):
    return {
        "external_id": "shared-1",
        "title": title,
        "slug": "shared",
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


@pytest.fixture
def production(tmp_path):
    """Production settings with every default: SQLite, the default cache, two workers."""
    port = free_port()
    settings = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "",
        "DEBUG": "0",
        "SECRET_KEY": "s" * 50,
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "BIND": f"127.0.0.1:{port}",
    }
    environment = os.environ | settings
    for name in ("PAGE_CACHE_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)

    def run(*args):
        result = manage(*args, **settings)
        assert result.returncode == 0, result.stderr

    def import_title(title):
        path = tmp_path / "article.json"
        path.write_text(json.dumps(article(title)))
        run("import_articles", str(path))

    run("migrate", "--noinput", "-v0")
    run("collectstatic", "--noinput", "-v0")  # as `make serve` does
    import_title("The first title")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "server.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield base, import_title
    finally:
        server.terminate()
        server.wait(timeout=30)


def read(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get("X-Cache"), response.read().decode()


def test_an_import_in_another_process_is_served_by_every_worker_at_once(production):
    base, import_title = production
    pages = [read(f"{base}/articles/shared/") for _ in range(12)]
    assert {state for state, _ in pages} == {"miss", "hit"}  # the page cache is on
    assert all("The first title" in html for _, html in pages)

    import_title("The corrected title")
    for url in [f"{base}/articles/shared/", f"{base}/"] * 4:
        _, html = read(url)
        assert "The corrected title" in html and "The first title" not in html


def test_production_refuses_a_page_cache_in_one_process_memory():
    result = run_check(DEBUG="0", SECRET_KEY="x" * 60, CACHE_URL="locmemcache://", HTTPS="0")
    assert result.returncode != 0
    assert "CACHE_URL points at one process's memory" in result.stderr
    assert (
        run_check(
            DEBUG="0", SECRET_KEY="x" * 60, CACHE_URL="locmemcache://", PAGE_CACHE_SECONDS="0"
        ).returncode
        == 0
    )
