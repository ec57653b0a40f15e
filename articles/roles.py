"""The newsroom's two staff roles, as permission groups: editors run it, writers write for it."""

from django.apps import apps as global_apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.management import create_permissions
from django.db import models

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
    ("editorial", "revision", ["view"]),
    ("editorial", "publicchange", ["view"]),
    ("editorial", "review", ["view"]),
    ("webhooks", "endpoint", ["add", "change", "delete", "view"]),
    ("webhooks", "delivery", ["view", "resend"]),
    ("webhooks", "attempt", ["view"]),
    ("delivery", "edgepurge", ["view"]),
    ("images", "image", ["add", "change", "delete", "view"]),
]
WRITER_PERMISSIONS = [
    ("articles", "article", ["add", "change", "view"]),
    ("articles", "section", ["view"]),
    ("articles", "page", ["view"]),
    ("articles", "taggedarticle", ["add", "change", "delete", "view"]),
    ("references", "reference", ["add", "change", "delete", "view"]),
    ("taggit", "tag", ["add", "view"]),
    ("feedback", "vote", ["view"]),
    ("editorial", "revision", ["view"]),
    ("editorial", "publicchange", ["view"]),
    ("editorial", "review", ["view"]),
    ("images", "image", ["add", "change", "view"]),
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


class Pipeline:
    """The generation pipeline as an actor: the import, `load_demo`, and machine clients.

    It hands over finished articles: it creates and updates what it imports (and the sections,
    pages and tags they need), publishes when `publishes` (an API token without the publish
    scope does not), and never deletes.
    """

    def __init__(self, name: str = "the pipeline", *, publishes: bool = True):
        self.name = name
        self.publishes = publishes

    def __str__(self):
        return self.name


PIPELINE = Pipeline()


class Operator:
    """Whoever runs a management command on a server (`create_api_token`, `add_webhook`):
    shell access to the server is every right there is."""

    def __str__(self):
        return "the operator"


OPERATOR = Operator()

# Who writes: a staff user, or the pipeline.
Actor = AbstractBaseUser | Pipeline


def may(actor: Actor, action: str, model: type[models.Model]) -> bool:
    """Tell whether `actor` may `action` ("add", "change", "delete") rows of `model`."""
    if isinstance(actor, Pipeline):
        return action != "delete"
    return actor.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")


def may_publish(actor: Actor) -> bool:
    """Editors publish, schedule, unpublish and archive; writers never do."""
    if isinstance(actor, Pipeline):
        return actor.publishes
    return actor.has_perm("articles.publish_article")


def may_edit(actor: Actor, article) -> bool:
    """Writers edit drafts and articles in review; what readers can see is for editors.

    `article` is judged by its stored status, not by a change the user is about to make.
    """
    if not may(actor, "change", type(article)):
        return False
    return article.status not in LIVE_STATUSES or may_publish(actor)


def may_delete(actor: Actor, article) -> bool:
    """Editors delete articles; nobody else deletes one readers can see (the pipeline none)."""
    if not may(actor, "delete", type(article)):
        return False
    return article.status not in LIVE_STATUSES or may_publish(actor)
