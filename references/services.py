"""Writes of references: an article's numbered sources."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from articles.roles import may_edit
from references.models import Reference


@transaction.atomic
def reference_save(*, actor, reference: Reference) -> None:
    """Save a reference the actor may change and show it in its article at once.

    A reference is part of its article: whoever may not edit the article (a writer, once it
    is published or archived) may not change or add its sources either.
    """
    if not may_edit(actor, reference.article):
        raise PermissionDenied(
            f"“{reference.article}” is {reference.article.get_status_display().lower()}: "
            "only editors change the sources of articles readers can see."
        )
    reference.full_clean()
    reference.save()
    reference.article.rerender()  # reference titles are the citations' tooltips
