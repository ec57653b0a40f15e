"""The publication gates: what an article the pipeline asks to publish must pass to go live, and
what happens to one that fails (articles/editorial/gates.py)."""

import datetime as dt
import json
import re
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from articles.editorial import gates
from articles.editorial.models import Review
from articles.editorial.recording import Edit
from articles.models import Article
from articles.services import article_publish, article_send_back
from references.models import Reference

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)

STORY = (
    "## What happened\n\n"
    "The regional water board voted on Tuesday to raise the price of tap water by nine percent "
    "from the first of July, citing the cost of replacing lead pipes in the old town [1]. "
    "Households that use less than ten cubic metres a month will pay the old rate, a relief "
    "the board added after a petition signed by four thousand residents.\n\n"
    "## Why it matters\n\n"
    "The board says the pipes are older than any in the region and that two schools measured "
    "lead above the legal limit last winter [2]. Opponents argue that the state promised to pay "
    "for the work and that the board should wait for that money before asking families to pay "
    "more. The next vote on the budget is planned for September."
)
OTHER_STORY = (
    "## The match\n\n"
    "The city's football club won its first home game of the season on Saturday, three goals to "
    "one, in front of a crowd of eleven thousand [1]. The new coach changed the team's shape at "
    "half time and the young striker scored twice in ten minutes.\n\n"
    "## What comes next\n\n"
    "The club travels to the coast next week, where it has not won in six years [2]. Tickets "
    "for the following home game went on sale this morning and sold out within the hour."
)


def story_article(**overrides):
    """A pipeline article that passes every gate: two references, both cited, full provenance."""
    return {
        "external_id": "water-prices",
        "title": "Water will cost more from July",
        "body": STORY,
        "section": "News",
        "byline": "Daily Neural Digest Team",
        "status": "published",
        "provenance": {
            "origin": "pipeline",
            "pipeline_version": "2.4.1",
            "sources_verified": True,
            "fact_checked": True,
            "quality_score": 0.86,
        },
        "references": [
            {"number": n, "publisher": f"Publisher {n}", "title": f"Source {n}",
             "url": f"https://example.org/{n}"}
            for n in (1, 2)
        ],
    } | overrides  # fmt: skip


def with_provenance(**changes):
    return story_article()["provenance"] | changes


def one_reference():
    return [story_article()["references"][0]]


def import_articles(tmp_path, *articles, **options):
    """Import the articles as the pipeline does; return the command's output."""
    path = tmp_path / f"import-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(list(articles)))
    out = StringIO()
    call_command("import_articles", str(path), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_an_article_that_passes_every_gate_is_published(client, db, tmp_path):
    out = import_articles(tmp_path, story_article())
    assert "article 'water-prices' (#1): created\n" in out
    assert "0 held for review." in out
    article = Article.objects.get()
    assert article.is_published() and article.held_gates == []
    assert client.get(article.get_absolute_url()).status_code == 200
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "gate", "message"),
    [
        (
            {"body": STORY.replace(" [2]", ""), "references": one_reference()},
            "references",
            "It has 1 reference; at least 2 are needed.",
        ),
        (
            {"references": [*story_article()["references"],
                            {"number": 3, "publisher": "P", "title": "T",
                             "url": "https://example.org/3"}]},
            "citations",
            "Reference 3 is never cited.",
        ),
        (
            {"provenance": with_provenance(pipeline_version="")},
            "provenance",
            "Provenance is incomplete: no pipeline version.",
        ),
        (
            {"provenance": with_provenance(origin="assisted", pipeline_version="")},
            "provenance",
            "Provenance is incomplete: no pipeline version.",
        ),
        (
            {"provenance": with_provenance(quality_score=0.55)},
            "quality",
            "Quality score 0.55 is below 0.7.",
        ),
    ],
)  # fmt: skip
def test_each_gate_holds_an_otherwise_good_article_in_review(
    db, tmp_path, overrides, gate, message
):
    out = import_articles(tmp_path, story_article(**overrides))
    assert f"article 'water-prices' (#1): created, held for review: {gate}: {message}\n" in out
    article = Article.objects.get()
    assert article.status == Article.Status.IN_REVIEW
    assert article.held_gates == [{"gate": gate, "message": message}]
    review = Review.objects.get(article=article)
    assert review.decision == Review.Decision.HELD
    assert review.revision == article.revisions.order_by("-number").first()
    assert (review.reviewer, review.reviewer_name) == (None, "the publication gates")
    assert review.gates == article.held_gates


