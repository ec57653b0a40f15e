import json
import logging
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from articles.models import Article

PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "production-secret-key-with-enough-entropy-1234567890",
    "ALLOWED_HOSTS": "news.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://news.example.com",
}


def manage(*args, **env):
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "newsroom.settings"} | env
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_admin_address_is_configurable():
    result = manage(
        "shell", "-c", "from django.urls import reverse; print(reverse('admin:index'))",
        ADMIN_URL="backstage",
    )  # fmt: skip
    assert result.stdout.strip().endswith("/backstage/")


@pytest.fixture
def demo(db, settings):
    settings.DEMO_EDITOR_PASSWORD = "demo-password-123"
    call_command("load_demo", stdout=StringIO())


def public_pages():
    article = Article.objects.published().order_by("pk").first()
    return [
        "/",
        article.get_absolute_url(),
        f"{article.get_absolute_url()}feedback/?helpful=no",
        "/tags/",
        f"/tags/{article.tags.first().slug}/",
        f"/sections/{article.section.slug}/",
        "/search/?q=model",
        "/archive/",
        "/how-it-works/",
        "/no-such-page/",
    ]


def test_public_pages_send_the_security_headers(client, demo):
    for url in public_pages():
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        ), url
        assert "frame-ancestors 'none'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"]


def test_hsts_is_sent_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")


INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)


def test_no_public_page_has_an_inline_event_handler_or_script(client, demo, make_article):
    make_article(
        title='<img src=x onerror="alert(1)">',
        dek="<b onmouseover=alert(1)>dek</b>",
        body="<div onclick='alert(1)'>x</div> [link](javascript:alert(1))",
        tags=["<svg onload=alert(1)>"],
    )
    for url in public_pages() + ["/feeds/rss/"]:
        html = client.get(url).content.decode()
        assert not INLINE_HANDLER.search(html), url
        assert not INLINE_SCRIPT.search(html), url


def test_cookies_are_secure_httponly_and_same_site(client, make_article, settings):
    settings.HTTPS = True
    article = make_article()
    response = Client().post(f"{article.get_absolute_url()}feedback/", {"helpful": "yes"})
    voter = response.cookies["newsroom_voter"]
    assert voter["secure"] and voter["httponly"] and voter["samesite"] == "Lax"
    login_form = client.get(reverse("admin:login"))
    csrf = login_form.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"


def test_the_voter_cookie_is_not_secure_on_plain_http(make_article, settings):
    """With HTTPS off (`make serve`), a Secure cookie would be dropped and the vote forgotten."""
    settings.DEBUG = False
    settings.HTTPS = False
    article = make_article()
    response = Client().post(f"{article.get_absolute_url()}feedback/", {"helpful": "yes"})
    voter = response.cookies["newsroom_voter"]
    assert not voter["secure"]
    assert voter["httponly"] and voter["samesite"] == "Lax"


def test_admin_logins_are_limited(client, editor, settings):
    editor.set_password("right-password-123")
    editor.save()
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(login, {"username": "editor", "password": "wrong"})
        assert response.status_code == 200
    last_try = client.post(login, {"username": "editor", "password": "wrong"})
    assert last_try.status_code == 429
    locked = client.post(login, {"username": "editor", "password": "right-password-123"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


# Editors and writers


def test_writers_cannot_publish(client, writer, make_article, make_section):
    client.force_login(writer)
    draft = make_article(status="draft", published_at=None)
    form = client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    options = re.findall(r'<option value="(\w+)"', form.content.decode().split('name="status"')[1])
    assert options[:2] == ["draft", "in_review"] and "published" not in options[:4]
    changelist = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert 'value="send_to_review"' in changelist and 'value="publish"' not in changelist
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_writers_cannot_change_what_readers_see(client, writer, make_article):
    client.force_login(writer)
    live = make_article()
    url = reverse("admin:articles_article_change", args=[live.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()  # view only
    assert client.post(url, {"title": "Changed"}).status_code == 403


def test_editors_can_publish(editor_client, make_article):
    draft = make_article(status="draft", published_at=None)
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.is_published()


# Health and logs


def test_healthz_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_fails(client, db, monkeypatch):
    class DatabaseDown:
        def cursor(self):
            raise RuntimeError("database is down")

    monkeypatch.setattr("newsroom.health.connection", DatabaseDown())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "failing", "cache": "ok"}


def test_every_request_is_logged_once_at_a_matching_level(client, db, caplog):
    caplog.set_level(logging.INFO, logger="newsroom.request")
    client.get("/")
    client.get("/no-such-page/")
    records = [r for r in caplog.records if r.name == "newsroom.request"]
    assert [(r.levelname, r.status, r.path) for r in records] == [
        ("INFO", 200, "/"),
        ("WARNING", 404, "/no-such-page/"),
    ]


def test_log_lines_are_json_with_tracebacks():
    from newsroom.request_log import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    record.status = 500
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR" and line["status"] == 500
    assert "ValueError: boom" in line["traceback"]
