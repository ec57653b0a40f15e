"""Revisions record the lead image: give each article's latest revision the lead image the
article shows now.

Until now a lead image was no part of a revision, and no revision was recorded when only the
lead image changed, so the latest revision describes the article as it reads now, picture
included. Earlier revisions stay without one: nobody knows which picture they had (History
compares no lead image for them, and restoring one keeps the article's lead image as it is).
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery

LEAD_IMAGE_FIELDS = ("digest", "alt_text", "caption", "credit", "ai_generated")


def record_the_lead_image(apps, schema_editor):
    Revision = apps.get_model("editorial", "Revision")
    latest = (
        Revision.objects.filter(article=OuterRef("article")).order_by("-number").values("pk")[:1]
    )
    revisions = Revision.objects.filter(pk=Subquery(latest)).select_related("article__lead_image")
    for revision in revisions.iterator(chunk_size=500):
        if "lead_image" in revision.snapshot:
            continue
        image = revision.article.lead_image
        revision.snapshot["lead_image"] = (
            None if image is None else {name: getattr(image, name) for name in LEAD_IMAGE_FIELDS}
        )
        revision.save(update_fields=["snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0003_methodology_text"),
        ("articles", "0018_lead_image_of_one_article"),
    ]

    operations = [migrations.RunPython(record_the_lead_image, migrations.RunPython.noop)]