def test_an_article_without_references_is_held(db, tmp_path):
    article = story_article(body="A claim without a source.")
    del article["references"]
    out = import_articles(tmp_path, article)
    assert "held for review: references: It has no references; at least 2 are needed." in out
    assert Article.objects.get().status == Article.Status.IN_REVIEW


def test_a_pipeline_article_without_a_quality_score_is_held_by_two_gates(db, tmp_path):
    import_articles(tmp_path, story_article(provenance=with_provenance(quality_score=None)))
    assert Article.objects.get().held_gates == [
        {"gate": "provenance", "message": "Provenance is incomplete: no quality score."},
        {"gate": "quality", "message": "It has no quality score; at least 0.7 is needed."},
    ]


def test_an_article_written_by_people_needs_no_quality_score(db, tmp_path):
    import_articles(tmp_path, story_article(provenance={"origin": "human"}))
    assert Article.objects.get().is_published()


def test_a_citation_without_a_reference_is_refused_before_the_gates(db, tmp_path):
    """The import refuses such an article whole, published or not: nothing is stored."""
    with pytest.raises(CommandError):
        import_articles(tmp_path, story_article(body=STORY + " More [4]."))
    assert not Article.objects.exists()


def test_the_citations_gate_names_citations_no_reference_has(db):
    article = Article(body="A claim [1] and another [4, 5].", origin="human", byline="Desk")
    references = [Reference(number=n) for n in (1, 2, 3)]
    assert gates.check(article, references) == [
        {
            "gate": "citations",
            "message": "It cites [4], [5], which no reference has. "
            "References 2 and 3 are never cited.",
        }
    ]


def test_the_output_names_every_failed_gate_and_the_command_succeeds(db, tmp_path):
    held = story_article(
        body=STORY.replace(" [2]", ""),
        references=one_reference(),
        provenance=with_provenance(quality_score=0.55),
    )
    out = import_articles(tmp_path, held, story_article(external_id="fine", body=OTHER_STORY))
    assert (
        "article 'water-prices' (#1): created, held for review: "
        "references: It has 1 reference; at least 2 are needed.; "
        "quality: Quality score 0.55 is below 0.7.\n"
    ) in out
    assert "article 'fine' (#2): created\n" in out
    assert "2 created, 0 updated, 0 unchanged, 0 failed; 1 held for review." in out


def test_a_held_article_never_reaches_readers(client, db, tmp_path):
    import_articles(
        tmp_path, story_article(provenance=with_provenance(quality_score=0.55), featured=True)
    )
    article = Article.objects.get()
    assert client.get(article.get_absolute_url()).status_code == 404
    for page in ("/", "/feeds/rss/", "/feeds/atom/", "/sitemap.xml"):
        response = client.get(page)
        assert response.status_code == 200
        assert article.title not in response.content.decode(), page


def test_the_admin_shows_the_gates_that_held_an_article(editor_client, tmp_path):
    import_articles(tmp_path, story_article(provenance=with_provenance(quality_score=0.55)))
    article = Article.objects.get()
    html = editor_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Quality score 0.55 is below 0.7." in html


def test_a_dry_run_names_the_failed_gates_and_writes_nothing(db, tmp_path):
    held = story_article(provenance=with_provenance(quality_score=0.55))
    out = import_articles(tmp_path, held, dry_run=True)
    assert "created, held for review: quality: Quality score 0.55 is below 0.7." in out
    assert "1 held for review. Dry run: nothing was written." in out
    assert not Article.objects.exists() and not Review.objects.exists()


# Settings


