from django.db import migrations

from articles.roles import ensure_groups


def grant_view_permission(apps, schema_editor):
    ensure_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_edge_purges"),
        ("editorial", "0002_group_permissions"),
    ]

    operations = [migrations.RunPython(grant_view_permission, migrations.RunPython.noop)]
