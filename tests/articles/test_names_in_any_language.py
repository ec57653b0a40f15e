"""Tags, sections and articles named in any language have working addresses everywhere."""

import datetime as dt
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Section
from tests.articles.test_import import pipeline_article, run_import, write

PUBLIC_PAGES = [
    "/",
    "/tags/",
    "/search/?q=Zürich",
    "/sitemap.xml",
    "/archive/",
    "/feeds/rss/",
    "/feeds/atom/",
]


@pytest.fixture
def imported(db, tmp_path):
    article = pipeline_article(
        title="Зимние модели",
        section="Zürich",
        tags=["Zürich", "Café", "東京", "Straße"],
        published_at=(timezone.now() - dt.timedelta(days=1)).isoformat(),
    )
    failed, _, err = run_import(write(tmp_path, "a.json", article))
    assert not failed, err
    return Article.objects.get(external_id="pipe-001")


def links(html, prefix):
    """Return the addresses of the page's links to `prefix<slug>/`, decoded."""
    return {unquote(href) for href in re.findall(rf'href="({prefix}[^"#?/]+/)"', html)}


def test_every_public_page_works_with_tags_and_sections_named_in_other_languages(client, imported):
    published = timezone.localtime(imported.published_at)
    archives = [f"/archive/{published:%Y}/", f"/archive/{published:%Y/%m}/"]
    for url in [*PUBLIC_PAGES, *archives, imported.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_tag_links_lead_to_their_tag_pages(client, imported):
    page = client.get(imported.get_absolute_url()).content.decode()
    tag_links = links(page, "/tags/")
    assert {"/tags/zürich/", "/tags/café/", "/tags/東京/", "/tags/straße/"} <= tag_links
    for url in tag_links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert imported.title in response.content.decode()
        assert client.get(f"{url}rss/").status_code == 200
        assert client.get(f"{url}atom/").status_code == 200


def test_a_section_keeps_its_name_and_gets_a_readable_address(client, imported):
    section = imported.section
    assert section.name == "Zürich"
    assert section.slug == "zurich"  # folding the accent loses no letter
    response = client.get(section.get_absolute_url())
    assert response.status_code == 200
    assert "Zürich" in response.content.decode()


def test_a_title_in_another_script_keeps_its_letters_in_the_address(client, imported):
    assert imported.slug == "зимние-модели"
    assert client.get(reverse("articles:detail", kwargs={"slug": imported.slug})).status_code == 200


@pytest.mark.parametrize("name", ["!!!", "—", "🔥"])
def test_the_import_refuses_a_tag_without_letters_or_digits_and_imports_the_rest(
    db, tmp_path, name
):
    batch = [
        pipeline_article(external_id="bad", tags=["Fine", name]),
        pipeline_article(external_id="good", title="Another one"),
    ]
    failed, out, err = run_import(write(tmp_path, "batch.json", batch))
    assert failed
    assert "batch.json: article 'bad' (#1): tags[1]:" in err
    assert "no letter or digit" in err
    assert list(Article.objects.values_list("external_id", flat=True)) == ["good"]


def test_the_import_refuses_a_section_without_letters_or_digits(db, tmp_path):
    failed, _, err = run_import(write(tmp_path, "a.json", pipeline_article(section="???")))
    assert failed
    assert "a.json: article 'pipe-001' (#1): section:" in err
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("given", "name"),
    [("newsroom", "Newsroom"), ("climate-policy", "Climate policy"), ("AI Policy", "AI Policy")],
)
def test_a_section_the_import_creates_has_a_readable_name(db, tmp_path, given, name):
    failed, _, err = run_import(write(tmp_path, "a.json", pipeline_article(section=given)))
    assert not failed, err
    assert Section.objects.get().name == name


def test_a_section_named_like_the_import_value_is_reused(db, tmp_path, make_section):
    existing = make_section(name="Climate policy", slug="climate")
    failed, _, err = run_import(
        write(tmp_path, "a.json", pipeline_article(section="climate-policy"))
    )
    assert not failed, err
    assert Article.objects.get().section == existing


def test_the_article_form_refuses_a_tag_without_letters_or_digits(editor_client, make_article):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = editor_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("tags", "published_at")
    }
    data |= {
        "section": article.section_id,
        "tags": "Fine, !!!",
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
    }
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "!!!: a tag needs at least one letter or digit" in response.content.decode()
    assert not article.tags.exists()
