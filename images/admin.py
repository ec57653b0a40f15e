from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
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
    """The image library: pictures that lead articles, described for readers."""

    list_display = ["thumbnail", "alt_text", "credit", "ai_generated", "size", "article_count"]
    list_display_links = ["thumbnail", "alt_text"]
    list_filter = ["ai_generated"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "size", "digest", "created_at", "updated_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("articles"))
            .prefetch_related("renditions")
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ImageAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["upload", *DESCRIPTION_FIELDS]
        return ["thumbnail", *DESCRIPTION_FIELDS, "size", "digest", "created_at", "updated_at"]

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

    @admin.display(description="Articles", ordering="article_count")
    def article_count(self, image):
        return image.article_count

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
