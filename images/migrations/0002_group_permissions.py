from django.db import migrations

from articles.roles import ensure_groups


def grant_image_permissions(apps, schema_editor):
    ensure_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("images", "0001_initial"),
        ("articles", "0016_article_lead_image"),
    ]

    operations = [migrations.RunPython(grant_image_permissions, migrations.RunPython.noop)]
