"""Share cards: the image social media show for links to our pages, drawn once per version of
what it shows, stored, and served for a year; only for pages readers may open."""

import datetime as dt
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageFont

from articles import card_drawing, share_cards
from articles.editorial.recording import Edit
from articles.models import Article
from articles.roles import PIPELINE
from articles.services import article_update, section_save, tag_rename
from tests.articles.test_metadata import meta
from tests.test_hostile_input import HOSTILE, UNSTORABLE

CHINESE = "东京2026年奥运会筹备工作进展顺利，中国科学家在量子计算领域取得重大突破"
ARABIC = "العلماء يكتشفون نوعًا جديدًا من الطحالب في أعماق البحر الأحمر"
LONG = " ".join(["Regional council approves a sweeping overhaul of the transit network"] * 3)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Store files in a temporary folder, in the file system storage production uses."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def drawings(monkeypatch):
    """Count the cards drawn."""
    drawn = []
    draw = card_drawing.draw

    def counting(**shown):
        drawn.append(shown)
        return draw(**shown)

    monkeypatch.setattr(card_drawing, "draw", counting)
    return drawn


def card_url(client, page_url):
    """Return the address of the share card the page at `page_url` names, as a path."""
    html = client.get(page_url).content.decode()
    url = meta(html, "property", "og:image")
    assert url is not None, f"{page_url} names no og:image"
    return urlsplit(url).path


def png(response):
    image = Image.open(io.BytesIO(response.content))
    image.verify()  # a whole, valid PNG
    return image


def stored_cards(media):
    folder = media / share_cards.STORAGE_DIRECTORY
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def edit(article, actor, **fields):
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    return article_update(actor=actor, article=article)


def test_article_head_names_its_card_with_absolute_address_size_and_alt(client, make_article):
    article = make_article(title="Scaling laws", slug="scaling-laws")
    html = client.get(article.get_absolute_url()).content.decode()
    image = meta(html, "property", "og:image")
    assert re.fullmatch(
        r"http://testserver/articles/scaling-laws/share-card-[0-9a-f]{16}\.png", image
    )
    assert meta(html, "property", "og:image:type") == "image/png"
    assert meta(html, "property", "og:image:width") == "1200"
    assert meta(html, "property", "og:image:height") == "630"
    alt = meta(html, "property", "og:image:alt")
    assert "Scaling laws" in alt and article.section.name in alt and "Newsroom" in alt
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert meta(html, "name", "twitter:image") == image
    assert meta(html, "name", "twitter:image:alt") == alt
    # Absolute on whichever host the reader used.
    other = Client(HTTP_HOST="127.0.0.1").get(article.get_absolute_url()).content.decode()
    assert meta(other, "property", "og:image").startswith("http://127.0.0.1/articles/")


def test_the_card_is_a_1200_by_630_png_cacheable_for_a_year(client, make_article):
    article = make_article()
    response = client.get(card_url(client, article.get_absolute_url()))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=31536000", "immutable"}
    image = png(response)
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert client.head(card_url(client, article.get_absolute_url())).status_code == 200


def test_a_card_is_drawn_once_then_served_from_storage(
    client, make_article, drawings, media, django_assert_num_queries
):
    article = make_article(title="Drawn once")
    url = card_url(client, article.get_absolute_url())
    first = client.get(url)
    with django_assert_num_queries(1):  # the article; the card comes from storage
        second = Client().get(url)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert [drawn["headline"] for drawn in drawings] == ["Drawn once"]
    digest = url.removesuffix(".png").rsplit("-", 1)[1]
    assert stored_cards(media) == [f"{digest}.png"]


def test_cards_for_long_and_non_latin_titles(client, make_article, make_section):
    section = make_section(name="Zürich", slug="zürich")
    for title in (LONG[:200], CHINESE, ARABIC, "Donaudampfschifffahrtsgesellschaft" * 5):
        article = make_article(title=title[:200], section=section)
        response = client.get(card_url(client, article.get_absolute_url()))
        assert response.status_code == 200, title
        assert png(response).size == (1200, 630)


def test_a_long_title_is_wrapped_between_words_and_shrunk_to_fit():
    width = card_drawing.WIDTH - 2 * card_drawing.MARGIN
    size, lines = card_drawing.fit(LONG, card_drawing.HEADLINE_SIZES, width, max_lines=None)
    assert len(lines) > 1
    assert " ".join(lines) == LONG  # every word, none cut
    assert size < max(card_drawing.HEADLINE_SIZES)
    assert all(card_drawing.text_width(line, size) <= width for line in lines)
    # Chinese breaks between characters, where it has no spaces.
    size, lines = card_drawing.fit(CHINESE, card_drawing.HEADLINE_SIZES, 600, max_lines=None)
    assert len(lines) > 1 and "".join(lines) == CHINESE


