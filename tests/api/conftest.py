import json

import pytest
from django.test import Client

from articles.roles import OPERATOR
from newsroom.api.services import api_token_create


def pipeline_article(external_id="pipe-001", **overrides):
    """One article in the import format that passes every publication gate."""
    return {
        "external_id": external_id,
        "title": "Models, measured",
        "dek": "What the benchmarks say.",
        "body": "## Findings\n\nA result [1] and another [2].",
        "section": "Research",
        "tags": ["Evaluation", "Models"],
        "byline": "Daily Neural Digest Team",
        "status": "published",
        "provenance": {
            "origin": "pipeline",
            "pipeline_version": "2.4.1",
            "sources_verified": True,
            "fact_checked": False,
            "quality_score": 0.87,
        },
        "references": [
            {"number": n, "publisher": f"Pub {n}", "title": f"Title {n}",
             "url": f"https://example.org/{n}", "accessed_at": "2026-04-01"}
            for n in (1, 2)
        ],
    } | overrides  # fmt: skip


class ApiClient:
    """The test client as a machine client: a bearer token, JSON in and out."""

    def __init__(self, token: str | None, client: Client | None = None):
        self.token = token
        self.client = client or Client()

    def call(self, method, path, data=None, *, body=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if data is not None:
            body = json.dumps(data)
        send = getattr(self.client, method.lower())
        if body is not None:
            kwargs.setdefault("content_type", "application/json")
            return send(path, body, headers=headers, **kwargs)
        return send(path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def put(self, external_id, data=None, **kwargs):
        return self.call("PUT", f"/api/v1/articles/{external_id}", data, **kwargs)

    def post(self, path, **kwargs):
        return self.call("POST", path, **kwargs)


@pytest.fixture
def make_token(db):
    def make(*scopes, name=None):
        scopes = list(scopes) or ["articles:write", "articles:publish"]
        _, text = api_token_create(actor=OPERATOR, name=name or "-".join(scopes), scopes=scopes)
        return text

    return make


@pytest.fixture
def api(make_token):
    """A client with the pipeline's usual token: it writes and publishes."""
    return ApiClient(make_token("articles:write", "articles:publish", name="pipeline"))