def test_settings_set_the_thresholds(db, tmp_path, settings):
    settings.PUBLISH_MIN_REFERENCES = 1
    settings.PUBLISH_MIN_QUALITY = 0.5
    import_articles(
        tmp_path,
        story_article(
            body=STORY.replace(" [2]", ""),
            references=one_reference(),
            provenance=with_provenance(quality_score=0.55),
        ),
    )
    assert Article.objects.get().is_published()

    settings.PUBLISH_MIN_REFERENCES = 3
    settings.PUBLISH_MIN_QUALITY = 0.9
    import_articles(tmp_path, story_article(external_id="stricter", body=OTHER_STORY))
    assert Article.objects.get(external_id="stricter").held_gates == [
        {"gate": "references", "message": "It has 2 references; at least 3 are needed."},
        {"gate": "quality", "message": "Quality score 0.86 is below 0.9."},
    ]


def test_publish_gates_chooses_the_gates_and_empty_turns_them_off(db, tmp_path, settings):
    failing = {"provenance": with_provenance(pipeline_version="", quality_score=0.1)}
    settings.PUBLISH_GATES = ["quality"]
    import_articles(tmp_path, story_article(**failing))
    assert [failure["gate"] for failure in Article.objects.get().held_gates] == ["quality"]

    settings.PUBLISH_GATES = []
    import_articles(tmp_path, story_article(external_id="ungated", body=OTHER_STORY, **failing))
    assert Article.objects.get(external_id="ungated").is_published()


# Held, then fixed, overridden or updated


def test_a_reimport_that_fixes_the_problem_publishes_it(client, db, tmp_path):
    import_articles(tmp_path, story_article(provenance=with_provenance(quality_score=0.55)))
    out = import_articles(tmp_path, story_article())
    assert "article 'water-prices' (#1): updated\n" in out
    article = Article.objects.get()
    assert article.is_published() and article.held_gates == []
    assert client.get(article.get_absolute_url()).status_code == 200
    assert list(Review.objects.values_list("decision", flat=True)) == ["held"]  # the record stays


def test_importing_a_held_article_again_unchanged_keeps_it_held_once(db, tmp_path):
    held = story_article(provenance=with_provenance(quality_score=0.55))
    import_articles(tmp_path, held)
    out = import_articles(tmp_path, held)
    assert "0 created, 0 updated, 1 unchanged, 0 failed; 0 held for review." in out
    assert Article.objects.get().status == Article.Status.IN_REVIEW
    assert Review.objects.count() == 1


def test_a_pipeline_update_that_fails_takes_a_published_article_back_to_review(
    client, db, tmp_path
):
    import_articles(tmp_path, story_article())
    out = import_articles(tmp_path, story_article(provenance=with_provenance(quality_score=0.4)))
    assert "updated, held for review: quality: Quality score 0.4 is below 0.7." in out
    article = Article.objects.get()
    assert article.status == Article.Status.IN_REVIEW
    assert client.get(article.get_absolute_url()).status_code == 404


def test_an_editor_publishes_a_held_article_only_with_a_recorded_reason(db, tmp_path, editor):
    held = story_article(provenance=with_provenance(quality_score=0.55))
    import_articles(tmp_path, held)
    article = Article.objects.get()
    with pytest.raises(ValidationError, match="Quality score 0.55 is below 0.7."):
        article_publish(actor=editor, article=article)
    assert Article.objects.get().status == Article.Status.IN_REVIEW

    reason = "The score undervalues a verified local story."
    article_publish(actor=editor, article=article, edit=Edit(override_reason=reason))
    article = Article.objects.get()
    assert article.is_published() and article.held_gates == []
    overridden = Review.objects.get(decision=Review.Decision.OVERRIDDEN)
    assert (overridden.reviewer, overridden.note) == (editor, reason)
    assert overridden.gates == [{"gate": "quality", "message": "Quality score 0.55 is below 0.7."}]

    out = import_articles(tmp_path, held)  # the pipeline sends the same version again
    assert "1 unchanged" in out and Article.objects.get().is_published()

    import_articles(tmp_path, held | {"title": "Water will cost more"})  # a new failing version
    assert Article.objects.get().status == Article.Status.IN_REVIEW
    decisions = Review.objects.order_by("pk").values_list("decision", flat=True)
    assert list(decisions) == ["held", "overridden", "held"]