def test_a_title_too_long_for_the_card_ends_in_an_ellipsis_after_a_whole_word():
    words = [f"word{number}" for number in range(200)]
    size, lines = card_drawing.fit(" ".join(words), card_drawing.HEADLINE_SIZES, 500, max_lines=3)
    assert size == min(card_drawing.HEADLINE_SIZES) and len(lines) == 3
    assert lines[-1].endswith("…")
    shown = " ".join(lines).removesuffix("…").split()
    assert shown == words[: len(shown)]


@pytest.mark.parametrize(
    ("text", "font_file"),
    [
        ("Zürich Звезда", "DejaVuSans-Bold.ttf"),
        (ARABIC, "DejaVuSans-Bold.ttf"),
        (CHINESE.replace("2026", ""), "wqy-microhei.ttc"),
        ("서울 東京", "wqy-microhei.ttc"),
    ],
)
def test_each_script_is_drawn_in_a_font_that_has_it(text, font_file):
    path = next(path for path in card_drawing.FONT_FILES if path.name == font_file)
    if not path.exists():
        pytest.skip(f"{path} is not installed (make test installs it)")
    for character in text.replace(" ", "").replace("，", ""):
        font = card_drawing.font_for(character, 40)
        assert card_drawing.has_glyph(font, character), character
        assert font.path == path, character


@pytest.mark.parametrize("name", sorted(set(HOSTILE) - UNSTORABLE))
def test_any_storable_title_and_section_name_make_a_card(name):
    value = HOSTILE[name]
    card = share_cards.Card(value[:200], value[:80], value[:80])
    image = Image.open(io.BytesIO(card.draw()))
    assert (image.format, image.size) == ("PNG", (1200, 630))


@pytest.fixture
def no_debian_fonts(monkeypatch, tmp_path):
    """Draw as on a machine without the Debian font packages."""
    monkeypatch.setattr(card_drawing, "FONT_FILES", (tmp_path / "missing.ttf",))
    card_drawing.fonts.cache_clear()
    card_drawing.font_index.cache_clear()
    yield
    card_drawing.fonts.cache_clear()
    card_drawing.font_index.cache_clear()


def test_cards_are_drawn_in_pillows_own_font_without_the_debian_fonts(no_debian_fonts):
    for headline in ("Zürich votes", CHINESE, ARABIC):
        card = share_cards.Card(headline, "Politics", "Newsroom")
        image = Image.open(io.BytesIO(card.draw()))
        assert (image.format, image.size) == ("PNG", (1200, 630))
    assert card_drawing.font_for("Z", 40).getname() == ImageFont.load_default(size=40).getname()


def test_readers_get_no_card_of_drafts_scheduled_or_missing_articles(
    client, make_article, drawings, media
):
    live = make_article(title="Live", slug="live")
    digest = card_url(client, live.get_absolute_url()).removesuffix(".png").rsplit("-", 1)[1]
    draft = make_article(slug="draft", status=Article.Status.DRAFT)
    scheduled = make_article(slug="soon", published_at=timezone.now() + dt.timedelta(days=1))
    for slug in (draft.slug, scheduled.slug, "missing"):
        assert client.get(f"/articles/{slug}/share-card-{digest}.png").status_code == 404, slug
    assert drawings == [] and stored_cards(media) == []


def test_a_new_title_gives_a_new_card_and_the_old_address_redirects(
    client, make_article, editor, drawings
):
    article = make_article(title="Rates held")
    old = card_url(client, article.get_absolute_url())
    assert client.get(old).status_code == 200
    edit(article, editor, title="Rates held at 4 percent")
    new = card_url(client, article.get_absolute_url())
    assert new != old
    moved = client.get(old)
    assert moved.status_code == 301 and moved["Location"] == new
    assert "immutable" not in moved["Cache-Control"]
    assert client.get(new).status_code == 200
    assert [drawn["headline"] for drawn in drawings] == ["Rates held", "Rates held at 4 percent"]


def test_a_renamed_section_gives_its_articles_new_cards(client, make_article, drawings):
    article = make_article(title="Budget passes")
    old = card_url(client, article.get_absolute_url())
    section = article.section
    section.name = "Politics"
    section_save(actor=PIPELINE, section=section)
    new = card_url(client, article.get_absolute_url())
    assert new != old and client.get(new).status_code == 200
    assert drawings[-1]["kicker"] == "Politics"


