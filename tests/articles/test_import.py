import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from jsonschema import Draft202012Validator

from articles.importing import SCHEMA_PATH
from articles.management.commands.load_demo import DEMO_DIR
from articles.models import Article, Page, Section
from feedback.models import Vote
from references.models import Reference


def pipeline_article(**overrides):
    return {
        "external_id": "pipe-001",
        "title": "Models, measured",
        "dek": "What the benchmarks say.",
        "body": "## Findings\n\nA result [1] and another [2, 3].",
        "section": "Research",
        "tags": ["Evaluation", "Models"],
        "byline": "Daily Neural Digest Team",
        "published_at": "2026-04-07T09:30:00+02:00",
        "status": "published",
        "featured": True,
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
            for n in (1, 2, 3)
        ],
    } | overrides  # fmt: skip


def write(tmp_path, name, payload):
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return path


def run_import(*paths, **options):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, paths), stdout=out, stderr=err, **options)
        failed = False
    except CommandError:
        failed = True
    return failed, out.getvalue(), err.getvalue()


def test_import_creates_the_article_with_everything(db, tmp_path):
    failed, out, _ = run_import(write(tmp_path, "a.json", pipeline_article()))
    assert not failed
    assert "1 created, 0 updated, 0 unchanged, 0 failed" in out
    article = Article.objects.get(external_id="pipe-001")
    assert article.slug == "models-measured"
    assert article.section.name == "Research" and article.section.slug == "research"
    assert sorted(article.tags.names()) == ["Evaluation", "Models"]
    assert article.is_published() and article.featured
    assert article.published_at.isoformat() == "2026-04-07T07:30:00+00:00"
    assert (article.origin, article.pipeline_version, article.quality_score) == (
        "pipeline",
        "2.4.1",
        0.87,
    )
    assert article.sources_verified and not article.fact_checked
    assert [r.number for r in article.references.all()] == [1, 2, 3]
    assert str(article.references.first().accessed_at) == "2026-04-01"
    assert 'href="#ref-2" title="Title 2"' in article.body_html


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = write(tmp_path, "a.json", pipeline_article())
    run_import(path)
    before = Article.objects.get()
    failed, out, _ = run_import(path)
    assert not failed
    assert "0 created, 0 updated, 1 unchanged, 0 failed" in out
    after = Article.objects.get()
    assert after.updated_at == before.updated_at
    assert Reference.objects.count() == 3 and Section.objects.count() == 1


def test_import_updates_by_external_id_instead_of_duplicating(db, tmp_path):
    run_import(write(tmp_path, "a.json", pipeline_article()))
    changed = pipeline_article(
        title="Models, measured again",
        body="Only one source now [1].",
        tags=["Evaluation"],
        references=[{"number": 1, "publisher": "P", "title": "New", "url": "https://e.org"}],
    )
    failed, out, _ = run_import(write(tmp_path, "b.json", changed))
    assert not failed and "1 updated" in out
    article = Article.objects.get()
    assert article.title == "Models, measured again"
    assert article.slug == "models-measured"  # the address stays stable
    assert list(article.tags.names()) == ["Evaluation"]
    assert [r.title for r in article.references.all()] == ["New"]


def test_update_leaves_fields_that_are_not_given(db, tmp_path, make_article):
    run_import(write(tmp_path, "a.json", pipeline_article()))
    Article.objects.update(status="archived")  # an editor archived it
    minimal = {k: pipeline_article()[k] for k in ("external_id", "title", "body", "section")}
    failed, out, _ = run_import(write(tmp_path, "b.json", minimal))
    assert not failed and "1 unchanged" in out
    article = Article.objects.get()
    assert article.status == "archived"
    assert article.references.count() == 3 and article.tags.count() == 2


