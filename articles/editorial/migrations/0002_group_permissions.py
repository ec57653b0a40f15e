from django.db import migrations

from articles.roles import ensure_groups


def grant_editorial_permissions(apps, schema_editor):
    ensure_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("articles", "0006_editor_and_writer_groups"),
    ]

    operations = [migrations.RunPython(grant_editorial_permissions, migrations.RunPython.noop)]
