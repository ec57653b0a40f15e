"""Writes of references: an article's numbered sources, written as part of their article.

A reference is part of its article: whoever may not edit the article (a writer, once it is
published or archived) may not change, add or remove its sources either, a removed reference
must not be cited, and the article's body shows the titles as the citations' tooltips. So each
write here is an update of the article's whole reference list.
"""

from django.db import transaction

from articles.roles import Actor
from articles.services import article_update
from references.models import Reference


@transaction.atomic
def reference_save(*, actor: Actor, reference: Reference) -> Reference:
    """Add the reference to its article, or change it (it keeps its number)."""
    article = reference.article
    others = [
        other
        for other in article.references.all()
        if other.pk != reference.pk and other.number != reference.number
    ]
    article_update(actor=actor, article=article, references=[*others, reference])
    return reference


@transaction.atomic
def reference_delete(*, actor: Actor, reference: Reference) -> None:
    """Remove the reference from its article; a reference the body cites cannot go."""
    article = reference.article
    others = [other for other in article.references.all() if other.pk != reference.pk]
    article_update(actor=actor, article=article, references=others)