def test_a_list_and_a_folder_import_together(db, tmp_path):
    folder = tmp_path / "batch"
    (folder / "nested").mkdir(parents=True)
    write(
        folder, "one.json", [pipeline_article(external_id="a"), pipeline_article(external_id="b")]
    )
    write(folder / "nested", "two.json", pipeline_article(external_id="c"))
    write(folder, "notes.txt", "not json, not read")
    failed, out, _ = run_import(folder)
    assert not failed
    assert "Imported 2 file(s): 3 created" in out
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "models-measured",
        "models-measured-2",
        "models-measured-3",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": "Cites [1] and [7]."}, "body: The body cites [7], but there is no reference"),
        ({"title": ""}, "title: '' should be non-empty"),
        ({"status": "live"}, "status: 'live' is not one of"),
        ({"published_at": "April 7"}, "published_at: 'April 7' is not an ISO 8601"),
        ({"published_at": "2026-04-07T09:30:00"}, "published_at: '2026-04-07T09:30:00' has no UTC"),
        ({"provenance": {"quality_score": 1.5}}, "provenance.quality_score: 1.5 is greater"),
        ({"provenance": {"origin": "robot"}}, "provenance.origin: 'robot' is not one of"),
        ({"headline": "x"}, "headline: is not a field of the import format."),
        ({"tags": "AI"}, "tags: 'AI' is not of type 'array'"),
        ({"slug": "has spaces"}, "slug: 'has spaces' may hold only letters"),
        (
            {"references": [{"number": 1, "publisher": "P", "title": "T", "url": "ftp://x"}]},
            "references[0].url: 'ftp://x' must be an http:// or https:// address.",
        ),
        (
            {"references": [{"number": 1, "publisher": "P", "title": "T"}]},
            "references[0].url: is required.",
        ),
        (
            {"references": [{"number": 1, "publisher": "P", "title": "T",
                             "url": "https://x.org"}] * 2, "body": "[1]"},
            "references[1].number: number 1 is used twice.",
        ),
        (
            {"references": [{"number": 1, "publisher": "P", "title": "T",
                             "url": "https://x", "accessed_at": "2026-02-30"}], "body": "[1]"},
            "references[0].accessed_at: '2026-02-30' is not a date",
        ),
        (
            {"references": [{"number": 1, "publisher": "P", "title": "T",
                             "url": "https://not a url"}], "body": "[1]"},
            "references[0].url: Enter a full http:// or https:// address.",
        ),
    ],
)  # fmt: skip
def test_an_invalid_article_is_rejected_whole_with_file_article_and_field(
    db, tmp_path, overrides, message
):
    path = write(tmp_path, "bad.json", pipeline_article(**overrides))
    failed, out, err = run_import(path)
    assert failed
    assert f"{path}: article 'pipe-001' (#1): {message}" in err
    assert "0 created, 0 updated, 0 unchanged, 1 failed" in out
    assert not Article.objects.exists()
    assert not Section.objects.exists() and not Reference.objects.exists()


def test_missing_external_id_is_named(db, tmp_path):
    article = pipeline_article()
    del article["external_id"]
    path = write(tmp_path, "bad.json", [article])
    _, _, err = run_import(path)
    assert f"{path}: article #1: external_id: is required." in err


def test_a_failed_update_keeps_the_article_as_it_was(db, tmp_path):
    run_import(write(tmp_path, "a.json", pipeline_article()))
    failed, _, _ = run_import(
        write(tmp_path, "b.json", pipeline_article(title="Changed", body="Now cites [9]."))
    )
    assert failed
    article = Article.objects.get()
    assert article.title == "Models, measured"
    assert article.references.count() == 3


def test_one_bad_article_does_not_stop_the_others(db, tmp_path):
    path = write(
        tmp_path,
        "mixed.json",
        [
            pipeline_article(external_id="good-1"),
            pipeline_article(external_id="bad", body="[42]"),
            pipeline_article(external_id="good-2"),
        ],
    )
    failed, out, err = run_import(path)
    assert failed
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in out
    assert "article 'bad' (#2): body:" in err
    assert set(Article.objects.values_list("external_id", flat=True)) == {"good-1", "good-2"}


def with_nul_in(field):
    """A pipeline article whose `field` (a path like "references.0.title") holds a NUL."""
    article = pipeline_article(external_id="nul", slug="nul", tags=["Fine", "Bad\x00tag"])
    *parents, last = [int(part) if part.isdigit() else part for part in field.split(".")]
    holder = article
    for part in parents:
        holder = holder[part]
    if last != "tags":
        holder[last] = "Before\x00after"
        article["tags"] = ["Fine"]
    return article


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("title", "title"),
        ("dek", "dek"),
        ("body", "body"),
        ("byline", "byline"),
        ("section", "section"),
        ("tags", "tags[1]"),
        ("provenance.pipeline_version", "provenance.pipeline_version"),
        ("references.0.title", "references[0].title"),
        ("references.2.publisher", "references[2].publisher"),
    ],
)
def test_a_nul_character_is_refused_naming_the_field_and_the_rest_imports(
    db, tmp_path, field, named
):
    path = write(
        tmp_path,
        "batch.json",
        [with_nul_in(field), pipeline_article(external_id="after", slug="after")],
    )
    failed, out, err = run_import(path)
    assert failed
    assert f"batch.json: article 'nul' (#1): {named}: contains a NUL character." in err
    assert "Traceback" not in err
    assert "1 created, 0 updated, 0 unchanged, 1 failed" in out
    assert list(Article.objects.values_list("external_id", flat=True)) == ["after"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON at line 1, column 2"),
        ("[]", "the file holds an empty list."),
        ("[1]", "article #1: must be a JSON object."),
    ],
)
def test_unreadable_files_are_named_and_fail(db, tmp_path, content, message):
    path = write(tmp_path, "broken.json", content)
    failed, _, err = run_import(path, write(tmp_path, "good.json", pipeline_article()))
    assert failed
    assert f"{path}: {message}" in err
    assert Article.objects.count() == 1


