"""Renditions: a few widths never wider than the original, WebP plus JPEG (PNG with
transparency), turned upright and without metadata, made once when the image is stored and
never again while pages are shown."""

import io
import struct

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image as PILImage
from PIL import ImageCms

from images import renditions
from images.models import Rendition
from tests.conftest import picture_bytes
from tests.images.conftest import stored_files


def opened(rendition: Rendition) -> PILImage.Image:
    with default_storage.open(rendition.file.name) as handle:
        picture = PILImage.open(io.BytesIO(handle.read()))
        picture.load()
    return picture


def sizes(image, rendition_format):
    return [
        (rendition.width, rendition.height)
        for rendition in image.renditions.filter(format=rendition_format).order_by("width")
    ]


def test_a_wide_picture_gets_four_widths_in_webp_and_jpeg(make_image):
    image = make_image(picture_bytes(2400, 1200))

    expected = [(480, 240), (800, 400), (1200, 600), (1600, 800)]
    assert sizes(image, Rendition.Format.WEBP) == expected
    assert sizes(image, Rendition.Format.JPEG) == expected
    for rendition in image.renditions.all():
        picture = opened(rendition)
        assert picture.format == {"webp": "WEBP", "jpeg": "JPEG"}[rendition.format]
        assert picture.size == (rendition.width, rendition.height)


@pytest.mark.parametrize(
    ("width", "widths"),
    [(1000, [480, 800, 1000]), (300, [300]), (480, [480]), (1600, [480, 800, 1200, 1600])],
)
def test_a_picture_is_never_made_wider_than_it_is(make_image, width, widths):
    image = make_image(picture_bytes(width, 200))

    assert [w for w, _ in sizes(image, Rendition.Format.WEBP)] == widths


def test_a_picture_with_transparency_falls_back_to_png(make_image):
    image = make_image(picture_bytes(900, 600, image_format="PNG", mode="RGBA"))

    formats = set(image.renditions.values_list("format", flat=True))
    assert formats == {Rendition.Format.WEBP, Rendition.Format.PNG}
    png = opened(image.renditions.get(format=Rendition.Format.PNG, width=480))
    assert png.mode == "RGBA"


def test_an_opaque_png_falls_back_to_jpeg(make_image):
    image = make_image(picture_bytes(900, 600, image_format="PNG"))

    formats = set(image.renditions.values_list("format", flat=True))
    assert formats == {Rendition.Format.WEBP, Rendition.Format.JPEG}


def test_the_exif_orientation_is_applied_and_the_metadata_dropped(make_image):
    # Stored 1200 × 800 with the dark corner top left; orientation 6: turn it a quarter right.
    image = make_image(picture_bytes(1200, 800, orientation=6, camera=True))

    assert (image.width, image.height) == (800, 1200)
    for rendition in image.renditions.all():
        picture = opened(rendition)
        assert picture.width < picture.height
        assert not picture.getexif()
        assert "exif" not in picture.info
    upright = opened(image.renditions.get(format=Rendition.Format.JPEG, width=800))
    top_right, top_left = upright.getpixel((790, 10)), upright.getpixel((10, 10))
    assert max(top_right) < 60 < max(top_left)  # the dark corner went round with it


def test_a_rendition_name_carries_the_image_digest_and_width(make_image):
    image = make_image(picture_bytes(640, 480))

    names = {rendition.file.name for rendition in image.renditions.all()}
    folder = f"images/{image.digest[:2]}/{image.digest[:32]}"
    assert names == {
        f"{folder}/480w.webp",
        f"{folder}/480w.jpg",
        f"{folder}/640w.webp",
        f"{folder}/640w.jpg",
    }
    assert not image.file.name.startswith(folder)  # the original, with its metadata, lies apart


def test_pages_are_shown_without_pillow_or_writing_a_file(
    make_article, make_image, settings, monkeypatch
):
    image = make_image(caption="A caption.")
    article = make_article(lead_image=image)
    make_article(lead_image=make_image(picture_bytes(900, 900)))
    before = stored_files(settings)

    def no_pillow(*args, **kwargs):
        raise AssertionError("a page opened an image with Pillow")

    monkeypatch.setattr(PILImage, "open", no_pillow)
    monkeypatch.setattr(renditions, "make_renditions", no_pillow)
    settings.PAGE_CACHE_SECONDS = 0  # every request renders its page
    client = Client()
    for _ in range(3):
        for url in (article.get_absolute_url(), "/", f"/sections/{article.section.slug}/"):
            assert client.get(url).status_code == 200

    assert stored_files(settings) == before


