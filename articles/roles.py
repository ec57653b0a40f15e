"""The newsroom's two staff roles, as permission groups: editors run it, writers write for it."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from articles.models import LIVE_STATUSES

EDITORS = "Editors"
WRITERS = "Writers"

# (app label, model, actions)
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


def ensure_groups(apps) -> None:
    """Create both groups with their permissions (or top them up); `apps` may be historical."""
    historical = apps is not global_apps
    for app_config in apps.get_app_configs():
        if historical:  # permissions are made after migrations; a migration makes its own
            app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        if historical:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ((EDITORS, EDITOR_PERMISSIONS), (WRITERS, WRITER_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, model, actions in grants:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )


def may_publish(user) -> bool:
    """Editors publish, schedule, unpublish and archive; writers never do."""
    return user.has_perm("articles.publish_article")


def may_edit(user, article) -> bool:
    """Writers edit drafts and articles in review; what readers can see is for editors.

    `article` is judged by its stored status, not by a change the user is about to make.
    """
    if not user.has_perm("articles.change_article"):
        return False
    return article.status not in LIVE_STATUSES or may_publish(user)