def test_missing_path_fails_with_its_name(db, tmp_path):
    failed, _, err = run_import(tmp_path / "nowhere.json")
    assert failed
    assert f"{tmp_path / 'nowhere.json'}: no such file or folder." in err


def test_dry_run_checks_but_writes_nothing(db, tmp_path):
    failed, out, _ = run_import(write(tmp_path, "a.json", pipeline_article()), dry_run=True)
    assert not failed
    assert "1 created" in out and "Dry run: nothing was written." in out
    assert not Article.objects.exists() and not Section.objects.exists()


def test_a_new_slug_never_collides_with_an_existing_article(db, tmp_path, make_article):
    make_article(slug="models-measured")
    run_import(write(tmp_path, "a.json", pipeline_article()))
    assert Article.objects.get(external_id="pipe-001").slug == "models-measured-2"


def test_an_explicit_slug_taken_by_another_article_is_an_error(db, tmp_path, make_article):
    make_article(slug="taken")
    failed, _, err = run_import(write(tmp_path, "a.json", pipeline_article(slug="taken")))
    assert failed and "slug: Article with this Slug already exists." in err


def test_section_is_matched_by_slug_or_name(db, tmp_path, make_section):
    section = make_section(name="Deep Research", slug="deep")
    run_import(write(tmp_path, "a.json", pipeline_article(external_id="a", section="deep")))
    run_import(
        write(tmp_path, "b.json", pipeline_article(external_id="b", section="deep research"))
    )
    assert set(Article.objects.values_list("section", flat=True)) == {section.pk}


def test_draft_without_status_defaults_to_draft(db, tmp_path):
    article = pipeline_article()
    del article["status"]
    run_import(write(tmp_path, "a.json", article))
    assert Article.objects.get().status == "draft"


def test_imported_article_page_shows_its_parts(client, db, tmp_path):
    run_import(write(tmp_path, "a.json", pipeline_article(published_at="2026-01-05T10:00:00Z")))
    html = client.get("/articles/models-measured/").content.decode()
    assert "Models, measured" in html
    assert "January 5, 2026" in html
    assert "autonomous pipeline — multi-source verified and quality-scored." in html
    source = '<span class="reference-list__source">Pub 3 — <cite>Title 3</cite>'
    assert f"[3]</span>\n      {source}" in html


# The schema file and the demo newsroom


def test_schema_is_valid_and_accepts_every_demo_file():
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    demo_files = sorted(DEMO_DIR.glob("*.json"))
    assert demo_files
    for path in demo_files:
        assert not list(validator.iter_errors(json.loads(path.read_text()))), path


def test_readme_example_imports(db, tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("```json\n", 1)[1].split("```", 1)[0]
    failed, out, err = run_import(write(tmp_path, "example.json", example))
    assert not failed, err
    assert "1 created" in out


def test_load_demo_builds_the_newsroom_and_is_idempotent(db, settings):
    settings.DEMO_EDITOR_PASSWORD = "a-demo-password-1"
    out = StringIO()
    call_command("load_demo", stdout=out)
    articles = Article.objects.all()
    assert 12 <= articles.count() <= 20
    assert articles.filter(status="draft").exists()
    assert any(article.is_scheduled for article in articles)
    assert set(articles.values_list("origin", flat=True)) == {"pipeline", "assisted", "human"}
    assert Section.objects.count() >= 3
    assert all(article.references.exists() for article in articles)
    assert "0 held for review" in out.getvalue()  # the demo passes the publication gates
    assert Page.objects.filter(slug="how-it-works").exists()
    assert (
        "Log in at /admin/ (http://127.0.0.1:8000/admin/ with `make run`) as 'editor'"
        in out.getvalue()
    )

    votes = Vote.objects.count()
    assert votes > 0 and Vote.objects.filter(helpful=False).exclude(reason="").exists()

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "0 created, 0 updated, 16 unchanged, 0 failed" in out.getvalue()
    assert Vote.objects.count() == votes
    assert "Editor account 'editor' exists" in out.getvalue()


def test_demo_editor_can_log_in_and_reach_the_articles(client, db, settings):
    settings.DEMO_EDITOR_PASSWORD = "a-demo-password-1"
    call_command("load_demo", stdout=StringIO())
    response = client.post(
        "/admin/login/?next=/admin/articles/article/",
        {"username": "editor", "password": "a-demo-password-1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/admin/articles/article/"
    assert response.status_code == 200
