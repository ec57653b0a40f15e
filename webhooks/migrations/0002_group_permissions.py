from django.db import migrations

from articles.roles import ensure_groups


def grant_webhook_permissions(apps, schema_editor):
    ensure_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("articles", "0006_editor_and_writer_groups"),
        ("editorial", "0002_group_permissions"),
    ]

    operations = [migrations.RunPython(grant_webhook_permissions, migrations.RunPython.noop)]
