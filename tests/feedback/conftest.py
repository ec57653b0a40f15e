import pytest
from django.core.cache import cache

from feedback.services import vote_record


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with an empty vote budget (the limiter counts in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def vote_url():
    def url(article):
        return f"{article.get_absolute_url()}feedback/"

    return url


@pytest.fixture
def make_vote():
    """Record a vote through the service, as a distinct reader unless one is named."""
    counter = iter(range(1, 10_000))

    def make(article, helpful=True, *, voter=None, **follow_up):
        voter_id = voter or f"reader-{next(counter)}"
        return vote_record(article=article, voter_id=voter_id, helpful=helpful, follow_up=follow_up)

    return make
