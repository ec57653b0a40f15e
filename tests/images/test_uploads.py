"""What an image upload must be: a real JPEG, PNG, WebP or GIF, not too large in bytes or in
pixels, described with alt text; everything else is refused with a message saying why."""

import gzip
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from PIL import Image as PILImage

from articles.roles import PIPELINE
from articles.services import article_update
from images.models import Image
from images.services import image_create, image_delete
from tests.conftest import picture_bytes
from tests.images.conftest import stored_files

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def png_bomb(width: int, height: int) -> bytes:
    """A real PNG of `width` × `height` black grey pixels: tiny compressed, huge decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    compressor, row = zlib.compressobj(9), b"\0" * (width + 1)  # filter byte, then the pixels
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


class NeverRead(SimpleUploadedFile):
    def read(self, *args):
        raise AssertionError("an upload too large by its size is read")


def refusal(content, name="upload.jpg", **description):
    """The message image_create gives for `content`, uploaded as `name`."""
    fields = {"alt_text": "Something."} | description
    with pytest.raises(ValidationError) as caught:
        image_create(actor=PIPELINE, file=SimpleUploadedFile(name, content), **fields)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_each_accepted_format_is_stored_with_its_size(db, image_format):
    upload = SimpleUploadedFile("picture.bin", picture_bytes(640, 480, image_format=image_format))

    image = image_create(actor=PIPELINE, file=upload, alt_text="A red field.")

    assert (image.width, image.height) == (640, 480)
    assert len(image.digest) == 64
    assert image.renditions.exists()


def test_a_text_file_named_jpg_is_not_an_image(db):
    message = refusal(b"Hello, I am only text pretending.\n" * 10, name="photo.jpg")

    assert message == "The file is not a JPEG, PNG, WebP or GIF image."
    assert not Image.objects.exists()


def test_an_svg_is_refused_saying_why(db):
    assert "SVG images are not accepted" in refusal(SVG, name="logo.svg")
    assert "SVG images are not accepted" in refusal(SVG, name="logo.png")


@pytest.mark.parametrize("image_format", ["BMP", "TIFF"])
def test_other_image_formats_are_refused(db, image_format):
    assert "not a JPEG, PNG, WebP or GIF" in refusal(
        picture_bytes(64, 64, image_format=image_format)
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded(db, monkeypatch):
    # 20,000 × 20,000 pixels (400 million): 400 MB decoded, a few hundred kilobytes as a PNG.
    bomb = png_bomb(20_000, 20_000)
    assert len(bomb) < 1024 * 1024
    decoded = []
    monkeypatch.setattr(PILImage.Image, "load", lambda self: decoded.append(self))

    message = refusal(bomb, name="tiny.png")

    assert "too many pixels" in message
    assert decoded == []
    assert not Image.objects.exists()


def test_pixels_over_the_limit_are_refused(db, settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100

    assert "too many pixels (101 × 100): at most 0.01 million" in refusal(picture_bytes(101, 100))


@pytest.mark.parametrize(("width", "height"), [(1, 20_000), (1000, 16_500)])
def test_a_picture_too_tall_for_its_width_is_refused_and_nothing_stored(
    db, settings, width, height
):
    # WebP, which every picture is offered in, holds at most 16,383 pixels a side.
    message = refusal(png_bomb(width, height), name="strip.png")

    assert message == (
        f"The image is too tall for its width ({width} × {height}): at most 10 times as tall "
        "as it is wide is accepted."
    )
    assert not Image.objects.exists()
    assert not list(settings.MEDIA_ROOT.rglob("*.*"))


def test_a_picture_ten_times_as_tall_as_wide_gets_every_rendition(make_image):
    image = make_image(png_bomb(1700, 17_000))

    assert sorted(image.renditions.values_list("width", "height")) == [
        (480, 4800),
        (480, 4800),
        (800, 8000),
        (800, 8000),
        (1200, 12000),
        (1200, 12000),
        (1600, 16000),
        (1600, 16000),
    ]


def test_a_long_strip_is_shown_at_every_width(make_image):
    image = make_image(png_bomb(20_000, 1))

    sizes = set(image.renditions.values_list("width", "height"))
    assert sizes == {(480, 1), (800, 1), (1200, 1), (1600, 1)}


def test_a_file_over_the_size_limit_is_refused_unread(db, settings):
    settings.IMAGE_MAX_BYTES = 1024
    upload = NeverRead("big.jpg", b"\xff\xd8" + b"\0" * 5000)

    with pytest.raises(ValidationError) as caught:
        image_create(actor=PIPELINE, file=upload, alt_text="Big.")

    assert "at most 0.0 MB is accepted" in " ".join(caught.value.messages)


def test_a_truncated_image_is_damaged(db):
    whole = picture_bytes(800, 600)

    assert "damaged or incomplete" in refusal(whole[: len(whole) // 2])


def test_an_empty_file_is_refused(db):
    assert refusal(b"") == "The file is empty."


def test_a_gzipped_picture_is_not_a_picture(db):
    assert "not a JPEG" in refusal(gzip.compress(picture_bytes(64, 64)))


@pytest.mark.parametrize("alt_text", ["", "   \n"])
def test_alt_text_is_required(db, alt_text):
    assert "Describe the picture" in refusal(picture_bytes(64, 64), alt_text=alt_text)
    assert not Image.objects.exists()


def test_the_database_refuses_an_image_without_alt_text(make_image):
    image = make_image()

    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.filter(pk=image.pk).update(alt_text="")


def test_the_same_file_twice_is_two_images_sharing_their_files(make_image, settings):
    first = make_image(picture_bytes(640, 480), alt_text="First words.")
    files = stored_files(settings)

    again = make_image(picture_bytes(640, 480), alt_text="Better words.", credit="Photo: A")

    assert again.pk != first.pk
    first.refresh_from_db()
    assert (first.alt_text, first.credit) == ("First words.", "")
    assert (again.alt_text, again.credit) == ("Better words.", "Photo: A")
    assert stored_files(settings) == files  # stored and rendered once
    assert again.file.name == first.file.name
    assert {r.file.name for r in again.renditions.all()} == {
        r.file.name for r in first.renditions.all()
    }


def test_deleting_an_image_keeps_the_files_another_image_shows(
    make_article, make_image, editor, settings
):
    shown = make_image(picture_bytes(640, 480), alt_text="Shown.")
    article = make_article(lead_image=shown)
    unused = make_image(picture_bytes(640, 480), alt_text="In the library only.")

    image_delete(actor=editor, image=unused)

    assert (settings.MEDIA_ROOT / shown.file.name).is_file()
    for rendition in shown.renditions.all():
        assert Client().get(rendition.url).status_code == 200
    article_update(actor=editor, article=article, lead_image=None)
    image_delete(actor=editor, image=shown)
    assert not (settings.MEDIA_ROOT / shown.file.name).exists()
    assert not stored_files(settings)


def test_a_user_without_rights_cannot_add_images(db, django_user_model):
    reader = django_user_model.objects.create_user("nobody", is_staff=True)

    with pytest.raises(PermissionDenied):
        image_create(actor=reader, file=picture_bytes(64, 64), alt_text="x")


def test_writers_add_images_but_only_editors_delete_them(writer, editor):
    image = image_create(actor=writer, file=picture_bytes(64, 64), alt_text="A writer's.")

    with pytest.raises(PermissionDenied):
        image_delete(actor=writer, image=image)
    image_delete(actor=editor, image=image)

    assert not Image.objects.exists()


def test_an_image_an_article_shows_cannot_be_deleted(make_article, make_image, editor):
    image = make_image()
    article = make_article(lead_image=image, title="Glaciers")

    with pytest.raises(ValidationError) as caught:
        image_delete(actor=editor, image=image)

    assert "leads “Glaciers”" in caught.value.messages[0]
    article.refresh_from_db()
    assert article.lead_image_id == image.pk
