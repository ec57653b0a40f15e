"""The import format's `lead_image`: a file beside the JSON (or base64 data), described for
readers; errors name the file, the article and the field; the same file twice stores nothing new."""

import base64

import pytest
from django.test import Client

from articles.models import Article
from images import renditions
from images.models import Image, Rendition
from tests.articles.test_import import pipeline_article, run_import, write
from tests.conftest import picture_bytes
from tests.images.conftest import stored_files


def lead_image(**overrides):
    return {
        "file": "pictures/glacier.jpg",
        "alt": "Icebergs calving from a glacier's front.",
        "caption": "The glacier in May.",
        "credit": "Photo: Ana Example",
        "ai_generated": False,
    } | overrides


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "glacier.jpg").write_bytes(picture_bytes(1300, 700))
    return tmp_path


def test_an_article_imports_with_its_lead_image_read_beside_the_json(db, folder):
    failed, out, _ = run_import(write(folder, "a.json", pipeline_article(lead_image=lead_image())))

    assert not failed, out
    image = Article.objects.get().lead_image
    assert (image.alt_text, image.caption, image.credit) == (
        "Icebergs calving from a glacier's front.",
        "The glacier in May.",
        "Photo: Ana Example",
    )
    assert (image.width, image.height, image.ai_generated) == (1300, 700, False)
    assert sorted(set(image.renditions.values_list("width", flat=True))) == [
        480,
        800,
        1200,
        1300,
    ]


def test_importing_the_same_file_twice_stores_nothing_new(db, folder, settings, monkeypatch):
    path = write(folder, "a.json", pipeline_article(lead_image=lead_image()))
    run_import(path)
    files, updated_at = stored_files(settings), Article.objects.get().updated_at

    def no_renditions(*args):
        raise AssertionError("renditions made again")

    monkeypatch.setattr(renditions, "make_renditions", no_renditions)
    failed, out, _ = run_import(path)

    assert not failed
    assert "0 created, 0 updated, 1 unchanged" in out
    assert (Image.objects.count(), Rendition.objects.count()) == (1, 8)
    assert stored_files(settings) == files
    assert Article.objects.get().updated_at == updated_at


def test_two_articles_describe_the_same_picture_each_their_own_way(db, folder, settings):
    run_import(write(folder, "a.json", pipeline_article(lead_image=lead_image())))
    files = stored_files(settings)
    other = pipeline_article(
        external_id="pipe-002",
        title="Other",
        status="draft",
        lead_image=lead_image(alt="The same glacier, seen by another desk.", caption=""),
    )

    failed, _, _ = run_import(write(folder, "b.json", other))

    assert not failed
    first, second = Article.objects.order_by("pk")
    assert first.lead_image.alt_text == "Icebergs calving from a glacier's front."
    assert first.lead_image.caption == "The glacier in May."
    assert second.lead_image.alt_text == "The same glacier, seen by another desk."
    assert first.revisions.count() == 1  # the live article was not touched
    # The picture is stored and rendered once: both show the same files.
    assert stored_files(settings) == files
    assert {r.file.name for r in first.lead_image.renditions.all()} == {
        r.file.name for r in second.lead_image.renditions.all()
    }
    assert "The same glacier" not in Client().get(first.get_absolute_url()).content.decode()


def test_a_new_description_updates_the_image_and_the_page(db, folder, client):
    run_import(write(folder, "a.json", pipeline_article(lead_image=lead_image())))
    path = write(
        folder, "a.json", pipeline_article(lead_image=lead_image(ai_generated=True, caption=""))
    )

    failed, out, _ = run_import(path)

    assert not failed and "1 updated" in out
    html = client.get(Article.objects.get().get_absolute_url()).content.decode()
    assert "AI-generated image" in html and "The glacier in May." not in html


