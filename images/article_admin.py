"""The lead image's part of the article's admin form: upload, replace or remove the picture and
describe it, in a fieldset of its own; the article's write stores what it says."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from articles.services.lead_images import KEEP, Keep, LeadImage
from images import validation
from images.models import Image

FIELDS = {
    "lead_image_alt": "alt_text",
    "lead_image_caption": "caption",
    "lead_image_credit": "credit",
    "lead_image_ai_generated": "ai_generated",
}
FIELDSET = (
    "Lead image",
    {
        "fields": [
            "lead_image_preview",
            "lead_image_file",
            *FIELDS,
            "lead_image_remove",
        ]
    },
)


def _help(name: str) -> str:
    return Image._meta.get_field(name).help_text


class LeadImageFields(forms.Form):
    """The article form's lead image fields; `lead_image_change` says what the article's
    write does with its lead image."""

    lead_image_file = forms.FileField(
        label="Upload",
        required=False,
        help_text="A JPEG, PNG, WebP or GIF; uploading replaces the current image. Renditions "
        "for every screen are made once, when you save.",
    )
    lead_image_alt = forms.CharField(
        label="Alt text",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
        help_text=_help("alt_text"),
    )
    lead_image_caption = forms.CharField(
        label="Caption", required=False, max_length=500, help_text=_help("caption")
    )
    lead_image_credit = forms.CharField(
        label="Credit", required=False, max_length=200, help_text=_help("credit")
    )
    lead_image_ai_generated = forms.BooleanField(
        label="AI-generated", required=False, help_text=_help("ai_generated")
    )
    lead_image_remove = forms.BooleanField(
        label="Remove the lead image",
        required=False,
        help_text="The article shows no picture; the image stays in the image library.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead_image_upload = None
        image = self.instance.lead_image if self.instance.lead_image_id else None
        if image is not None:
            for field, name in FIELDS.items():
                self.fields[field].initial = getattr(image, name)
        limit = settings.IMAGE_MAX_BYTES / 1024 / 1024
        self.fields["lead_image_file"].help_text += f" At most {limit:.0f} MB."

    def clean(self):
        cleaned_data = super().clean()
        upload = cleaned_data.get("lead_image_file")
        remove = cleaned_data.get("lead_image_remove")
        if upload and remove:
            self.add_error(
                "lead_image_remove", "Upload a new image or remove the current one, not both."
            )
        if upload:
            try:
                self.lead_image_upload = validation.inspect(validation.read_upload(upload))
            except ValidationError as error:
                self.add_error("lead_image_file", error)
        shown = (upload or self.instance.lead_image_id) and not remove
        if shown and not cleaned_data.get("lead_image_alt", "").strip():
            self.add_error(
                "lead_image_alt",
                "Describe the picture for readers who cannot see it: alt text is required.",
            )
        return cleaned_data

    def lead_image_change(self) -> LeadImage | None | Keep:
        """Return the lead image the article's write gives it: the uploaded picture or the
        current one, described as the form says; None to remove it; KEEP if it has none."""
        if self.cleaned_data.get("lead_image_remove"):
            return None
        description = {name: self.cleaned_data.get(field) for field, name in FIELDS.items()}
        if self.lead_image_upload is not None:
            return LeadImage(picture=self.lead_image_upload, **description)
        if self.instance.lead_image_id:
            return LeadImage(**description)
        return KEEP


class LeadImageAdmin:
    """The "Lead image" fieldset, after the article's sources."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = [name for name, _ in fieldsets]
        at = names.index("Sources") + 1 if "Sources" in names else len(fieldsets)
        return [*fieldsets[:at], FIELDSET, *fieldsets[at:]]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "lead_image_preview"]

    @admin.display(description="Current image")
    def lead_image_preview(self, article):
        image = article.lead_image if article.lead_image_id else None
        if image is None or not image.picture.fallback:
            return "None yet."
        rendition = image.picture.fallback[0]
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="{}"><br>{} × {} pixels',
            rendition.url,
            rendition.width,
            rendition.height,
            image.alt_text,
            image.width,
            image.height,
        )
