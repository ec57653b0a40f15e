from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.models import Article


class Revision(models.Model):
    """An article as readers would see it after one write, with who made it, how and why."""

    class Via(models.TextChoices):
        ADMIN = "admin", "Admin"
        IMPORT = "import", "Import"
        API = "api", "API"
        RESTORE = "restore", "Restore"
        COMMAND = "command", "Command"
        EARLIER = "earlier", "Before revisions were kept"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="1 for the first revision, then one more each.")
    created_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="article_revisions",
    )
    author_name = models.CharField(
        max_length=150, help_text="Who wrote it (a user name, or “the pipeline”), kept as it was."
    )
    by_pipeline = models.BooleanField(default=False)
    via = models.CharField(max_length=20, choices=Via.choices)
    message = models.TextField(blank=True, help_text="What the writer said about the change.")
    snapshot = models.JSONField(help_text="What readers see: fields, references and tags.")

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="revision_unique_number_per_article"
            )
        ]

    def __str__(self):
        return f"Revision {self.number} of “{self.article}”"


class PublicChange(models.Model):
    """An entry of an article's public change log: what was wrong, or what changed, and when."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"
        EDITORS_NOTE = "editors_note", "Editor’s note"
        RETRACTION = "retraction", "Retraction"

    # Shown at the top of the article, above its text; the others in its change log below it.
    PROMINENT = (Kind.CORRECTION, Kind.CLARIFICATION, Kind.RETRACTION)

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="public_changes")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="public_changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(
        help_text="Say what was wrong as well as what is right now; readers see it as written."
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["-published_at", "-id"], name="publicchange_newest_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} to “{self.article}”"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#change-{self.pk}"

    @property
    def is_prominent(self):
        return self.kind in self.PROMINENT


class Review(models.Model):
    """An editorial decision on one revision of an article, or the gates that held it."""

    class Decision(models.TextChoices):
        HELD = "held", "Held by publication gates"
        APPROVED = "approved", "Approved"
        SENT_BACK = "sent_back", "Sent back"
        OVERRIDDEN = "overridden", "Published over failed gates"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="article_reviews",
    )
    reviewer_name = models.CharField(
        max_length=150, help_text="Who decided (a user name, or “the publication gates”)."
    )
    note = models.TextField(blank=True)
    gates = models.JSONField(
        default=list,
        blank=True,
        help_text="The failed gates the decision is about: [{gate, message}].",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_decision_display()}: revision {self.revision.number} of “{self.article}”"
