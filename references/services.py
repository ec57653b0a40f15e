"""Writes of references: an article's numbered sources, written as part of their article.

A reference is part of its article: whoever may not edit the article (a writer, once it is
published or archived) may not change, add or remove its sources either, a removed reference
must not be cited, and the article's body shows the titles as the citations' tooltips. So each
write here is an update of the article's whole reference list, on the article as it is stored
now (locked), not as the request read it: an edit, publication or unpublication made meanwhile
by someone else is kept.
"""

import copy

from django.db import transaction

from articles.roles import Actor
from articles.services.articles import Stored, write
from references.models import Reference


@transaction.atomic
def reference_save(*, actor: Actor, reference: Reference) -> Reference:
    """Add the reference to its article, or change it (it keeps its number)."""
    stored = Stored.existing(reference.article)
    others = [
        other
        for other in stored.references
        if other.pk != reference.pk and other.number != reference.number
    ]
    _write_references(actor, stored, [*others, reference])
    return reference


@transaction.atomic
def reference_delete(*, actor: Actor, reference: Reference) -> None:
    """Remove the reference from its article; a reference the body cites cannot go."""
    stored = Stored.existing(reference.article)
    others = [other for other in stored.references if other.pk != reference.pk]
    _write_references(actor, stored, others)


def _write_references(actor: Actor, stored: Stored, references: list[Reference]) -> None:
    """Store the article as it is stored, with `references` instead of its own."""
    write(
        actor=actor,
        article=copy.copy(stored.article),
        stored=stored,
        tags=None,
        references=references,
    )
