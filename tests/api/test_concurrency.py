"""Calls made at the same moment: every one gets an answer it can act on, and one article."""

import pytest
from django.db import connection

from articles.models import Article, Section
from tests.api.conftest import ApiClient, pipeline_article
from tests.feedback.test_concurrency import run_together

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need a server database: run with "
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom (CI does)",
)


@pytest.fixture
def token(transactional_db, make_token, settings):
    settings.API_RATE_LIMIT = 0
    return make_token()


def test_twelve_puts_of_one_new_article_at_once_make_it_once(token):
    def put(index):
        return ApiClient(token).put("race-1", pipeline_article("race-1", section="Race desk"))

    answers = run_together(12, put)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201, 409}, [a.content for a in answers if a.status_code > 409]
    assert Article.objects.filter(external_id="race-1").count() == 1
    assert Section.objects.filter(name="Race desk").count() == 1
