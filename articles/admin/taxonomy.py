"""Tags, sections and pages in the admin."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db import models
from taggit.admin import TagAdmin
from taggit.models import Tag

from articles import services
from articles.admin.writes import WritesThroughServices
from articles.models import Page, Section

admin.site.unregister(Tag)


class MergeTagsForm(ActionForm):
    into = forms.CharField(
        required=False,
        label="into tag",
        help_text="The name of the tag the selected tags are merged into.",
    )


@admin.register(Tag)
class ArticleTagAdmin(WritesThroughServices, TagAdmin):
    """Taggit's tag admin, writing through the tag services."""

    inlines = []  # taggit's inline lists its generic tagged items; articles use their own table
    action_form = MergeTagsForm
    actions = ["merge_tags"]

    def get_urls(self):
        # Without taggit's merge view: it moves taggit's generic items, not our articles' tags.
        return admin.ModelAdmin.get_urls(self)

    def save_model(self, request, obj, form, change):
        if change:
            services.tag_rename(actor=request.user, tag=obj, name=obj.name, slug=obj.slug)
        else:
            services.tag_create(actor=request.user, tag=obj)

    def delete_model(self, request, obj):
        services.tag_delete(actor=request.user, tag=obj)

    @admin.action(description="Merge selected tags into…", permissions=["change", "delete"])
    def merge_tags(self, request, queryset):
        name = request.POST.get("into", "").strip()
        into = Tag.objects.filter(name__iexact=name).first() if name else None
        if into is None:
            self.message_user(
                request,
                "Write the name of an existing tag in “into tag” to merge the selected tags "
                "into it.",
                messages.ERROR,
            )
            return
        tags = list(queryset)
        moved = services.tag_merge(actor=request.user, tags=tags, into=into)
        merged = [tag.name for tag in tags if tag.pk != into.pk]
        self.message_user(
            request,
            f"Merged {', '.join(merged) or 'nothing'} into {into.name}: {moved} article(s) "
            "changed tags.",
            messages.SUCCESS,
        )


@admin.register(Page)
class PageAdmin(WritesThroughServices, admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "body"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 28, "class": "vLargeTextField"})}
    }

    def save_model(self, request, obj, form, change):
        services.page_save(actor=request.user, page=obj)

    def delete_model(self, request, obj):
        services.page_delete(actor=request.user, page=obj)


@admin.register(Section)
class SectionAdmin(WritesThroughServices, admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        services.section_save(actor=request.user, section=obj)

    def delete_model(self, request, obj):
        services.section_delete(actor=request.user, section=obj)
