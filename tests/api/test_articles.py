"""The pipeline's API over HTTP: create, update, read, publish, unpublish, revisions."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from articles.models import Article
from tests.api.conftest import ApiClient, pipeline_article


def test_a_put_creates_the_article_and_answers_with_its_address_state_revision_and_gates(api):
    response = api.put("pipe-001", pipeline_article())

    assert response.status_code == 201
    body = response.json()
    assert body["outcome"] == "created"
    assert body["message"] == "created"
    assert body["held_for_review"] is False
    assert [(gate["gate"], gate["passed"]) for gate in body["gates"]] == [
        ("references", True),
        ("citations", True),
        ("provenance", True),
        ("quality", True),
        ("duplicate", True),
    ]
    article = body["article"]
    assert article["url"] == "http://testserver/articles/models-measured/"
    assert article["status"] == "published"
    assert article["state"] == "published"
    assert article["revision"] == 1
    assert response["Location"] == "/api/v1/articles/pipe-001"
    assert response["ETag"].startswith('"r1-')
    assert Client().get("/articles/models-measured/").status_code == 200


def test_the_same_put_again_changes_nothing_and_a_changed_one_updates(api):
    first = api.put("pipe-001", pipeline_article())
    again = api.put("pipe-001", pipeline_article())
    changed = api.put("pipe-001", pipeline_article(title="Models, measured again"))

    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    assert again["ETag"] == first["ETag"]
    assert (changed.status_code, changed.json()["outcome"]) == (200, "updated")
    assert changed.json()["article"]["revision"] == 2
    assert changed["ETag"] != first["ETag"]


def test_an_article_failing_a_gate_waits_in_review_and_the_answer_names_the_gate(api):
    one_reference = pipeline_article(
        body="A result [1].", references=pipeline_article()["references"][:1]
    )

    response = api.put("pipe-001", one_reference)

    assert response.status_code == 201
    body = response.json()
    assert body["held_for_review"] is True
    assert body["message"].startswith("created, held for review: references: It has 1 reference")
    failed = [gate for gate in body["gates"] if not gate["passed"]]
    assert [gate["gate"] for gate in failed] == ["references"]
    assert body["article"]["status"] == "in_review"
    assert body["article"]["held_by_gates"][0]["gate"] == "references"


def test_reading_an_article_gives_what_the_put_answered_with_its_etag(api):
    written = api.put("pipe-001", pipeline_article())

    read = api.get("/api/v1/articles/pipe-001")

    assert read.status_code == 200
    assert read.json() == written.json()["article"]
    assert read["ETag"] == written["ETag"]
    unchanged = api.get("/api/v1/articles/pipe-001", headers={"If-None-Match": read["ETag"]})
    assert unchanged.status_code == 304


def test_an_unknown_article_is_a_404_problem(api):
    response = api.get("/api/v1/articles/nope")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "There is no article with external_id 'nope'."


def test_an_external_id_with_a_slash_is_one_article(api):
    assert api.put("feed/2026/01", pipeline_article("feed/2026/01")).status_code == 201
    assert api.get("/api/v1/articles/feed%2F2026%2F01").json()["external_id"] == "feed/2026/01"
    assert api.get("/api/v1/articles/feed/2026/01/revisions").status_code == 200


def test_a_correction_through_the_api_is_shown_to_readers(api):
    api.put("pipe-001", pipeline_article())
    corrected = pipeline_article(
        body="## Findings\n\nA result [1] and a corrected one [2].",
        change={"kind": "correction", "text": "The second result was misstated."},
    )

    response = api.put("pipe-001", corrected)

    assert response.status_code == 200
    changes = response.json()["article"]["public_changes"]
    assert [(change["kind"], change["text"]) for change in changes] == [
        ("correction", "The second result was misstated.")
    ]
    page = Client().get("/articles/models-measured/").content.decode()
    assert "The second result was misstated." in page


# Lost updates and retries


def test_a_write_with_a_stale_if_match_is_refused_and_changes_nothing(api):
    first = api.put("pipe-001", pipeline_article())
    api.put("pipe-001", pipeline_article(title="Edited meanwhile"))

    stale = api.put(
        "pipe-001", pipeline_article(title="My edit"), headers={"If-Match": first["ETag"]}
    )

    assert stale.status_code == 412
    assert "changed since you read it" in stale.json()["detail"]
    assert Article.objects.get().title == "Edited meanwhile"


def test_a_write_with_the_current_etag_goes_through(api):
    api.put("pipe-001", pipeline_article())
    current = api.get("/api/v1/articles/pipe-001")["ETag"]

    response = api.put("pipe-001", pipeline_article(title="Mine"), headers={"If-Match": current})

    assert response.status_code == 200
    assert Article.objects.get().title == "Mine"


def test_retrying_a_put_that_went_through_is_safe_even_with_its_old_etag(api):
    before = api.put("pipe-001", pipeline_article())["ETag"]
    headers = {"If-Match": before}
    api.put("pipe-001", pipeline_article(title="Mine"), headers=headers)

    retried = api.put("pipe-001", pipeline_article(title="Mine"), headers=headers)

    assert (retried.status_code, retried.json()["outcome"]) == (200, "unchanged")


def test_if_none_match_star_creates_only(api):
    created = api.put("pipe-001", pipeline_article(), headers={"If-None-Match": "*"})
    assert created.status_code == 201
    again = api.put("pipe-001", pipeline_article(title="X"), headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert Article.objects.get().title == "Models, measured"


# Publishing


def test_publishing_a_draft_that_passes_the_gates_puts_it_online(api):
    api.put("pipe-001", pipeline_article(status="draft"))

    response = api.post("/api/v1/articles/pipe-001/publish")

    assert response.status_code == 200
    assert response.json()["article"]["state"] == "published"
    assert all(gate["passed"] for gate in response.json()["gates"])
    assert Client().get("/articles/models-measured/").status_code == 200


def test_publishing_an_article_the_gates_refuse_is_a_409_naming_every_failed_gate(api):
    weak = pipeline_article(
        status="draft",
        body="A result [1].",
        references=pipeline_article()["references"][:1],
        provenance={"origin": "pipeline", "quality_score": 0.2},
    )
    api.put("pipe-001", weak)

    response = api.post("/api/v1/articles/pipe-001/publish")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert [gate["gate"] for gate in problem["gates"]] == ["references", "provenance", "quality"]
    assert "waits in review for an editor" in problem["detail"]
    article = Article.objects.get()
    assert article.status == Article.Status.IN_REVIEW
    assert Client().get(article.get_absolute_url()).status_code == 404


def test_unpublishing_takes_the_article_offline_once(api):
    api.put("pipe-001", pipeline_article())

    first = api.post("/api/v1/articles/pipe-001/unpublish")
    second = api.post("/api/v1/articles/pipe-001/unpublish")

    assert (first.status_code, first.json()["outcome"]) == (200, "updated")
    assert first.json()["article"]["status"] == "draft"
    assert (second.status_code, second.json()["outcome"]) == (200, "unchanged")
    assert Client().get("/articles/models-measured/").status_code == 404


def test_a_post_retried_with_its_idempotency_key_gets_the_first_answer(api):
    api.put("pipe-001", pipeline_article(status="draft"))
    key = {"Idempotency-Key": "publish-pipe-001-a"}

    first = api.post("/api/v1/articles/pipe-001/publish", headers=key)
    api.post("/api/v1/articles/pipe-001/unpublish")
    retried = api.post("/api/v1/articles/pipe-001/publish", headers=key)

    assert retried.status_code == first.status_code == 200
    assert retried.content == first.content
    assert retried["Idempotent-Replayed"] == "true"
    assert Article.objects.get().status == Article.Status.DRAFT  # not published a second time


def test_an_idempotency_key_used_for_another_call_is_refused(api):
    api.put("pipe-001", pipeline_article(status="draft"))
    api.put("pipe-002", pipeline_article("pipe-002", title="Other", status="draft"))
    key = {"Idempotency-Key": "k-1"}
    api.post("/api/v1/articles/pipe-001/publish", headers=key)

    response = api.post("/api/v1/articles/pipe-002/publish", headers=key)

    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert Article.objects.get(external_id="pipe-002").status == Article.Status.DRAFT


# Listing and revisions


def test_the_list_pages_with_a_cursor_oldest_change_first(api):
    for number in range(5):
        api.put(f"pipe-{number}", pipeline_article(f"pipe-{number}", title=f"Story {number}"))

    seen, path = [], "/api/v1/articles/?limit=2"
    while path:
        page = api.get(path).json()
        seen += [item["external_id"] for item in page["items"]]
        path = page["next"]

    assert seen == [f"pipe-{number}" for number in range(5)]


def test_the_list_filters_by_status_and_by_time_of_change(api):
    api.put("pipe-1", pipeline_article("pipe-1", title="One", status="draft"))
    since = api.put("pipe-2", pipeline_article("pipe-2", title="Two"))
    since = since.json()["article"]["updated_at"]

    drafts = api.get("/api/v1/articles/?status=draft").json()["items"]
    recent = api.get(f"/api/v1/articles/?{urlencode({'updated_since': since})}").json()["items"]

    assert [item["external_id"] for item in drafts] == ["pipe-1"]
    assert [item["external_id"] for item in recent] == ["pipe-2"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=live", "status"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=2026-01-01T00:00", "updated_since"),
        ("cursor=abc", "cursor"),
        ("limit=0", "limit"),
        ("limit=many", "limit"),
        ("updated_since=9999-12-31T23:59:59-23:00", "updated_since"),
        ("updated_since=0001-01-01T00:00:00%2B23:00", "updated_since"),
        ("cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgSW5maW5pdHld", "cursor"),
        ("cursor=WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzIzOjAwIiwgMV0", "cursor"),
    ],
)
def test_bad_list_parameters_are_a_422_naming_them(api, query, field):
    response = api.get(f"/api/v1/articles/?{query}")

    assert response.status_code == 422
    assert response.json()["field"] == field


def test_a_page_of_the_list_takes_the_same_queries_however_long(api, django_assert_num_queries):
    for number in range(3):
        api.put(f"pipe-{number}", pipeline_article(f"pipe-{number}", title=f"Story {number}"))
    with django_assert_num_queries(5) as short:
        api.get("/api/v1/articles/?limit=1")
    with django_assert_num_queries(len(short.captured_queries)):
        api.get("/api/v1/articles/?limit=3")


def test_revisions_say_who_wrote_them_and_how(api):
    api.put("pipe-001", pipeline_article())
    api.put(
        "pipe-001",
        pipeline_article(title="Fixed", change={"kind": "clarification", "text": "Clearer."}),
    )

    items = api.get("/api/v1/articles/pipe-001/revisions").json()["items"]

    assert [item["number"] for item in items] == [2, 1]
    assert items[0]["via"] == "api"
    assert items[0]["author"] == "the pipeline (API token “pipeline”)"
    assert items[0]["public_change"] == {"kind": "clarification", "text": "Clearer."}
    assert items[1]["public_change"] is None


def test_the_api_is_never_a_page_of_the_public_cache(api):
    api.put("pipe-001", pipeline_article())
    api.get("/api/v1/articles/pipe-001")

    anonymous = ApiClient(None).get("/api/v1/articles/pipe-001")

    assert anonymous.status_code == 401


def test_publishing_a_held_article_again_is_still_refused_with_its_gates(api):
    weak = pipeline_article(
        status="draft", body="A result [1].", references=pipeline_article()["references"][:1]
    )
    api.put("pipe-001", weak)
    first = api.post("/api/v1/articles/pipe-001/publish")

    again = api.post("/api/v1/articles/pipe-001/publish")
    put = api.put("pipe-001", {**weak, "status": "published"})

    assert first.status_code == again.status_code == 409
    assert [gate["gate"] for gate in again.json()["gates"]] == ["references"]
    assert ".." not in again.json()["detail"]
    assert put.json()["held_for_review"] is True
    assert [gate["gate"] for gate in put.json()["gates"] if not gate["passed"]] == ["references"]


def test_a_weak_etag_never_matches_a_write(api):
    etag = api.put("pipe-001", pipeline_article())["ETag"]

    response = api.put("pipe-001", pipeline_article(title="X"), headers={"If-Match": f"W/{etag}"})

    assert response.status_code == 412


def test_if_none_match_naming_the_current_version_refuses_the_write(api):
    etag = api.put("pipe-001", pipeline_article())["ETag"]

    response = api.put("pipe-001", pipeline_article(title="X"), headers={"If-None-Match": etag})

    assert response.status_code == 412
    assert Article.objects.get().title == "Models, measured"


def test_if_match_on_an_article_that_does_not_exist_says_so(api):
    response = api.put("pipe-001", pipeline_article(), headers={"If-Match": '"r1-abc"'})

    assert response.status_code == 412
    assert response.json()["detail"].startswith("There is no such article")
    assert not Article.objects.exists()


def test_the_location_of_an_id_with_slashes_and_dots_is_percent_encoded(api):
    response = api.put("a/../b", pipeline_article("a/../b"))

    assert response["Location"] == "/api/v1/articles/a%2F..%2Fb"
    assert api.get(response["Location"]).json()["external_id"] == "a/../b"


def test_a_slug_another_article_has_is_the_import_s_422_not_a_conflict(api):
    api.put("pipe-001", pipeline_article(slug="taken"))

    response = api.put("pipe-002", pipeline_article("pipe-002", title="Other", slug="taken"))

    assert response.status_code == 422
    assert response.json()["field"] == "slug"


def test_a_token_without_publish_cannot_change_an_article_the_gates_hold(api, make_token):
    weak = pipeline_article(body="A result [1].", references=pipeline_article()["references"][:1])
    api.put("pipe-001", weak)  # asks to publish; held
    writer = ApiClient(make_token("articles:write"))

    unsaid = {name: value for name, value in pipeline_article().items() if name != "status"}
    response = writer.put("pipe-001", unsaid)

    assert response.status_code == 403
    assert "articles:publish" in response.json()["detail"]