def test_articles_written_through_the_services_are_not_gated(make_article):
    """The gates judge what the pipeline asks to publish through the import (and the API)."""
    article = make_article(origin="pipeline", quality_score=0.1)
    assert article.is_published() and article.held_gates == []


# Near duplicates


def copy_of_story():
    """The story as a rewrite of it might read: a number written in figures."""
    return STORY.replace("four thousand", "4,000")


def published_days_ago(tmp_path, days, **overrides):
    """Import the story as published `days` before NOW."""
    with time_machine.travel(NOW - dt.timedelta(days=days), tick=False):
        import_articles(tmp_path, story_article(external_id="original", **overrides))


def test_a_near_copy_of_last_weeks_story_is_held_naming_it(db, tmp_path):
    published_days_ago(tmp_path, 6, title="Tap water to cost nine percent more")
    out = import_articles(tmp_path, story_article(external_id="copy", body=copy_of_story()))
    (failure,) = Article.objects.get(external_id="copy").held_gates
    assert failure["gate"] == "duplicate"
    match = re.fullmatch(
        r"It reads like “Tap water to cost nine percent more” \(/articles/"
        r"tap-water-to-cost-nine-percent-more/\), published June 9, 2026: "
        r"(\d+) % of its word shingles are the same\.",
        failure["message"],
    )
    assert match, failure["message"]
    assert 80 <= int(match[1]) < 100
    assert f"duplicate: {failure['message']}" in out


def test_an_article_like_one_older_than_the_window_is_published(db, tmp_path):
    published_days_ago(tmp_path, 40)
    import_articles(tmp_path, story_article(external_id="copy", body=copy_of_story()))
    assert Article.objects.get(external_id="copy").is_published()


def test_the_window_is_a_setting(db, tmp_path, settings):
    published_days_ago(tmp_path, 40)
    settings.PUBLISH_DUPLICATE_DAYS = 45
    import_articles(tmp_path, story_article(external_id="copy", body=copy_of_story()))
    assert Article.objects.get(external_id="copy").held_gates[0]["gate"] == "duplicate"


def test_the_similarity_a_near_duplicate_needs_is_a_setting(db, tmp_path, settings):
    published_days_ago(tmp_path, 6)
    settings.PUBLISH_DUPLICATE_SIMILARITY = 0.99
    import_articles(tmp_path, story_article(external_id="copy", body=copy_of_story()))
    assert Article.objects.get(external_id="copy").is_published()


def test_a_story_sharing_only_some_sentences_is_no_duplicate(db, tmp_path):
    published_days_ago(tmp_path, 2)
    first_half = STORY.split("## Why it matters")[0]
    import_articles(tmp_path, story_article(external_id="follow-up", body=first_half + OTHER_STORY))
    assert Article.objects.get(external_id="follow-up").is_published()


def test_a_copy_of_a_held_article_is_held_too(db, tmp_path):
    published_days_ago(tmp_path, 1, provenance=with_provenance(quality_score=0.5))
    import_articles(tmp_path, story_article(external_id="copy", body=copy_of_story()))
    (failure,) = Article.objects.get(external_id="copy").held_gates
    assert "held for review since June 14, 2026" in failure["message"]


def test_an_update_is_not_a_duplicate_of_itself(db, tmp_path):
    import_articles(tmp_path, story_article())
    out = import_articles(tmp_path, story_article(body=copy_of_story()))
    assert "article 'water-prices' (#1): updated\n" in out
    assert Article.objects.get().is_published()


