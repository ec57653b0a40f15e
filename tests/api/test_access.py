"""Who may call the API: tokens (made once, kept hashed, scoped, revocable), never a session,
and at most API_RATE_LIMIT calls a minute per token."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from newsroom.api.models import ApiToken
from newsroom.cache_config import cache_config
from tests.api.conftest import ApiClient, pipeline_article


def test_create_api_token_prints_the_token_once_on_its_last_line_and_keeps_only_its_hash(db):
    out, err = StringIO(), StringIO()

    call_command(
        "create_api_token",
        "--name",
        "pipeline",
        "--scopes",
        "articles:write,articles:publish",
        stdout=out,
        stderr=err,
    )

    text = out.getvalue().strip().splitlines()[-1]
    assert text.startswith("nr_")
    token = ApiToken.objects.get()
    assert token.scopes == ["articles:write", "articles:publish"]
    assert text.split("_", 2)[2] not in token.hashed_secret
    assert ApiClient(text).get("/api/v1/articles/").status_code == 200


@pytest.mark.parametrize(
    ("scopes", "message"),
    [("articles:delete", "articles:delete"), ("", "at least one")],
)
def test_create_api_token_refuses_unknown_or_missing_scopes(db, scopes, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", "--name", "x", "--scopes", scopes, stdout=StringIO())
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer nr_00000000_wrong", "Basic dXNlcjpwYXNz", "Bearer x" * 500],
)
def test_a_call_without_a_valid_token_is_a_401_problem(db, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}

    response = ApiClient(None).get("/api/v1/articles/", headers=headers)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_revoked_token_opens_nothing(make_token):
    text = make_token("articles:read")
    token = ApiToken.objects.get()
    token.revoked_at = token.created_at
    token.save()

    assert ApiClient(text).get("/api/v1/articles/").status_code == 401


def test_a_session_cookie_never_authenticates_an_api_call(admin_client):
    response = admin_client.put(
        "/api/v1/articles/pipe-001", pipeline_article(), content_type="application/json"
    )

    assert response.status_code == 401
    assert not Article.objects.exists()


def test_a_token_needs_csrf_no_more_than_any_machine_client(make_token):
    from django.test import Client

    client = ApiClient(make_token(), Client(enforce_csrf_checks=True))

    assert client.put("pipe-001", pipeline_article()).status_code == 201


def test_a_token_records_when_it_was_last_used(make_token):
    text = make_token("articles:read")

    ApiClient(text).get("/api/v1/articles/")

    assert ApiToken.objects.get().last_used_at is not None


def test_a_read_only_token_cannot_write(make_token):
    reader = ApiClient(make_token("articles:read"))

    response = reader.put("pipe-001", pipeline_article())

    assert response.status_code == 403
    assert "articles:write" in response.json()["detail"]
    assert not Article.objects.exists()


def test_a_token_without_the_publish_scope_writes_drafts_but_never_publishes(make_token, api):
    writer = ApiClient(make_token("articles:write"))

    draft = writer.put("pipe-001", pipeline_article(status="draft"))
    publish = writer.post("/api/v1/articles/pipe-001/publish")
    asks_to_publish = writer.put("pipe-001", pipeline_article(status="published"))
    api.post("/api/v1/articles/pipe-001/publish")
    changes_live = writer.put("pipe-001", pipeline_article(title="Changed"))

    assert draft.status_code == 201
    assert [publish.status_code, asks_to_publish.status_code, changes_live.status_code] == [
        403,
        403,
        403,
    ]
    assert "articles:publish" in changes_live.json()["detail"]
    assert Article.objects.get().title == "Models, measured"


def test_past_the_rate_limit_a_token_gets_429_with_retry_after(
    settings, make_token, one_rate_window
):
    settings.API_RATE_LIMIT = 3
    client = ApiClient(make_token("articles:read"))

    answers = [client.get("/api/v1/articles/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/articles/")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "3 calls a minute" in refused.json()["detail"]


def test_the_rate_limit_is_per_token(settings, make_token, one_rate_window):
    settings.API_RATE_LIMIT = 1
    first, second = ApiClient(make_token("articles:read")), ApiClient(make_token("articles:write"))

    assert first.get("/api/v1/articles/").status_code == 200
    assert second.get("/api/v1/articles/").status_code == 200


def test_the_api_answers_when_the_cache_is_down(settings, make_token):
    settings.CACHES = {**settings.CACHES, "default": cache_config("redis://127.0.0.1:1/14")}

    assert ApiClient(make_token("articles:read")).get("/api/v1/articles/").status_code == 200


def test_editors_make_tokens_in_the_admin_only_as_administrators(admin_client, editor_client):
    response = admin_client.post(
        "/admin/api/apitoken/add/",
        {"name": "pipeline", "scopes": ["articles:read", "articles:write"]},
    )

    text = re.search(r"<code>(nr_[^<]+)</code>", response.content.decode()).group(1)
    assert text not in str(response.cookies)
    assert "no-store" in response["Cache-Control"]
    assert ApiClient(text).get("/api/v1/articles/").status_code == 200
    assert editor_client.get("/admin/api/apitoken/add/").status_code == 403


def test_tokens_are_revoked_in_the_admin(admin_client, make_token):
    text = make_token("articles:read")

    admin_client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [ApiToken.objects.get().pk]},
    )

    assert ApiClient(text).get("/api/v1/articles/").status_code == 401
