"""The methodology page that every disclosure links to exists from the first migration on."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Page

BEFORE_THE_PAGE = "0009_unicode_slugs"


def migrate_a_fresh_site():
    """Run the articles migrations again from before the page's, as on a new install."""
    call_command("migrate", "articles", BEFORE_THE_PAGE, verbosity=0)
    call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_fresh_install_serves_the_methodology_page_that_disclosures_link_to(client):
    Page.objects.filter(slug="how-it-works").delete()
    migrate_a_fresh_site()
    response = client.get("/how-it-works/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="page-title">How our articles are made</h1>' in html
    assert "multi-source verified" in html and "fact-checked" in html
    assert "quality-scored" in html


@pytest.mark.django_db(transaction=True)
def test_editors_can_edit_the_installed_methodology_page(client, editor):
    Page.objects.filter(slug="how-it-works").delete()
    migrate_a_fresh_site()
    page = Page.objects.get(slug="how-it-works")
    client.force_login(editor)
    change_url = reverse("admin:articles_page_change", args=[page.pk])
    assert client.get(change_url).status_code == 200
    response = client.post(
        change_url,
        {"title": "Our method", "slug": "how-it-works", "body": "Editors read every article."},
    )
    assert response.status_code == 302
    client.logout()
    assert "Editors read every article." in client.get("/how-it-works/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_migrating_keeps_a_methodology_page_editors_wrote(client):
    Page.objects.update_or_create(
        slug="how-it-works", defaults={"title": "Our method", "body": "We read everything."}
    )
    migrate_a_fresh_site()
    page = Page.objects.get(slug="how-it-works")
    assert (page.title, page.body) == ("Our method", "We read everything.")
    assert "We read everything." in client.get("/how-it-works/").content.decode()


def test_the_demo_keeps_the_installed_methodology_page(db, settings):
    settings.DEMO_EDITOR_PASSWORD = "a-demo-password-1"
    Page.objects.update_or_create(
        slug="how-it-works", defaults={"title": "Our method", "body": "We read everything."}
    )
    call_command("load_demo", stdout=StringIO())
    assert Page.objects.get(slug="how-it-works").body == "We read everything."


def test_the_demo_puts_back_a_deleted_methodology_page(client, db, settings):
    """The default page explains each claim the disclosure box can make, and each origin."""
    settings.DEMO_EDITOR_PASSWORD = "a-demo-password-1"
    Page.objects.filter(slug="how-it-works").delete()
    call_command("load_demo", stdout=StringIO())
    html = client.get("/how-it-works/").content.decode()
    for claim in ["multi-source verified", "fact-checked", "quality-scored"]:
        assert f"<strong>{claim}</strong>" in html
    for origin in ["Pipeline", "Assisted", "Human"]:
        assert f"<strong>{origin}</strong>" in html
