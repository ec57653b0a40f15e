"""The cache as production runs it: Redis through CACHE_URL (the suite otherwise uses memory)."""

import os

import pytest
import redis
from django.core.cache import cache, caches
from django.test import Client

from articles.roles import PIPELINE
from articles.services import article_update
from newsroom.cache_config import cache_config

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (TEST_REDIS_URL); CI and `make bench` have one")
    settings.CACHES = {**settings.CACHES, "default": cache_config(REDIS_URL)}
    cache.clear()
    yield
    cache.clear()


def test_a_redis_cache_url_selects_django_redis(redis_cache):
    from django_redis.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)


def test_pages_come_from_redis_and_a_change_refreshes_them(redis_cache, make_article):
    article = make_article(title="Before", dek="First dek.")
    reader = Client()
    assert reader.get(article.get_absolute_url())["X-Cache"] == "miss"
    page = reader.get(article.get_absolute_url())
    assert page["X-Cache"] == "hit" and "First dek." in page.content.decode()
    article.dek = "Corrected dek."
    article_update(actor=PIPELINE, article=article)
    page = reader.get(article.get_absolute_url())
    assert page["X-Cache"] == "miss" and "Corrected dek." in page.content.decode()


def test_vote_rate_limit_counts_in_redis(redis_cache, make_article, settings, one_rate_window):
    settings.FEEDBACK_RATE_LIMIT = 2
    article = make_article()
    url = f"{article.get_absolute_url()}feedback/"
    statuses = [Client().post(url, {"helpful": "yes"}).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
