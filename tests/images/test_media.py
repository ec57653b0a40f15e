"""The renditions served from this site (`make run`, `make serve`): the right type, cached for a
year, and nothing else of the storage: no original, no folder, no path outside it."""

import pytest
from django.test import Client

from tests.conftest import picture_bytes


@pytest.fixture
def image(make_image):
    return make_image(picture_bytes(900, 600))


def test_a_rendition_is_served_with_its_type_and_for_a_year(image):
    for rendition in image.renditions.all():
        response = Client().get(rendition.url)

        assert response.status_code == 200
        assert response["Content-Type"] == rendition.content_type
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response["X-Content-Type-Options"] == "nosniff"
        with rendition.file.open() as handle:
            assert b"".join(response.streaming_content) == handle.read()


def test_head_is_answered_and_writes_are_not(image):
    url = image.picture.src.url

    assert Client().head(url).status_code == 200
    assert Client().post(url).status_code == 405


def test_a_missing_rendition_is_a_404(image):
    missing = image.picture.src.url.replace("/800w.jpg", "/1234w.jpg")

    assert Client().get(missing).status_code == 404


def test_the_original_is_never_served(image, settings):
    assert (settings.MEDIA_ROOT / image.file.name).is_file()

    assert Client().get(f"/media/{image.file.name}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/",
        "/media/images/",
        "/media/../manage.py",
        "/media/%2e%2e/manage.py",
        "/media/images/ab/../../../manage.py",
        "/media/images/ab/%2e%2e%2f%2e%2e%2fmanage.py",
        "/media/..%2f..%2fnewsroom/settings.py",
        "/media//etc/passwd",
        "/media/images/00/00000000000000000000000000000000/480w.webp/",
        "/media/images/00/00000000000000000000000000000000/480w.svg",
    ],
)
def test_nothing_but_a_rendition_name_is_looked_up(db, path, settings):
    (settings.MEDIA_ROOT / "images").mkdir(exist_ok=True)

    response = Client().get(path)

    assert response.status_code in (400, 404)
    assert response.get("Content-Type", "").startswith("text/html")
