from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
WRITERS = "Writers"

# (app label, model, actions): editors run the newsroom; writers write but cannot publish.
EDITOR_PERMISSIONS = [
    ("articles", "article", ["add", "change", "delete", "view", "publish"]),
    ("articles", "section", ["add", "change", "delete", "view"]),
    ("articles", "page", ["add", "change", "delete", "view"]),
    ("articles", "taggedarticle", ["add", "change", "delete", "view"]),
    ("references", "reference", ["add", "change", "delete", "view"]),
    ("taggit", "tag", ["add", "change", "delete", "view"]),
    ("feedback", "vote", ["delete", "view"]),
]
WRITER_PERMISSIONS = [
    ("articles", "article", ["add", "change", "view"]),
    ("articles", "section", ["view"]),
    ("articles", "page", ["view"]),
    ("articles", "taggedarticle", ["add", "change", "delete", "view"]),
    ("references", "reference", ["add", "change", "delete", "view"]),
    ("taggit", "tag", ["add", "view"]),
    ("feedback", "vote", ["view"]),
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ((EDITORS, EDITOR_PERMISSIONS), (WRITERS, WRITER_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, model, actions in grants:
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


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
