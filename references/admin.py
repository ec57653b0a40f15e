from django.contrib import admin
from django.db import models

from articles.admin import WritesThroughServices
from articles.models import Article
from articles.roles import may_edit
from references.models import Reference
from references.services import reference_save


@admin.register(Reference)
class ReferenceAdmin(WritesThroughServices, admin.ModelAdmin):
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

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_edit(request.user, obj.article))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            kwargs["queryset"] = Article.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        reference_save(actor=request.user, reference=obj)