def test_a_held_copy_never_takes_its_original_off_the_site(client, db, tmp_path):
    published_days_ago(tmp_path, 2)
    import_articles(tmp_path, story_article(external_id="copy", body=copy_of_story()))
    assert Article.objects.get(external_id="copy").held_gates
    out = import_articles(
        tmp_path,
        story_article(
            external_id="original",
            dek="A dek, corrected.",
            change={"kind": "correction", "text": "The dek named the wrong town."},
        ),
    )
    assert "article 'original' (#1): updated\n" in out
    original = Article.objects.get(external_id="original")
    assert original.is_published()
    assert "The dek named the wrong town." in client.get("/corrections/").content.decode()


def test_articles_from_before_signatures_are_compared_from_their_text(db, tmp_path):
    published_days_ago(tmp_path, 3)
    Article.objects.update(body_signature=None)  # as written before the field existed
    import_articles(tmp_path, story_article(external_id="copy", body=copy_of_story()))
    assert Article.objects.get(external_id="copy").held_gates[0]["gate"] == "duplicate"


def test_a_retraction_is_published_whatever_the_gates_say(client, db, tmp_path):
    import_articles(tmp_path, story_article())
    retraction = story_article(
        provenance=with_provenance(quality_score=0.2),
        change={"kind": "retraction", "text": "The board never voted: the story was wrong."},
    )
    out = import_articles(tmp_path, retraction)
    assert "article 'water-prices' (#1): updated\n" in out
    article = Article.objects.get()
    assert article.is_retracted and article.held_gates == []
    html = client.get(article.get_absolute_url()).content.decode()
    assert "The board never voted: the story was wrong." in html
    assert article.get_absolute_url() not in client.get("/").content.decode()


def test_an_article_that_does_not_say_who_made_it_is_taken_for_the_pipelines(client, db, tmp_path):
    out = import_articles(tmp_path, story_article(provenance={}))
    assert (
        "created, held for review: provenance: Provenance is incomplete: no pipeline version, "
        "no quality score.; quality: It has no quality score; at least 0.7 is needed.\n"
    ) in out
    article = Article.objects.get()
    assert article.origin == Article.Origin.PIPELINE
    # a later version that still says nothing is judged the same way
    out = import_articles(tmp_path, story_article(provenance={}, dek="A new dek."))
    assert "updated, held for review: provenance:" in out
    assert not Article.objects.get().is_published()


def test_a_held_article_the_pipeline_keeps_in_review_is_not_published(db, tmp_path):
    import_articles(tmp_path, story_article(provenance=with_provenance(quality_score=0.55)))
    import_articles(tmp_path, story_article(status="in_review"))  # fixed, but not to publish
    article = Article.objects.get()
    assert article.status == Article.Status.IN_REVIEW and not article.held_gates


def test_a_correction_keeps_a_live_article_live_whatever_the_gates_say(client, db, tmp_path):
    with time_machine.travel(NOW - dt.timedelta(days=400), tick=False):  # before the gates
        import_articles(tmp_path, story_article())
    Article.objects.update(quality_score=0.5)
    out = import_articles(
        tmp_path,
        story_article(
            provenance=with_provenance(quality_score=0.5),
            body=STORY.replace("nine percent", "eight percent"),
            change={"kind": "correction", "text": "The rise is eight percent, not nine."},
        ),
    )
    assert "article 'water-prices' (#1): updated\n" in out
    article = Article.objects.get()
    assert article.is_published()
    assert "The rise is eight percent, not nine." in client.get(article.get_absolute_url()).text
    assert "The rise is eight percent, not nine." in client.get("/corrections/").text


def test_a_version_the_editor_sent_back_waits_for_an_editor(db, tmp_path, editor):
    import_articles(tmp_path, story_article(provenance=with_provenance(quality_score=0.55)))
    article_send_back(actor=editor, article=Article.objects.get(), note="Check the figures.")
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.held_gates == []

    out = import_articles(tmp_path, story_article(provenance=with_provenance(quality_score=0.55)))
    assert "1 unchanged" in out and Article.objects.get().status == Article.Status.DRAFT

    out = import_articles(tmp_path, story_article())  # revised: passes every gate now
    assert "updated, held for review: an editor sent it back; it waits for one" in out
    assert "1 held for review." in out
    assert Article.objects.get().status == Article.Status.IN_REVIEW
