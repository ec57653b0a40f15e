import threading

import pytest
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client

from feedback.models import Vote
from feedback.voters import COOKIE_NAME, remember_voter

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need a server database: run with "
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom (CI does)",
)


def run_together(count, work):
    """Run work(index) in `count` threads that start at the same moment; return the results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = work(index)
        finally:
            connections.close_all()  # each thread has its own database connection

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def reader_with_id(voter_id):
    response = HttpResponse()
    remember_voter(response, voter_id)
    client = Client()
    client.cookies[COOKIE_NAME] = response.cookies[COOKIE_NAME].value
    return client


@pytest.fixture
def article(transactional_db, make_article, settings):
    settings.FEEDBACK_RATE_LIMIT = 10_000
    return make_article()


def test_fifty_concurrent_readers_make_exactly_fifty_votes(article):
    url = f"{article.get_absolute_url()}feedback/"

    def vote(index):
        return Client().post(url, {"helpful": "yes" if index % 2 else "no"}).status_code

    statuses = run_together(50, vote)
    assert statuses == [303] * 50
    assert Vote.objects.filter(article=article).count() == 50
    totals = Vote.objects.filter(article=article).aggregate(**Vote.objects.tallies())
    assert totals == {"yes": 25, "no": 25, "total": 50}


def test_one_reader_voting_twenty_times_at_once_has_one_vote(article):
    url = f"{article.get_absolute_url()}feedback/"

    def vote(index):
        reader = reader_with_id("the-same-reader")
        return reader.post(url, {"helpful": "no", "comment": f"try {index}"}).status_code

    statuses = run_together(20, vote)
    assert statuses == [303] * 20
    vote = Vote.objects.get(article=article)
    assert vote.helpful is False and vote.comment.startswith("try ")
