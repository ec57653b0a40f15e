"""What the database keeps of a reader, and how one reader keeps one vote."""

import datetime as dt
import hashlib
import hmac
from unittest import mock

import time_machine
from django.test import Client

from feedback.models import Vote
from feedback.voters import COOKIE_MAX_AGE, COOKIE_NAME
from tests.feedback.test_concurrency import reader_with_id

READER_ID = "the-same-reader-id"


def test_the_stored_voter_is_keyed_by_the_secret_key(make_article, vote_url, settings):
    """Without the key, a leaked table cannot be matched to cookie ids by hashing guesses."""
    first, second = make_article(), make_article()
    settings.SECRET_KEY = "one secret key for this test, long enough to be a real one"
    assert reader_with_id(READER_ID).post(vote_url(first), {"helpful": "yes"}).status_code == 303
    settings.SECRET_KEY = "another secret key for this test, also long enough to be real"
    assert reader_with_id(READER_ID).post(vote_url(second), {"helpful": "yes"}).status_code == 303
    under_one = Vote.objects.get(article=first).voter
    under_two = Vote.objects.get(article=second).voter
    assert under_one != under_two
    for stored in (under_one, under_two):
        assert READER_ID not in stored
        assert stored != hashlib.sha256(READER_ID.encode()).hexdigest()


def test_a_readers_stored_id_stays_the_same_from_release_to_release(
    make_article, vote_url, settings
):
    """HMAC-SHA256 under a key derived from SECRET_KEY and a fixed salt: changing either would
    orphan every vote a reader has made (they could vote again, and could not change a vote)."""
    settings.SECRET_KEY = "a secret key that stays the same from one release to the next"
    reader_with_id(READER_ID).post(vote_url(make_article()), {"helpful": "yes"})
    key = hashlib.sha256(b"newsroom.feedback.voter" + settings.SECRET_KEY.encode()).digest()
    expected = hmac.new(key, READER_ID.encode(), hashlib.sha256).hexdigest()
    assert Vote.objects.get().voter == expected


def test_the_voter_cookie_is_kept_for_a_year(make_article, vote_url):
    reader = Client()
    reader.post(vote_url(make_article()), {"helpful": "yes"})
    assert int(reader.cookies[COOKIE_NAME]["max-age"]) == COOKIE_MAX_AGE == 365 * 24 * 60 * 60


def test_a_voter_cookie_older_than_a_year_is_a_new_reader(make_article, vote_url):
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        article = make_article()
        first = Client()
        first.post(vote_url(article), {"helpful": "yes"})
        cookie = first.cookies[COOKIE_NAME].value  # as signed on the first vote

        def vote_with_the_first_cookie():
            browser = Client()
            browser.cookies[COOKIE_NAME] = cookie  # a browser that kept it past its max-age
            browser.post(vote_url(article), {"helpful": "no"})

        clock.move_to(start + dt.timedelta(days=364))
        vote_with_the_first_cookie()
        assert Vote.objects.count() == 1  # still the same reader, who changed their answer
        clock.move_to(start + dt.timedelta(days=366))
        vote_with_the_first_cookie()
        assert Vote.objects.count() == 2


def test_the_same_reader_is_recognised_while_the_key_stays(make_article, vote_url):
    article = make_article()
    reader_with_id(READER_ID).post(vote_url(article), {"helpful": "yes"})
    reader_with_id(READER_ID).post(vote_url(article), {"helpful": "no"})
    assert list(Vote.objects.values_list("helpful", flat=True)) == [False]


def test_a_first_vote_sent_twice_at_once_leaves_one_vote(make_article, vote_url):
    """Two requests of one reader: both look for the vote before either inserts it. The second
    insert must collide with the first (the database's unique constraint, also on SQLite) and
    turn into an update of the row the first one made."""
    article = make_article()
    reader = reader_with_id(READER_ID)
    reader.post(vote_url(article), {"helpful": "yes"})  # the request that inserted first
    real_select = Vote.objects.select_for_update
    looks = []

    def select_that_misses_once(*args, **kwargs):
        looks.append(1)
        return Vote.objects.none() if len(looks) == 1 else real_select(*args, **kwargs)

    with mock.patch.object(Vote.objects, "select_for_update", select_that_misses_once):
        response = reader.post(vote_url(article), {"helpful": "no"})
    assert response.status_code == 303
    assert len(looks) == 2  # it looked again after the collision
    vote = Vote.objects.get()
    assert vote.helpful is False
