"""Upgrading keeps what readers see: an image two articles shared becomes one image per
article, with the same description and the same stored files, and each article's latest
revision records its lead image (so the next write that changes nothing records nothing)."""

import pytest
from django.core.management import call_command
from django.test import Client

from articles.editorial.models import Revision
from articles.models import Article
from articles.roles import PIPELINE
from articles.services import article_update
from tests.conftest import picture_bytes

# The last migration before a lead image belonged to one article.
SHARED_IMAGES = ("images", "0002_group_permissions")


def renditions(image) -> list[tuple]:
    return sorted(image.renditions.values_list("format", "width", "height", "file"))


@pytest.mark.django_db(transaction=True)
def test_an_image_two_articles_shared_becomes_one_each_with_the_same_files(
    make_article, make_image
):
    shared = make_image(picture_bytes(640, 480), alt_text="Shared words.", caption="Shared.")
    first = make_article(lead_image=shared)
    second = make_article(lead_image=make_image(picture_bytes(700, 480), alt_text="Its own."))
    call_command("migrate", *SHARED_IMAGES, verbosity=0)
    # As sites were before: both articles lead with one image; revisions knew no lead image.
    Article.objects.filter(pk=second.pk).update(lead_image=shared)
    for revision in Revision.objects.all():
        del revision.snapshot["lead_image"]
        revision.save(update_fields=["snapshot"])

    call_command("migrate", verbosity=0)

    first, second = Article.objects.get(pk=first.pk), Article.objects.get(pk=second.pk)
    assert first.lead_image_id == shared.pk
    own = second.lead_image
    assert own.pk != shared.pk
    assert (own.digest, own.alt_text, own.caption, own.file.name, own.width) == (
        shared.digest,
        "Shared words.",
        "Shared.",
        shared.file.name,
        640,
    )
    assert renditions(own) == renditions(shared)
    latest = second.revisions.order_by("-number").first()
    assert latest.snapshot["lead_image"]["alt_text"] == "Shared words."
    count = second.revisions.count()
    article_update(actor=PIPELINE, article=second)
    assert second.revisions.count() == count
    assert "Shared words." in Client().get(second.get_absolute_url()).content.decode()
