from django import forms
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q

WEB_ADDRESS_MESSAGE = "Enter a full http:// or https:// address."
web_address_validator = URLValidator(schemes=["http", "https"], message=WEB_ADDRESS_MESSAGE)


class WebAddressFormField(forms.URLField):
    default_validators = [web_address_validator]
    default_error_messages = {"invalid": WEB_ADDRESS_MESSAGE}


class WebAddressField(models.URLField):
    """A URL readers can follow: http or https only (no javascript:, ftp: or data:).

    It replaces URLField's own validator rather than adding one, so a bad address gets one
    message instead of "Enter a valid URL." twice.
    """

    default_validators = [web_address_validator]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebAddressFormField, **kwargs})


class Reference(models.Model):
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="references"
    )
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="Cited in the body as [number]."
    )
    publisher = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    url = WebAddressField("URL", max_length=1000)
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
