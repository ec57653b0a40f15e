"""Writes of the feedback app: recording a reader's vote."""

from django.db import IntegrityError, transaction

from articles.models import Article
from feedback.models import Vote
from feedback.voters import voter_hash


def vote_record(*, article: Article, voter_id: str, helpful: bool, follow_up: dict) -> Vote:
    """Record the reader's vote on the article, or change it: never two rows for one reader.

    A changed answer starts a fresh follow-up (the old reason and comment were about the other
    answer). Follow-up fields left out keep their value. The vote keeps the pipeline version and
    revision of the article the reader judged.
    """
    voter = voter_hash(voter_id)
    try:
        return _save_vote(article, voter, helpful, follow_up)
    except IntegrityError:
        # The same reader's first vote arrived twice at once and the other request inserted
        # it first; now it exists, so this one updates it.
        return _save_vote(article, voter, helpful, follow_up)


def _save_vote(article: Article, voter: str, helpful: bool, follow_up: dict) -> Vote:
    with transaction.atomic():
        vote = Vote.objects.select_for_update().filter(article=article, voter=voter).first()
        if vote is None:
            vote = Vote(article=article, voter=voter, helpful=helpful)
        elif vote.helpful != helpful:
            vote.helpful, vote.reason, vote.comment = helpful, "", ""
        for name, value in follow_up.items():
            setattr(vote, name, value)
        vote.pipeline_version = article.pipeline_version
        vote.article_revision = article.revision
        vote.full_clean(exclude=["voter"], validate_constraints=False)
        vote.save()
        return vote
