"""Every write of articles and of what frames them: the admin, the commands and the API call
these, nothing else writes (STYLE.md, "Models")."""

from articles.services.articles import (
    article_archive,
    article_create,
    article_delete,
    article_publish,
    article_schedule,
    article_set_status,
    article_unpublish,
    article_update,
)
from articles.services.editorial import article_approve, article_restore, article_send_back
from articles.services.imports import Imported, ImportOutcome, article_import
from articles.services.lead_images import KEEP, LeadImage
from articles.services.site import (
    page_delete,
    page_save,
    section_delete,
    section_save,
    tag_create,
    tag_delete,
    tag_merge,
    tag_rename,
)

__all__ = [
    "KEEP",
    "Imported",
    "ImportOutcome",
    "LeadImage",
    "article_approve",
    "article_archive",
    "article_create",
    "article_delete",
    "article_import",
    "article_publish",
    "article_restore",
    "article_schedule",
    "article_send_back",
    "article_set_status",
    "article_unpublish",
    "article_update",
    "page_delete",
    "page_save",
    "section_delete",
    "section_save",
    "tag_create",
    "tag_delete",
    "tag_merge",
    "tag_rename",
]