def test_a_retracted_article_keeps_a_card_that_says_so(client, make_article, editor, drawings):
    article = make_article(title="Flawed study")
    old = card_url(client, article.get_absolute_url())
    article = Article.objects.get(pk=article.pk)
    article_update(
        actor=editor,
        article=article,
        edit=Edit(change_kind="retraction", change_text="The study was withdrawn."),
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert meta(html, "property", "og:image:alt").startswith("Retracted")
    new = urlsplit(meta(html, "property", "og:image")).path
    assert new != old
    assert client.get(new).status_code == 200
    assert drawings[-1]["alarm"] is True and drawings[-1]["kicker"].startswith("Retracted")


@pytest.mark.parametrize(
    "tail",
    [
        "share-card-0123456789ABCDEF.png",  # not lower-case hexadecimal
        "share-card-0123456789abcde.png",  # too short
        "share-card-0123456789abcdef0.png",  # too long
        "share-card-0123456789abcdef.jpg",
        "share-card-..%2F..%2Fsettings.png",
    ],
)
def test_malformed_card_addresses_are_not_found(client, make_article, drawings, media, tail):
    article = make_article()
    assert client.get(f"{article.get_absolute_url()}{tail}").status_code == 404
    assert drawings == [] and stored_cards(media) == []


def test_a_made_up_digest_redirects_to_the_card_without_drawing(
    client, make_article, drawings, media
):
    """Only the current card of a page is ever drawn, so crafted addresses cannot fill the
    storage."""
    article = make_article()
    current = card_url(client, article.get_absolute_url())
    for digest in ("0123456789abcdef", "fedcba9876543210"):
        response = client.get(f"{article.get_absolute_url()}share-card-{digest}.png")
        assert response.status_code == 301 and response["Location"] == current
    assert drawings == [] and stored_cards(media) == []


def test_cards_only_answer_get_and_head(client, make_article):
    article = make_article()
    assert client.post(card_url(client, article.get_absolute_url())).status_code == 405


def test_requests_that_draw_at_once_store_one_whole_card(
    client, make_article, drawings, media, monkeypatch
):
    """Two first requests that both find no card both draw it; what is stored is one whole
    card under its own name, with no leftovers."""
    article = make_article()
    url = card_url(client, article.get_absolute_url())
    storage = storages["default"]
    monkeypatch.setattr(storage, "exists", lambda name: False)
    responses = [client.get(url), Client().get(url)]
    assert len(drawings) == 2
    assert [response.status_code for response in responses] == [200, 200]
    [name] = stored_cards(media)
    stored = (media / share_cards.STORAGE_DIRECTORY / name).read_bytes()
    assert stored == responses[0].content
    assert png(responses[1]).size == (1200, 630)


def test_cards_are_stored_once_in_a_storage_without_local_files(
    client, make_article, drawings, settings, monkeypatch
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    article = make_article()
    url = card_url(client, article.get_absolute_url())
    assert client.get(url).content == Client().get(url).content
    assert len(drawings) == 1
    storage = storages["default"]
    monkeypatch.setattr(storage, "exists", lambda name: False)  # as if stored meanwhile
    assert client.get(url).status_code == 200
    _, files = storage.listdir(share_cards.STORAGE_DIRECTORY)
    assert len(files) == 1


def test_front_section_and_tag_pages_have_cards_of_their_own(client, make_article, drawings):
    article = make_article(tags=["Ice cores"])
    section = article.section
    urls = {
        "/": card_url(client, "/"),
        section.get_absolute_url(): card_url(client, section.get_absolute_url()),
        "/tags/ice-cores/": card_url(client, "/tags/ice-cores/"),
        "/archive/": card_url(client, "/archive/"),
    }
    assert urls["/archive/"] == urls["/"]  # other pages show the site's card
    assert re.fullmatch(r"/share-card-[0-9a-f]{16}\.png", urls["/"])
    assert urls[section.get_absolute_url()].startswith(f"{section.get_absolute_url()}share-card-")
    assert urls["/tags/ice-cores/"].startswith("/tags/ice-cores/share-card-")
    html = client.get("/tags/ice-cores/").content.decode()
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert meta(html, "property", "og:image").startswith("http://testserver/")
    for url in set(urls.values()):
        response = client.get(url)
        assert response.status_code == 200, url
        assert png(response).size == (1200, 630)
    assert {drawn["headline"] for drawn in drawings} == {
        share_cards.SITE_HEADLINE,
        section.name,
        "Ice cores",
    }


def test_renamed_sections_and_tags_get_new_cards(client, make_article, editor):
    article = make_article(tags=["Ice"])
    section = article.section
    old_section = card_url(client, section.get_absolute_url())
    old_tag = card_url(client, "/tags/ice/")
    section.name = "Climate"
    section_save(actor=PIPELINE, section=section)
    tag_rename(actor=editor, tag=article.tags.get(), name="Sea ice", slug="sea-ice")
    new_section = card_url(client, section.get_absolute_url())
    assert new_section != old_section
    assert client.get(old_section)["Location"] == new_section
    assert client.get(old_tag).status_code == 404  # the tag's old address is gone
    assert client.get(card_url(client, "/tags/sea-ice/")).status_code == 200


def test_cards_of_unknown_sections_and_tags_are_not_found(client, db):
    assert client.get("/sections/nowhere/share-card-0123456789abcdef.png").status_code == 404
    assert client.get("/tags/nothing/share-card-0123456789abcdef.png").status_code == 404
