import datetime as dt
import io
import itertools
import os

import pytest
import time_machine
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connections, transaction
from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Article, Section
from articles.roles import EDITORS, PIPELINE, WRITERS, ensure_groups
from articles.services import article_create, section_save
from images.services import image_create
from newsroom.delivery import middleware as page_cache_middleware
from newsroom.delivery import schedule
from references.models import Reference

_sequence = itertools.count(1)
TEST_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
_clock_key = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=os.environ.get("NEWSROOM_TEST_CLOCK") or None,
        metavar="WHEN",
        help="Run the whole suite with the clock set to WHEN and ticking on: a time of day today "
        "(03:30Z, 23:30+00:00) or a moment (2026-12-31T23:30Z, not before the demo's dates). "
        "Default: $NEWSROOM_TEST_CLOCK, else the real clock.",
    )


def clock_moment(value, today):
    """Return the moment `value` names: a time of day on `today`, or a full date and time."""
    try:
        if "T" in value:
            moment = dt.datetime.fromisoformat(value)
        else:
            moment = dt.datetime.combine(today, dt.time.fromisoformat(value))
    except ValueError as error:
        raise pytest.UsageError(f"--clock {value!r}: {error}") from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock {value!r} needs a UTC offset, e.g. 03:30Z")
    return moment


def pytest_sessionstart(session):
    clock = session.config.getoption("clock")
    if clock:
        moment = clock_moment(clock, dt.datetime.now(dt.UTC).date())
        session.config.stash[_clock_key] = traveller = time_machine.travel(moment, tick=True)
        traveller.start()


def pytest_sessionfinish(session):
    traveller = session.config.stash.get(_clock_key, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    from django.conf import settings

    return f"clock: {config.getoption('clock') or 'real'}, TIME_ZONE: {settings.TIME_ZONE}"


@pytest.fixture(autouse=True)
def fresh_page_cache(request, settings):
    """Test with the page cache on, as production runs it, starting from an empty cache.

    The cache is in memory, so that query counts are the page's own; tests/newsroom/
    test_shared_cache.py and test_redis_cache.py run the caches production configures.
    """
    settings.CACHES = {**settings.CACHES, "default": TEST_CACHE}
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    page_cache_middleware._keys_seen.clear()  # what this process remembers of pages
    for database in ("transactional_db", "db"):
        if database in request.fixturenames:
            request.getfixturevalue(database)
            schedule.go_live(None)  # as on a site's first request; keeps query counts steady
            break
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path_factory):
    """Store uploaded images and their renditions in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def commit_hooks_run_at_commit(monkeypatch):
    """Run on_commit hooks when the outermost transaction a test's code opens ends, as they
    run in production when it commits. (A test's own transaction, which keeps tests apart,
    would otherwise hold them back until the test is over; then they never run at all.)"""
    original_exit = transaction.Atomic.__exit__

    def exit_and_run_hooks(atomic, exc_type, exc_value, traceback):
        result = original_exit(atomic, exc_type, exc_value, traceback)
        connection = connections[atomic.using or "default"]
        outermost = all(block._from_testcase for block in connection.atomic_blocks)
        if exc_type is None and outermost and connection.atomic_blocks:
            hooks, connection.run_on_commit = connection.run_on_commit, []
            for _, hook, _ in hooks:
                hook()
        return result

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_and_run_hooks)


@pytest.fixture
def one_rate_window():
    """Run the test well inside one vote rate-limit window (windows start every
    FEEDBACK_RATE_WINDOW seconds), so its votes are all counted together."""
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, 5, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def make_section(db):
    def make(**overrides):
        number = next(_sequence)
        fields = {"name": f"Section {number}", "slug": f"section-{number}"} | overrides
        return section_save(actor=PIPELINE, section=Section(**fields))

    return make


@pytest.fixture
def make_article(db, make_section):
    """Build a saved article, published an hour ago unless told otherwise."""

    def make(*, tags=(), references=(), **overrides):
        number = next(_sequence)
        fields = {
            "title": f"Article {number}",
            "slug": f"article-{number}",
            "dek": f"The dek of article {number}.",
            "body": f"The body of article {number}.",
            "byline": "Test Desk",
            "status": Article.Status.PUBLISHED,
            "published_at": timezone.now() - dt.timedelta(hours=1),
        } | overrides
        if "section" not in fields:
            fields["section"] = make_section()
        return article_create(
            actor=PIPELINE,
            article=Article(**fields),
            tags=list(tags),
            references=[Reference(**fields) for fields in references],
        )

    return make


def reference(number, **overrides):
    """Return the fields of a reference numbered `number`."""
    return {
        "number": number,
        "publisher": f"Publisher {number}",
        "title": f"Source title {number}",
        "url": f"https://example.org/source-{number}",
    } | overrides


@pytest.fixture
def editor(db, django_user_model):
    """A staff member in the Editors group, as the demo editor is."""
    user = django_user_model.objects.create_user("editor", is_staff=True)
    ensure_groups(django_apps)  # a flushing (transactional) test may have removed it
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def writer(db, django_user_model):
    """A staff member in the Writers group: writes and fixes drafts, cannot publish."""
    user = django_user_model.objects.create_user("writer", is_staff=True)
    ensure_groups(django_apps)
    user.groups.add(Group.objects.get(name=WRITERS))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def picture_bytes(
    width=2000,
    height=1000,
    *,
    image_format="JPEG",
    mode="RGB",
    orientation=None,
    camera=False,
    colour=(200, 80, 40),
) -> bytes:
    """A picture made on the spot: `colour` with a dark top-left corner (so a turned picture
    can be told apart), in `image_format`, with EXIF `orientation` and a camera's name if
    asked for."""
    fill = (*colour, 128) if mode == "RGBA" else colour
    dark = (10, 10, 10, 255) if mode == "RGBA" else (10, 10, 10)
    picture = PILImage.new(mode, (width, height), fill)
    picture.paste(dark, (0, 0, width // 4, height // 4))
    exif = PILImage.Exif()
    if orientation:
        exif[0x0112] = orientation
    if camera:
        exif[0x010F] = "Camera Maker"
        exif[0x0110] = "Secret Model 3000"
    buffer = io.BytesIO()
    options = {"exif": exif.tobytes()} if len(exif) else {}
    picture.save(buffer, format=image_format, **options)
    return buffer.getvalue()


@pytest.fixture
def make_image(db):
    """Store an image (by the pipeline), 2000 × 1000 JPEG unless given other bytes."""

    def make(content=None, **description):
        fields = {"alt_text": "A red field with a dark corner."} | description
        return image_create(actor=PIPELINE, file=content or picture_bytes(), **fields)

    return make