def test_null_removes_the_lead_image_and_leaving_it_out_keeps_it(db, folder):
    run_import(write(folder, "a.json", pipeline_article(lead_image=lead_image())))
    run_import(write(folder, "a.json", pipeline_article(title="Kept")))
    assert Article.objects.get().lead_image is not None

    failed, _, _ = run_import(write(folder, "a.json", pipeline_article(lead_image=None)))

    assert not failed
    assert Article.objects.get().lead_image is None
    assert Image.objects.count() == 1  # still in the library


def test_the_image_may_come_as_base64_data(db, tmp_path):
    data = base64.b64encode(picture_bytes(640, 480, image_format="PNG")).decode()
    spec = lead_image(data=data)
    del spec["file"]

    failed, _, _ = run_import(write(tmp_path, "a.json", pipeline_article(lead_image=spec)))

    assert not failed
    assert Article.objects.get().lead_image.width == 640


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        (lead_image(file="pictures/missing.jpg"),
         "lead_image.file: no such file: 'pictures/missing.jpg'."),
        (lead_image(file="pictures/notes.jpg"),
         "lead_image.file: 'pictures/notes.jpg': The file is not a JPEG, PNG, WebP or GIF image."),
        (lead_image(file="pictures/logo.svg"),
         "lead_image.file: 'pictures/logo.svg': SVG images are not accepted"),
        (lead_image(file="../elsewhere.jpg"),
         "lead_image.file: '../elsewhere.jpg' is outside the JSON file's folder."),
        (lead_image(file="/etc/hostname"),
         "lead_image.file: '/etc/hostname' is an absolute path: give it relative to the JSON"),
        (lead_image(file="pictures"), "lead_image.file: 'pictures' is not a file."),
        ({k: v for k, v in lead_image().items() if k != "alt"}, "lead_image.alt: is required."),
        (lead_image(alt="  "),
         "lead_image.alt: '  ' must describe the picture for readers who cannot see it."),
        (lead_image(alt="x" * 301),
         "lead_image.alt: Ensure this value has at most 300 characters (it has 301)."),
        (lead_image(data="aGVsbG8="), "lead_image: give the image as file"),
        (lead_image(file=None) | {"data": "not base64!"}, None),
        (lead_image(colour="red"), "lead_image.colour: is not a field of the import format."),
    ],
)  # fmt: skip
def test_a_bad_lead_image_fails_the_article_naming_file_and_field(db, folder, spec, said):
    (folder / "pictures" / "notes.jpg").write_text("Only notes.\n")
    (folder / "pictures" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (folder.parent / "elsewhere.jpg").write_bytes(picture_bytes(64, 64))
    spec = {key: value for key, value in spec.items() if value is not None}
    path = write(folder, "batch.json", pipeline_article(lead_image=spec))

    failed, _, err = run_import(path)

    assert failed
    said = said or "lead_image.data: is not base64."
    assert err.startswith(f"{path}: article 'pipe-001' (#1): {said}")
    assert not Article.objects.exists() and not Image.objects.exists()


def test_a_file_over_the_size_limit_is_refused_unread(db, folder, settings):
    settings.IMAGE_MAX_BYTES = 1000

    failed, _, err = run_import(write(folder, "a.json", pipeline_article(lead_image=lead_image())))

    assert failed
    assert "lead_image.file: 'pictures/glacier.jpg' is 0.0 MB; at most 0.0 MB is accepted." in err


def test_a_dry_run_stores_no_image_and_no_file(db, folder, settings):
    failed, out, _ = run_import(
        write(folder, "a.json", pipeline_article(lead_image=lead_image())), dry_run=True
    )

    assert not failed and "1 created" in out and "Dry run: nothing was written." in out
    assert not Image.objects.exists() and not Article.objects.exists()
    assert stored_files(settings) == set()


def test_a_dry_run_finds_what_is_wrong_with_the_description(db, folder, settings):
    path = write(folder, "a.json", pipeline_article(lead_image=lead_image(alt="x" * 301)))

    failed, _, err = run_import(path, dry_run=True)

    assert failed
    assert "lead_image.alt: Ensure this value has at most 300 characters (it has 301)." in err
