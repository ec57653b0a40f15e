"""What readers get of a lead image: a <picture> whose space is held while it loads, with its
caption, credit and AI label on the article page; on the lead story and the cards; in JSON-LD
and share metadata; and pages that follow when the image is described anew."""

import json
import re
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client

from articles.models import Article
from articles.services import LeadImage, article_update
from images.models import Image
from images.services import image_update
from tests.conftest import picture_bytes

IPTC_AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def page(url) -> str:
    return Client().get(url).content.decode()


def pictures(html) -> list[str]:
    return re.findall(r"<picture.*?</picture>", html, flags=re.S)


def attribute(markup, tag, name) -> str:
    found = re.search(rf"<{tag}\b[^>]*\s{name}=\"([^\"]*)\"", markup)
    return found[1] if found else None


def json_ld(html) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    return next(data for data in map(json.loads, blocks) if data["@type"] == "NewsArticle")


@pytest.fixture
def pictured(make_article, make_image):
    image = make_image(
        alt_text="Icebergs calving from a glacier's front.",
        caption="The front of the glacier in May.",
        credit="Photo: Ana Example / Agency",
    )
    return make_article(lead_image=image, title="Glaciers retreat")


def test_the_article_page_shows_the_picture_with_its_caption_and_credit(pictured):
    html = page(pictured.get_absolute_url())

    [figure] = re.findall(r'<figure class="lead-image">.*?</figure>', html, flags=re.S)
    [picture] = pictures(figure)
    source_set = attribute(picture, "source", "srcset")
    assert attribute(picture, "source", "type") == "image/webp"
    assert re.fullmatch(
        r"(/media/images/\S+/\d+w\.webp \d+w, ){3}/media/\S+/1600w\.webp 1600w", source_set
    )
    assert attribute(picture, "img", "srcset").count(".jpg ") == 4
    assert attribute(picture, "img", "src").endswith("/800w.jpg")
    assert attribute(picture, "img", "width") == "2000"
    assert attribute(picture, "img", "height") == "1000"
    assert attribute(picture, "img", "alt") == "Icebergs calving from a glacier&#x27;s front."
    assert attribute(picture, "img", "sizes") == "(max-width: 44rem) calc(100vw - 2rem), 42rem"
    assert attribute(picture, "source", "sizes") == attribute(picture, "img", "sizes")
    assert attribute(picture, "img", "loading") == "eager"
    assert attribute(picture, "img", "fetchpriority") == "high"
    caption = re.search(r"<figcaption.*?</figcaption>", figure, flags=re.S)[0]
    assert "The front of the glacier in May." in caption
    assert "Photo: Ana Example / Agency" in caption
    assert "AI-generated" not in caption


def test_an_ai_generated_image_says_so_on_the_page_and_in_json_ld(make_article, make_image):
    image = make_image(alt_text="An abstract map.", ai_generated=True, credit="Illustration: X")
    article = make_article(lead_image=image)

    html = page(article.get_absolute_url())

    assert '<span class="lead-image__ai">AI-generated image</span>' in html
    assert json_ld(html)["image"]["digitalSourceType"] == IPTC_AI


def test_json_ld_and_share_metadata_use_the_1200_wide_rendition(pictured):
    html = page(pictured.get_absolute_url())

    image = json_ld(html)["image"]
    assert image["@type"] == "ImageObject"
    assert re.fullmatch(r"http://testserver/media/images/\S+/1200w\.jpg", image["url"])
    assert (image["width"], image["height"]) == (1200, 600)
    assert image["caption"] == "The front of the glacier in May."
    assert image["creditText"] == "Photo: Ana Example / Agency"
    assert "digitalSourceType" not in image  # nothing is claimed of an image not flagged
    assert f'<meta property="og:image" content="{image["url"]}">' in html
    assert f'<meta name="twitter:image" content="{image["url"]}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_a_small_image_is_shared_at_its_own_width(make_article, make_image):
    article = make_article(lead_image=make_image(picture_bytes(700, 350)))

    image = json_ld(page(article.get_absolute_url()))["image"]

    assert image["url"].endswith("/700w.jpg") and image["width"] == 700


def test_an_article_without_a_lead_image_shows_none_and_shares_its_card(make_article):
    html = page(make_article().get_absolute_url())

    assert "<picture" not in html and "<figure" not in html
    assert "image" not in json_ld(html)
    shared = re.search(r'<meta property="og:image" content="([^"]+)">', html)[1]
    assert re.search(r"/share-card-[0-9a-f]{16}\.png$", shared)
    assert f'<meta name="twitter:image" content="{shared}">' in html


