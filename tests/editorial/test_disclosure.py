"""The disclosure box says an editor reviewed a pipeline article only while that is true."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from articles.models import Article
from articles.roles import PIPELINE
from articles.services import article_approve, article_update

APPROVED = dt.datetime(2026, 4, 8, 12, 0, tzinfo=dt.UTC)


def disclosure(article):
    html = Client().get(article.get_absolute_url()).content.decode()
    return html.split('<aside class="disclosure"')[1].split("</aside>")[0]


@pytest.fixture
def generated(make_article):
    return make_article(
        origin=Article.Origin.PIPELINE, pipeline_version="3.0", quality_score=0.9, body="Text."
    )


def test_a_pipeline_article_nobody_reviewed_claims_no_review(generated):
    assert "review" not in disclosure(generated)


def test_an_approval_shows_in_the_disclosure_until_the_pipeline_changes_the_text(generated, editor):
    assert "review" not in disclosure(generated)  # the page is cached from now on
    with time_machine.travel(APPROVED, tick=False):
        article_approve(actor=editor, article=generated, note="Checked both sources.")
    assert "An editor reviewed it on April 8, 2026." in disclosure(generated)

    again = Article.objects.get(pk=generated.pk)
    again.featured = True  # not what the article says
    article_update(actor=PIPELINE, article=again)
    assert "An editor reviewed it on April 8, 2026." in disclosure(generated)

    again = Article.objects.get(pk=generated.pk)
    again.body = "Text, rewritten by the pipeline."
    article_update(actor=PIPELINE, article=again)
    assert "review" not in disclosure(generated)


def test_a_writers_later_edit_needs_a_new_approval_an_editors_does_not(generated, editor, writer):
    with time_machine.travel(APPROVED, tick=False):
        article_approve(actor=editor, article=generated)
    again = Article.objects.get(pk=generated.pk)
    again.dek = "An editor's better dek."
    article_update(actor=editor, article=again)
    assert "An editor reviewed it on April 8, 2026." in disclosure(generated)

    Article.objects.filter(pk=generated.pk).update(status=Article.Status.IN_REVIEW)
    again = Article.objects.get(pk=generated.pk)
    again.body = "Text with a claim no editor read."
    article_update(actor=writer, article=again)
    assert Article.objects.get(pk=generated.pk).reviewed_at is None


def test_the_feed_says_what_the_page_says(generated, editor, client):
    assert "reviewed" not in client.get("/feeds/rss/").content.decode()
    with time_machine.travel(APPROVED, tick=False):
        article_approve(actor=editor, article=generated)
    assert "An editor reviewed it on April 8, 2026." in client.get("/feeds/rss/").content.decode()
