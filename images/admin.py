from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from articles.admin import WritesThroughServices
from images import validation
from images.models import Image
from images.services import DESCRIPTION_FIELDS, image_create, image_delete, image_update


class ImageAddForm(forms.ModelForm):
    upload = forms.FileField(help_text="A JPEG, PNG, WebP or GIF.")

    class Meta:
        model = Image
        fields = ["upload", *DESCRIPTION_FIELDS]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            self.inspected = validation.inspect(validation.read_upload(upload))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        return upload


@admin.register(Image)
class ImageAdmin(WritesThroughServices, admin.ModelAdmin):
    """The image library: pictures that lead articles, described for readers.

    An article's image is shown here read-only: its description is the article's, changed in
    the article's form, where the change is checked against the rights to the article, kept
    in its history and announced to readers' pages, webhooks and the API.
    """

    list_display = ["thumbnail", "alt_text", "credit", "ai_generated", "size", "shown_by"]
    list_display_links = ["thumbnail", "alt_text"]
    list_filter = ["ai_generated"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "size", "digest", "shown_by", "created_at", "updated_at"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("article").prefetch_related("renditions")
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and _article_of(obj) is not None:
            return False  # the article's, changed through it
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ImageAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["upload", *DESCRIPTION_FIELDS]
        return [
            "thumbnail",
            "shown_by",
            *DESCRIPTION_FIELDS,
            "size",
            "digest",
            "created_at",
            "updated_at",
        ]

    @admin.display(description="Picture")
    def thumbnail(self, image):
        if not image.picture.fallback:
            return "—"
        rendition = image.picture.fallback[0]
        return format_html(
            '<img src="{}" width="160" height="{}" alt="">',
            rendition.url,
            round(160 * rendition.height / rendition.width),
        )

    @admin.display(description="Size")
    def size(self, image):
        return f"{image.width} × {image.height}"

    @admin.display(description="Lead image of", ordering="article__title")
    def shown_by(self, image):
        article = _article_of(image)
        if article is None:
            return "No article: the library's own."
        url = reverse("admin:articles_article_change", args=[article.pk])
        return format_html(
            '<a href="{}">{}</a> (describe it in the article’s form)', url, article.title
        )

    def save_model(self, request, obj, form, change):
        description = {name: getattr(obj, name) for name in DESCRIPTION_FIELDS}
        if change:
            image_update(actor=request.user, image=obj, **description)
            return
        image = image_create(actor=request.user, file=form.inspected.content, **description)
        for field in Image._meta.concrete_fields:  # the admin goes on with `obj`
            setattr(obj, field.attname, getattr(image, field.attname))
        obj._state.adding = False

    def delete_model(self, request, obj):
        image_delete(actor=request.user, image=obj)


def _article_of(image: Image):
    return getattr(image, "article", None)  # the reverse one-to-one raises when there is none