def test_the_lead_story_loads_first_and_cards_load_lazily(make_article, make_image):
    make_article(lead_image=make_image(picture_bytes(1600, 900)), featured=True, title="Lead")
    make_article(lead_image=make_image(picture_bytes(1000, 900)), title="Card")
    make_article(title="No picture")

    html = page("/")

    lead_section = re.search(r'<section class="lead".*?</section>', html, flags=re.S)[0]
    [lead] = pictures(lead_section)
    assert attribute(lead, "img", "loading") == "eager"
    assert attribute(lead, "img", "fetchpriority") == "high"
    assert attribute(lead, "img", "sizes") == "(max-width: 64rem) calc(100vw - 5rem), 59rem"
    cards = pictures(html.replace(lead_section, ""))
    assert len(cards) == 1
    assert attribute(cards[0], "img", "loading") == "lazy"
    assert attribute(cards[0], "img", "fetchpriority") is None
    assert attribute(cards[0], "img", "sizes").endswith(", 20rem")
    assert (attribute(cards[0], "img", "width"), attribute(cards[0], "img", "height")) == (
        "1000",
        "900",
    )


def test_section_tag_and_related_cards_show_the_picture(make_article, make_image, make_section):
    section = make_section()
    image = make_image(alt_text="A harbour at dawn.")
    pictured = make_article(section=section, tags=["Sea"], lead_image=image)
    other = make_article(section=section, tags=["Sea"])

    for url in (section.get_absolute_url(), "/tags/sea/", other.get_absolute_url()):
        html = page(url)
        [picture] = [p for p in pictures(html) if "A harbour at dawn." in p]
        assert attribute(picture, "img", "loading") == "lazy", url
    related = re.search(
        r'<section class="related".*?</section>', page(other.get_absolute_url()), flags=re.S
    )[0]
    assert pictured.title in related and "<picture" in related


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # a listing's queries without pictures (tests/articles/test_views.py), and one for the
        # renditions of its cards' pictures (and one for the lead story's)
        ("/", 6 + 2),
        ("/sections/{section}/", 5 + 1),
        ("/tags/sea/", 5 + 1),
    ],
)
def test_pictures_on_listings_cost_a_fixed_number_of_queries(
    client,
    make_article,
    make_image,
    make_section,
    django_assert_num_queries,
    settings,
    url,
    queries,
):
    settings.PAGE_CACHE_SECONDS = 0
    section = make_section()
    for articles in (3, 12):
        while Article.objects.count() < articles:
            image = make_image(picture_bytes(320 + Article.objects.count(), 200))
            make_article(section=section, tags=["Sea"], lead_image=image)
        with django_assert_num_queries(queries):
            html = client.get(url.format(section=section.slug)).content.decode()
        assert html.count("<picture") == articles


def test_describing_the_lead_image_anew_changes_every_page_that_shows_it(pictured, editor):
    client = Client()
    for url in (pictured.get_absolute_url(), "/"):
        assert "Icebergs calving" in client.get(url).content.decode()  # now in the page cache

    article_update(
        actor=editor,
        article=pictured,
        lead_image=LeadImage(alt_text="A glacier's blue ice wall.", ai_generated=True),
    )

    article_page = client.get(pictured.get_absolute_url()).content.decode()
    assert "A glacier&#x27;s blue ice wall." in article_page
    assert "The front of the glacier in May." not in article_page
    assert "AI-generated image" in article_page
    assert json_ld(article_page)["image"]["digitalSourceType"] == IPTC_AI
    assert "A glacier&#x27;s blue ice wall." in client.get("/").content.decode()
    assert Image.objects.count() == 1


def test_writers_cannot_change_the_picture_of_a_live_article(pictured, writer):
    with pytest.raises(PermissionDenied):
        article_update(
            actor=writer, article=pictured, lead_image=LeadImage(alt_text="Changed by a writer.")
        )

    assert "Icebergs calving" in page(pictured.get_absolute_url())


def test_nobody_describes_an_articles_image_around_the_article(pictured, editor):
    with pytest.raises(ValidationError) as caught:
        image_update(actor=editor, image=pictured.lead_image, alt_text="Changed around it.")

    assert "leads “Glaciers retreat”" in caught.value.messages[0]
    assert "Icebergs calving" in page(pictured.get_absolute_url())


def test_the_demo_newsroom_has_pictures_credited_honestly(db, settings):
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())  # again: nothing new is stored

    images = Image.objects.all()
    assert images.count() == 6
    assert {(image.credit, image.ai_generated) for image in images} == {
        ("Illustration: Newsroom demo", False)
    }
    html = page("/")
    lead_section = re.search(r'<section class="lead".*?</section>', html, flags=re.S)[0]
    assert len(pictures(lead_section)) == 1
    assert len(pictures(html)) >= 4
