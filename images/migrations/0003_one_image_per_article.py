"""An image is one article's: an image several articles led with becomes one per article.

The oldest article (the first created) keeps it; each other gets an image of its own with the
same description and the same stored files (nothing is written to storage, and no page
changes). Then images of the same picture may share a digest.
"""

from django.db import migrations, models
from django.db.models import Count


def give_each_article_its_own_image(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("images", "Image")
    Rendition = apps.get_model("images", "Rendition")
    shared = (
        Article.objects.filter(lead_image__isnull=False)
        .order_by()
        .values("lead_image")
        .annotate(articles=Count("pk"))
        .filter(articles__gt=1)
        .values_list("lead_image", flat=True)
    )
    for image in Image.objects.filter(pk__in=list(shared)).order_by("pk"):
        renditions = list(Rendition.objects.filter(image=image))
        for article in Article.objects.filter(lead_image=image).order_by("pk")[1:]:
            own = Image.objects.create(
                file=image.file.name,
                alt_text=image.alt_text,
                caption=image.caption,
                credit=image.credit,
                ai_generated=image.ai_generated,
                width=image.width,
                height=image.height,
                digest=image.digest,
            )
            Rendition.objects.bulk_create(
                Rendition(
                    image=own,
                    format=rendition.format,
                    width=rendition.width,
                    height=rendition.height,
                    file=rendition.file.name,
                )
                for rendition in renditions
            )
            Article.objects.filter(pk=article.pk).update(lead_image=own)


class Migration(migrations.Migration):
    dependencies = [
        ("images", "0002_group_permissions"),
        ("articles", "0016_article_lead_image"),
    ]

    operations = [
        migrations.AlterField(
            model_name="image",
            name="digest",
            field=models.CharField(
                editable=False,
                help_text="SHA-256 of the file: images of the same file share its stored files.",
                max_length=64,
            ),
        ),
        migrations.AddIndex(
            model_name="image",
            index=models.Index(fields=["digest"], name="image_digest_idx"),
        ),
        migrations.RunPython(give_each_article_its_own_image, migrations.RunPython.noop),
    ]
