import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from articles.models import Article
from articles.roles import PIPELINE
from articles.services import article_update
from tests.conftest import reference

NOW = timezone.now()
PAST = NOW - dt.timedelta(days=1)
FUTURE = NOW + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "published_at", "visible"),
    [
        (Article.Status.PUBLISHED, PAST, True),
        (Article.Status.PUBLISHED, FUTURE, False),
        (Article.Status.DRAFT, PAST, False),
        (Article.Status.DRAFT, FUTURE, False),
        (Article.Status.DRAFT, None, False),
        (Article.Status.IN_REVIEW, PAST, False),
        (Article.Status.IN_REVIEW, FUTURE, False),
        (Article.Status.ARCHIVED, PAST, False),
        (Article.Status.ARCHIVED, FUTURE, False),
    ],
)
def test_published_rule_is_status_published_and_time_not_in_future(
    make_article, status, published_at, visible
):
    article = make_article(status=status, published_at=published_at)
    assert (article in Article.objects.published()) is visible
    assert article.is_published() is visible


def test_scheduled_article_becomes_visible_when_its_time_comes(make_article):
    article = make_article(published_at=timezone.now() + dt.timedelta(seconds=60))
    assert article.is_scheduled
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_an_article_is_published_at_the_very_moment_of_its_publication_time(client, make_article):
    go_live = dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC)
    with time_machine.travel(go_live - dt.timedelta(seconds=1), tick=False) as clock:
        article = make_article(title="On the dot", published_at=go_live)
        assert article.is_scheduled and article.publication_state == "Scheduled"
        clock.move_to(go_live)
        assert article.is_published() and not article.is_scheduled
        assert article.publication_state == "Published"
        assert list(Article.objects.published()) == [article]
        assert not Article.objects.scheduled().exists()
        page = client.get(article.get_absolute_url()).content.decode()
        assert "On the dot" in page and "Preview" not in page  # readers get the real page


def test_save_stores_rendered_html_word_count_and_reading_time(make_article):
    article = make_article(body="## Intro\n\n" + "word " * 401)
    article.refresh_from_db()
    assert article.body_html.startswith('<h2 id="intro">Intro</h2>')
    assert article.word_count == 402
    assert article.reading_time == 3


def test_editing_the_body_updates_derived_fields(make_article):
    article = make_article(body="one two")
    article.body = "one two three"
    article_update(actor=PIPELINE, article=article)
    article.refresh_from_db()
    assert article.word_count == 3
    assert "three" in article.body_html


def test_rendered_citations_carry_reference_titles(make_article):
    article = make_article(body="Claim [1].", references=[reference(1, title="The Source")])
    assert 'title="The Source"' in article.body_html


def test_publishing_without_a_date_sets_it_to_now(make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    article.status = Article.Status.PUBLISHED
    article.full_clean()
    assert article.published_at is not None
    assert article.published_at <= timezone.now()


def test_database_refuses_a_published_article_without_a_date(make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    with pytest.raises(IntegrityError):
        Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)


@pytest.mark.parametrize("score", [-0.1, 1.5])
def test_quality_score_outside_zero_to_one_is_a_form_error(make_article, score):
    article = make_article()
    article.quality_score = score
    with pytest.raises(ValidationError) as caught:
        article.full_clean()
    assert "quality_score" in caught.value.message_dict


def test_slug_is_unique(make_article):
    first = make_article(slug="same")
    with pytest.raises(ValidationError, match="Article with this Slug already exists"):
        make_article(slug="same")
    second = make_article(slug="other")
    with pytest.raises(IntegrityError):  # the database holds the rule, not only the service
        Article.objects.filter(pk=second.pk).update(slug=first.slug)


@pytest.mark.parametrize(
    ("flags", "claims"),
    [
        ({}, []),
        ({"sources_verified": True}, ["multi-source verified"]),
        (
            {"sources_verified": True, "fact_checked": True, "quality_score": 0.8},
            ["multi-source verified", "fact-checked", "quality-scored"],
        ),
        ({"fact_checked": True, "quality_score": 0.0}, ["fact-checked", "quality-scored"]),
    ],
)
def test_disclosure_claims_only_what_the_flags_say(make_article, flags, claims):
    article = make_article(origin=Article.Origin.PIPELINE, **flags)
    assert article.provenance_claims() == claims


def test_str_and_absolute_url(make_article):
    article = make_article(title="Hello", slug="hello")
    assert str(article) == "Hello"
    assert article.get_absolute_url() == "/articles/hello/"
    assert article.section.get_absolute_url() == f"/sections/{article.section.slug}/"