def sixteen_bit_grey_png(level: int, **options) -> bytes:
    """A 640 × 480 PNG of one grey, 16 bits a pixel (scanners and scientific cameras make
    them), its left half black; `level` is out of 65,535."""
    picture = PILImage.new("I;16", (640, 480), level)
    picture.paste(PILImage.new("I;16", (320, 480), 0), (0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def test_a_16_bit_greyscale_png_keeps_its_greys(make_image):
    image = make_image(sixteen_bit_grey_png(0x4000))  # a quarter of full white

    for rendition in image.renditions.all():
        picture = opened(rendition).convert("RGB")
        red, green, blue = picture.getpixel((picture.width - 10, 100))
        assert red == green == blue
        assert 60 <= red <= 68, rendition
        assert picture.getpixel((10, 100)) == (0, 0, 0)


def test_a_16_bit_greyscale_png_keeps_its_transparent_grey(make_image):
    image = make_image(sixteen_bit_grey_png(0x4000, transparency=0))

    assert {rendition.format for rendition in image.renditions.all()} == {"webp", "png"}
    picture = opened(image.renditions.get(format=Rendition.Format.PNG, width=480))
    assert picture.mode == "RGBA"
    assert picture.getpixel((10, 100))[3] == 0
    assert picture.getpixel((470, 100))[3] == 255


def swapped_primaries_profile() -> bytes:
    """An sRGB colour profile with its red and blue primaries swapped: a picture tagged with
    it means blue where its pixels say red (as a Display P3 photo means a deeper red than
    sRGB's where its pixels say red)."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", profile[128:132])
    tags = {bytes(profile[at : at + 4]): at for at in range(132, 132 + 12 * count, 12)}
    red, blue = tags[b"rXYZ"] + 4, tags[b"bXYZ"] + 4  # each tag's offset and size
    profile[red : red + 8], profile[blue : blue + 8] = (
        profile[blue : blue + 8],
        profile[red : red + 8],
    )
    profile[84:100] = bytes(16)  # the profile's ID, a checksum of what was just changed
    return bytes(profile)


def tagged_picture(icc_profile: bytes, *, image_format="JPEG", mode="RGB") -> bytes:
    """A 640 × 480 red picture with `icc_profile` embedded."""
    picture = PILImage.new(
        mode, (640, 480), (200, 30, 30, 255) if mode == "RGBA" else (200, 30, 30)
    )
    if mode == "RGBA":
        picture.paste((200, 30, 30, 0), (0, 0, 320, 480))  # its left half transparent
    buffer = io.BytesIO()
    picture.save(buffer, format=image_format, icc_profile=icc_profile)
    return buffer.getvalue()


def test_a_picture_with_a_colour_profile_is_shown_in_srgb(make_image):
    image = make_image(tagged_picture(swapped_primaries_profile()))

    for rendition in image.renditions.all():
        picture = opened(rendition)
        red, green, blue = picture.convert("RGB").getpixel((picture.width - 10, 10))
        assert blue > 150 and red < 60, rendition  # what the profile says, not the pixels
        assert "icc_profile" not in picture.info  # sRGB, as browsers take an untagged picture


def test_a_transparent_picture_with_a_colour_profile_keeps_its_transparency(make_image):
    image = make_image(tagged_picture(swapped_primaries_profile(), image_format="PNG", mode="RGBA"))

    for rendition in image.renditions.all():
        picture = opened(rendition).convert("RGBA")
        red, green, blue, alpha = picture.getpixel((picture.width - 10, 10))
        assert (blue > 150, red < 60, alpha) == (True, True, 255), rendition
        assert picture.getpixel((10, 10))[3] == 0
        assert "icc_profile" not in opened(rendition).info


@pytest.mark.parametrize(
    "icc_profile",
    [
        b"not a colour profile at all",
        # A real profile, but for Lab colours, which an RGB picture's pixels are not.
        ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes(),
    ],
)
def test_a_broken_or_unfitting_colour_profile_is_ignored(make_image, icc_profile):
    image = make_image(tagged_picture(icc_profile))

    for rendition in image.renditions.all():
        picture = opened(rendition)
        red, green, blue = picture.convert("RGB").getpixel((picture.width - 10, 10))
        assert red > 150 and blue < 60, rendition
        assert "icc_profile" not in picture.info
