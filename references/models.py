from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q


class Reference(models.Model):
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="references"
    )
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="Cited in the body as [number]."
    )
    publisher = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    url = models.URLField(
        "URL", max_length=1000, validators=[URLValidator(schemes=["http", "https"])]
    )
    accessed_at = models.DateField("accessed on", null=True, blank=True)

    class Meta:
        # By the column, not the article: ordering by the relation would join the articles.
        ordering = ["article_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="reference_unique_number_per_article"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="reference_number_positive"),
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="reference_url_http",
            ),
        ]

    def __str__(self):
        return f"[{self.number}] {self.publisher} — {self.title}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#ref-{self.number}"
