"""Files of pictures no image names (a write that rolled back after storing them) are deleted
by `prune_media` once old enough; the files of stored images are never touched."""

import os
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from articles.services import article_import
from images.models import Image
from tests.articles.test_import import pipeline_article
from tests.conftest import picture_bytes
from tests.images.test_import import lead_image

TWO_DAYS = 2 * 24 * 60 * 60


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "glacier.jpg").write_bytes(picture_bytes(900, 500))
    return tmp_path


def rolled_back_import(folder) -> None:
    """Import an article with its lead image in a write that rolls back once the picture's
    files are stored (as a write refused at its last step does)."""
    with transaction.atomic():
        article_import(data=pipeline_article(lead_image=lead_image()), folder=folder)
        transaction.set_rollback(True)


def files(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def age(settings, seconds: int) -> None:
    """Make every stored file look written `seconds` ago, by the tests' clock (which may not be
    the one the file system stamped it with)."""
    written = time.time() - seconds
    for path in settings.MEDIA_ROOT.rglob("*"):
        if path.is_file():
            os.utime(path, (written, written))


def prune(*arguments) -> str:
    out = StringIO()
    call_command("prune_media", *arguments, stdout=out)
    return out.getvalue()


def test_the_files_a_rolled_back_write_left_are_pruned_and_stored_images_kept(
    make_image, folder, settings
):
    kept = make_image(picture_bytes(700, 400))
    kept_files = files(settings)
    rolled_back_import(folder)
    assert not Image.objects.exclude(pk=kept.pk).exists()
    left = files(settings) - kept_files
    assert len(left) == 1 + 6  # the original, and 480, 800 and 900 wide in WebP and JPEG
    age(settings, TWO_DAYS)

    out = prune()

    assert "Deleted 7 stored file(s) no image names." in out
    assert files(settings) == kept_files
    for rendition in kept.renditions.all():
        assert Client().get(rendition.url).status_code == 200


def test_young_files_are_kept_for_the_write_that_may_be_storing_them(db, folder, settings):
    rolled_back_import(folder)
    left = files(settings)
    age(settings, 61 * 60)

    assert "Deleted 0 stored file(s)" in prune("--older-than", "2")
    assert files(settings) == left
    assert "Deleted 7 stored file(s)" in prune("--older-than", "1")
    assert files(settings) == set()


def test_a_dry_run_of_the_prune_lists_the_files_and_deletes_none(db, folder, settings):
    rolled_back_import(folder)
    left = files(settings)
    age(settings, TWO_DAYS)

    out = prune("--dry-run")

    assert "Would delete 7 stored file(s) no image names." in out
    assert set(out.splitlines()[:-1]) == left
    assert files(settings) == left


def test_a_file_stored_again_since_it_was_old_is_kept(db, folder, settings, monkeypatch):
    rolled_back_import(folder)
    age(settings, TWO_DAYS)
    listed = settings.MEDIA_ROOT.joinpath(sorted(files(settings))[0])
    filter_images = Image.objects.filter

    def stored_again_meanwhile(*args, **kwargs):
        os.utime(listed, (time.time(), time.time()))  # another write stores it right now
        return filter_images(*args, **kwargs)

    monkeypatch.setattr(Image.objects, "filter", stored_again_meanwhile)

    assert "Deleted 6 stored file(s)" in prune()
    assert listed.is_file()


def test_hours_must_be_one_or_more(db):
    with pytest.raises(CommandError, match="1 or more"):
        prune("--older-than", "0")
