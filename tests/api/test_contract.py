"""The API's contract: its OpenAPI document and docs page, its errors, and the same results and
messages as `import_articles` for the same input."""

import base64
import json

import pytest
from django.test import Client
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from articles.models import Article
from tests.api.conftest import pipeline_article
from tests.articles.test_import import run_import
from tests.conftest import picture_bytes


def base64_picture(width=640, height=360, **options) -> str:
    return base64.b64encode(picture_bytes(width, height, **options)).decode()


def pictured(**lead_image):
    """A pipeline article with a lead image given as base64 data."""
    image = {"data": base64_picture(), "alt": "A chart of scores.", "credit": "Chart: Newsroom"}
    return pipeline_article(lead_image={**image, **lead_image})


@pytest.fixture
def openapi(db):
    return Client().get("/api/v1/openapi.json").json()


def validator(openapi, name):
    """A validator for the OpenAPI document's schema `name` (OpenAPI 3.1 is JSON Schema)."""
    resource = Resource(contents=openapi, specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    schema = {"$ref": f"urn:openapi#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry)


def test_the_openapi_document_describes_every_call(openapi):
    assert openapi["openapi"].startswith("3.1")
    paths = openapi["paths"]
    assert set(paths) == {
        "/api/v1/articles/",
        "/api/v1/articles/{external_id}",
        "/api/v1/articles/{external_id}/publish",
        "/api/v1/articles/{external_id}/unpublish",
        "/api/v1/articles/{external_id}/revisions",
    }
    put = paths["/api/v1/articles/{external_id}"]["put"]
    body = put["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ImportArticle"}
    assert "bearer" in json.dumps(openapi["components"]["securitySchemes"]).lower()


def test_the_import_format_in_the_document_accepts_and_refuses_what_the_import_does(openapi):
    article = validator(openapi, "ImportArticle")

    assert article.is_valid(pipeline_article())
    assert not article.is_valid(pipeline_article(status="live"))
    assert not article.is_valid({**pipeline_article(), "colour": "red"})


def test_every_answer_matches_the_document(openapi, api):
    api.put("pipe-002", pictured(external_id="pipe-002"))
    written = api.put("pipe-001", pipeline_article()).json()
    listed = api.get("/api/v1/articles/").json()
    revisions = api.get("/api/v1/articles/pipe-001/revisions").json()
    problem = api.get("/api/v1/articles/nope").json()

    for name, answer in [
        ("ArticleWritten", written),
        ("ArticlePage", listed),
        ("RevisionList", revisions),
        ("ProblemOut", problem),
    ]:
        errors = list(validator(openapi, name).iter_errors(answer))
        assert errors == [], (name, errors[0].message if errors else "")


def test_the_docs_page_is_served_from_here(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_an_address_the_api_does_not_have_is_a_404_problem(api):
    response = api.get("/api/v1/nothing/here")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{", "application/json", 400),
        ('{"title": ', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
        ("[]", "application/json", 422),
        ('{"external_id": "pipe-001", "quality_score": NaN}', "application/json", 400),
        ('{"external_id": "pipe-001", "number": ' + "9" * 5000 + "}", "application/json", 400),
        ("title=x", "application/x-www-form-urlencoded", 415),
    ],
)
def test_a_body_that_is_not_one_json_article_is_a_4xx_problem(api, body, content_type, status):
    response = api.call("PUT", "/api/v1/articles/pipe-001", body=body, content_type=content_type)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert not Article.objects.exists()


def test_the_external_id_in_the_body_must_be_the_one_in_the_address(api):
    response = api.put("pipe-002", pipeline_article("pipe-001"))

    assert response.status_code == 422
    assert response.json()["field"] == "external_id"


BAD_ARTICLES = [
    pipeline_article(title=""),
    pipeline_article(status="live"),
    pipeline_article(colour="red"),
    pipeline_article(body="Cites [7]."),
    pipeline_article(published_at="yesterday"),
    pipeline_article(published_at="2026-04-07T09:30:00"),
    pipeline_article(tags=["!!"]),
    pipeline_article(section="!!"),
    pipeline_article(title="Nul \u0000 byte"),
    pipeline_article(references=[{"number": 1, "publisher": "P", "title": "T", "url": "ftp://x"}]),
    pipeline_article(change={"kind": "correction", "text": "Fixed."}),
    pipeline_article(provenance={"quality_score": 3}),
    pipeline_article(published_at="0001-01-01T00:00:00+14:00"),
    pipeline_article(published_at="9999-12-31T23:59:59-14:00"),
    pictured(data="not base64!"),
    pictured(data=base64.b64encode(b"Only text, named nothing.").decode()),
    pictured(data=base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"/>').decode()),
    pictured(alt=" "),
    pipeline_article(lead_image={"data": base64_picture()}),
    pictured(file="chart.png"),
]


@pytest.mark.parametrize("data", BAD_ARTICLES)
def test_bad_content_gets_the_message_and_field_the_import_gives(api, tmp_path, data):
    path = tmp_path / "article.json"
    path.write_text(json.dumps(data))
    failed, _, err = run_import(path)

    response = api.put("pipe-001", data)

    assert failed
    assert response.status_code == 422
    problem = response.json()
    said = f"{problem['field']}: {problem['detail']}" if problem.get("field") else problem["detail"]
    assert err.strip().endswith(said)
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        pipeline_article(),
        pipeline_article(status="draft"),
        pipeline_article(body="Only [1].", references=pipeline_article()["references"][:1]),
        pipeline_article(provenance={"origin": "pipeline"}),
        pictured(),
        pictured(data=base64_picture(image_format="PNG", mode="RGBA"), ai_generated=True),
        pipeline_article(lead_image=None),
    ],
)
def test_good_content_gets_the_outcome_and_message_the_import_gives(api, tmp_path, data):
    path = tmp_path / "article.json"
    path.write_text(json.dumps(data))
    _, out, _ = run_import(path)
    imported = Article.objects.get()
    state = (imported.status, imported.held_gates)
    Article.objects.all().delete()

    response = api.put("pipe-001", data)

    assert out.splitlines()[0].endswith(f": {response.json()['message']}")
    stored = Article.objects.get()
    assert (stored.status, stored.held_gates) == state


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_external_id_with_a_nul_in_the_address_is_no_article(api, method):
    path = "/api/v1/articles/a%00b" + ("/publish" if method == "POST" else "")

    response = api.call(method, path)

    assert response.status_code == 404


def test_nan_is_no_json_number_for_the_import_either(db, tmp_path):
    path = tmp_path / "article.json"
    path.write_text(json.dumps(pipeline_article(provenance={"quality_score": float("nan")})))

    failed, _, err = run_import(path)

    assert failed
    assert "invalid JSON: NaN is not a JSON number." in err
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("DELETE", "/api/v1/articles/pipe-001", 405),
        ("PATCH", "/api/v1/articles/pipe-001", 405),
        ("POST", "/api/v1/articles/", 405),
        ("GET", "/api/v1/articles/?limit=%00", 400),
    ],
)
def test_every_error_of_the_api_is_a_problem(api, method, path, status):
    response = api.call(method, path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_a_server_failure_in_the_api_is_a_problem_too(api, monkeypatch):
    from newsroom.api import endpoints

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(endpoints.representation, "with_everything", broken)
    client = api.client
    client.raise_request_exception = False

    response = api.get("/api/v1/articles/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "a bug" not in response.content.decode()


def test_the_api_takes_the_lead_image_as_base64_and_shows_its_renditions(api):
    answer = api.put("pipe-001", pictured(caption="Scores by model.")).json()

    image = answer["article"]["lead_image"]
    assert {key: image[key] for key in ("alt", "caption", "credit", "ai_generated")} == {
        "alt": "A chart of scores.",
        "caption": "Scores by model.",
        "credit": "Chart: Newsroom",
        "ai_generated": False,
    }
    assert (image["width"], image["height"]) == (640, 360)
    assert [(r["type"], r["width"]) for r in image["renditions"]] == [
        ("image/webp", 480),
        ("image/webp", 640),
        ("image/jpeg", 480),
        ("image/jpeg", 640),
    ]
    for rendition in image["renditions"]:
        assert rendition["url"].startswith("http://testserver/media/images/")
        assert Client().get(rendition["url"]).status_code == 200
    assert (
        api.put("pipe-001", pictured(caption="Scores by model.")).json()["outcome"] == "unchanged"
    )


def test_the_api_cannot_read_files_beside_a_json(api):
    response = api.put("pipe-001", pipeline_article(lead_image={"file": "a.jpg", "alt": "x"}))

    assert response.status_code == 422
    assert response.json()["field"] == "lead_image.file"
    assert "send the image itself, base64-encoded" in response.json()["detail"]


def test_a_picture_too_tall_for_its_width_is_a_422_naming_the_field(api):
    response = api.put("pipe-001", pictured(data=base64_picture(1, 20_000, image_format="PNG")))

    assert response.status_code == 422
    assert response.json()["field"] == "lead_image.data"
    assert response.json()["detail"] == (
        "The image is too tall for its width (1 × 20000): at most 10 times as tall as it is "
        "wide is accepted."
    )
    assert not Article.objects.exists()


def test_an_article_with_its_image_may_be_larger_than_other_requests(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000
    data = pictured(data=base64_picture(900, 600))
    assert len(json.dumps(data)) > 4000

    assert api.put("pipe-001", data).status_code == 201

    settings.IMAGE_MAX_BYTES = 1000
    too_large = api.put("pipe-002", pictured(external_id="pipe-002", data=base64_picture(900, 600)))
    assert too_large.status_code == 413
    assert too_large["Content-Type"] == "application/problem+json"


def test_publishing_keeps_the_lead_image(api):
    assert api.put("pipe-001", {**pictured(), "status": "draft"}).status_code == 201

    answer = api.post("/api/v1/articles/pipe-001/publish").json()

    assert answer["article"]["state"] == "published"
    assert answer["article"]["lead_image"]["alt"] == "A chart of scores."


def test_a_draft_with_a_live_articles_picture_leaves_the_live_article_as_it_was(api):
    live = api.put("pipe-001", pictured())
    other = pictured(alt="Something else entirely.", caption="Another desk's caption.")

    draft = api.put("pipe-002", {**other, "external_id": "pipe-002", "status": "draft"})

    assert draft.status_code == 201
    again = api.get("/api/v1/articles/pipe-001")
    assert again["ETag"] == live["ETag"]
    assert again.json()["lead_image"]["alt"] == "A chart of scores."
    page = Client().get(again.json()["url"]).content.decode()
    assert "A chart of scores." in page and "Something else" not in page
    # The same picture, stored once: both articles show the same renditions.
    renditions = [r["url"] for r in again.json()["lead_image"]["renditions"]]
    assert [r["url"] for r in draft.json()["article"]["lead_image"]["renditions"]] == renditions


def test_describing_the_lead_image_anew_is_a_new_version_of_the_article(api):
    first = api.put("pipe-001", pictured())

    second = api.put("pipe-001", pictured(alt="Scores of six models, as bars."))

    assert second.json()["outcome"] == "updated"
    assert second["ETag"] != first["ETag"]
    assert second.json()["article"]["revision"] == first.json()["article"]["revision"] + 1
    assert second.json()["article"]["lead_image"]["alt"] == "Scores of six models, as bars."
    page = Client().get(second.json()["article"]["url"]).content.decode()
    assert "Scores of six models, as bars." in page
