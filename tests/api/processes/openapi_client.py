"""A client of the Newsroom API written only from its OpenAPI document.

    python openapi_client.py BASE_URL TOKEN EXTERNAL_ID

It reads /api/v1/openapi.json, finds each operation by its operationId, checks every request
body against the document's schema before sending it and every answer against the schema the
document gives for its status, then creates, updates, publishes and corrects one article. It
prints one JSON line per call: the operation, the status and the article's state and revision.
"""

import json
import sys
import urllib.error
import urllib.request

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE, TOKEN, EXTERNAL_ID = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]


def fetch(method, url, body=None, headers=None):
    request = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


_, _, document = fetch("GET", BASE + "/api/v1/openapi.json")
document = json.loads(document)
registry = Registry().with_resource(
    "urn:doc", Resource(contents=document, specification=DRAFT202012)
)
operations = {
    operation["operationId"]: (method.upper(), path, operation)
    for path, item in document["paths"].items()
    for method, operation in item.items()
}


def schema_check(schema, value, what):
    schema = json.loads(json.dumps(schema).replace('"#/components', '"urn:doc#/components'))
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(value))
    if errors:
        raise SystemExit(f"{what} does not match the document: {errors[0].message}")


def call(operation_id, body=None, headers=None, **path_values):
    method, path, operation = operations[operation_id]
    for name, value in path_values.items():
        path = path.replace("{" + name + "}", urllib.request.quote(value, safe=""))
    headers = {"Authorization": f"Bearer {TOKEN}", **(headers or {})}
    data = None
    if body is not None:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        schema_check(schema, body, f"{operation_id}'s request")
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    status, answer_headers, raw = fetch(method, BASE + path, data, headers)
    answer = json.loads(raw) if raw else None
    described = operation["responses"].get(str(status))
    if described is None:
        raise SystemExit(f"{operation_id} answered {status}, which the document does not list")
    content = described.get("content", {})
    schema = next(iter(content.values()), {}).get("schema")
    if schema is not None:
        schema_check(schema, answer, f"{operation_id}'s {status} answer")
    article = (answer or {}).get("article", answer or {})
    print(
        json.dumps(
            {
                "operation": operation_id,
                "status": status,
                "state": article.get("state"),
                "url": article.get("url"),
                "revision": article.get("revision"),
                "etag": answer_headers.get("ETag"),
            }
        ),
        flush=True,
    )
    return status, answer_headers, answer


article = {
    "external_id": EXTERNAL_ID,
    "title": "Open models close the gap",
    "dek": "What a year of benchmarks shows.",
    "body": "## Findings\n\nOpen models improved [1], and the gap narrowed [2].",
    "section": "Research",
    "tags": ["Models"],
    "status": "draft",
    "provenance": {"origin": "pipeline", "pipeline_version": "3.0", "quality_score": 0.9},
    "references": [
        {"number": 1, "publisher": "Lab A", "title": "Report", "url": "https://example.org/a"},
        {"number": 2, "publisher": "Lab B", "title": "Study", "url": "https://example.org/b"},
    ],
}
call("putArticle", article, external_id=EXTERNAL_ID)
_, headers, _ = call("readArticle", external_id=EXTERNAL_ID)
article["dek"] = "What a year of public benchmarks shows."
call("putArticle", article, headers={"If-Match": headers["ETag"]}, external_id=EXTERNAL_ID)
call("publishArticle", headers={"Idempotency-Key": f"publish-{EXTERNAL_ID}"},
     external_id=EXTERNAL_ID)  # fmt: skip
article["body"] = "## Findings\n\nOpen models improved [1], and the gap halved [2]."
article["status"] = "published"
article["change"] = {"kind": "correction", "text": "The gap halved; we said it narrowed."}
call("putArticle", article, external_id=EXTERNAL_ID)
call("listRevisions", external_id=EXTERNAL_ID)
