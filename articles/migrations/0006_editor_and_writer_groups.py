from django.db import migrations

from articles.roles import EDITORS, WRITERS, ensure_groups


def create_groups(apps, schema_editor):
    ensure_groups(apps)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, WRITERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_publish_permission"),
        ("references", "0001_initial"),
        ("feedback", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
