from django.contrib import admin
from django.db import models

from references.models import Reference


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    """Find and fix references across articles.

    Numbers are renumbered and references removed in the article's own form, where the body's
    citations are checked against them; here they stay fixed.
    """

    list_display = ["__str__", "article", "publisher", "accessed_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_select_related = ["article"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "url", "article__title"]
    autocomplete_fields = ["article"]
    ordering = ["article", "number"]

    def get_readonly_fields(self, request, obj=None):
        return ["article", "number"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.article.rerender()
