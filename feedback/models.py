from django.db import models
from django.db.models import Count, Q

from feedback.voters import voter_hash


class Reason(models.TextChoices):
    INACCURATE = "inaccurate", "Inaccurate"
    SOURCES = "sources", "Missing or weak sources"
    HARD_TO_READ = "hard_to_read", "Hard to read"
    OUTDATED = "outdated", "Outdated"
    OTHER = "other", "Other"


class VoteQuerySet(models.QuerySet):
    def of_reader(self, article, voter_id):
        """Return the vote the reader with this cookie id gave the article, or None."""
        if not voter_id:
            return None
        return self.filter(article=article, voter=voter_hash(voter_id)).first()

    def tallies(self):
        """Return yes, no and total counts of the votes, for `aggregate` or `annotate`."""
        return {
            "yes": Count("pk", filter=Q(helpful=True)),
            "no": Count("pk", filter=Q(helpful=False)),
            "total": Count("pk"),
        }


class Vote(models.Model):
    """One reader's answer to "Was this article helpful?"; changing it updates this row."""

    COMMENT_MAX_LENGTH = 1000

    # No index of its own: the (article, voter) constraint's index starts with the article. With
    # both, PostgreSQL could pick the article's alone when its statistics lag behind a story
    # collecting thousands of votes, and then read all of them to find one reader's.
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    voter = models.CharField(
        max_length=64,
        editable=False,
        help_text="A keyed hash of the reader's random cookie id; never the id itself.",
    )
    helpful = models.BooleanField()
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    comment = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    pipeline_version = models.CharField(
        max_length=50, blank=True, help_text="The article's pipeline version when the reader voted."
    )
    article_revision = models.PositiveIntegerField(
        help_text="The article's revision when the reader voted."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "voter"], name="vote_one_per_reader"),
            models.CheckConstraint(
                condition=Q(reason="") | Q(helpful=False), name="vote_reason_only_when_unhelpful"
            ),
        ]

    def __str__(self):
        return f"{'Helpful' if self.helpful else 'Not helpful'}: {self.article}"
