"""bench/writer.py, the newsroom at work: it publishes and edits through the write services,
and its probe reads the pages over HTTP until they show each write."""

import time
import urllib.error
import urllib.request
from dataclasses import asdict

import pytest

from articles.models import Article
from bench import writer
from tests.conftest import reference

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_publication_gates(settings):
    """Publish the writer's copies as bench/settings.py does: with the gates off."""
    settings.PUBLISH_GATES = []


def page(live_server, path):
    with urllib.request.urlopen(live_server.url + path, timeout=30) as response:
        return response.read().decode()


@pytest.fixture
def newest(make_article):
    """Three articles as the benchmark builds them: an external id, tags and cited references."""
    return [
        make_article(
            external_id=f"bench2-{number}",
            body="Glaciers move [1]. Ice flows [2].",
            tags=["ice", "climate"],
            references=[reference(1), reference(2)],
        )
        for number in range(3)
    ]


def test_the_writer_publishes_then_edits_and_sees_both_on_the_site(live_server, newest):
    external_ids = [article.external_id for article in newest]
    before = writer.originals(external_ids)

    writes = writer.work(live_server.url, duration=3.6, interval=1, external_ids=external_ids)

    assert [write.kind for write in writes] == ["publish", "edit"]
    published, edited = writes
    new = Article.objects.get(external_id=published.external_id)
    assert new.is_published()
    assert sorted(new.tags.names()) == ["climate", "ice"]
    assert new.references.count() == 2
    assert published.marker in page(live_server, "/")
    assert edited.marker in page(live_server, edited.path)
    assert Article.objects.get(external_id=edited.external_id).dek == edited.marker
    for write in writes:
        assert set(write.shown_after_s) == {write.path, "/"}  # both on the front page
        # How soon is the benchmark's to measure; a test on a busy machine only asks that both
        # pages showed the write, and that none showed the old version after they had.
        assert all(after is not None for after in write.shown_after_s.values())
        assert write.stale_reads == 0

    writer.undo([asdict(write) for write in writes], before)

    with pytest.raises(urllib.error.HTTPError) as gone:
        page(live_server, published.path)
    assert gone.value.code == 404
    # deleted as an editor deletes: the related articles it entered are ranked without it
    assert not [article for article in Article.objects.all() if new.pk in article.related_ids]
    restored = Article.objects.get(external_id=edited.external_id)
    assert restored.dek == before[edited.external_id]["dek"]
    assert edited.marker not in page(live_server, edited.path)


def test_a_page_that_never_shows_the_write_counts_stale_reads(live_server, newest):
    article = newest[0]
    write = writer.Write("edit", article.external_id, article.get_absolute_url(), "Not there")
    committed = time.monotonic()

    writer.watch(write, live_server.url, [write.path], committed, until=committed + 1.3)

    assert write.shown_after_s == {write.path: None}
    assert 1 <= write.stale_reads < write.reads


def test_a_page_answered_with_an_error_counts_as_an_error_and_shows_nothing(live_server):
    write = writer.Write("publish", "x", "/articles/not-there/", "Newsroom at work")
    committed = time.monotonic()

    writer.watch(write, live_server.url, [write.path], committed, until=committed + 1.3)

    assert write.shown_after_s == {write.path: None}
    assert write.errors == write.reads
    assert write.stale_reads >= 1
