"""The editorial record, to browse: revisions, public changes and reviews are kept as they
were written, so nobody adds, changes or deletes them here."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from articles.editorial.models import PublicChange, Review, Revision


class KeptRecord(admin.ModelAdmin):
    list_select_related = ["article"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Article", ordering="article__title")
    def article_link(self, record):
        url = reverse("admin:articles_article_change", args=[record.article_id])
        return format_html('<a href="{}">{}</a>', url, record.article.title)


class ByPipelineFilter(admin.SimpleListFilter):
    title = "written by"
    parameter_name = "by"

    def lookups(self, request, model_admin):
        return [("pipeline", "The pipeline"), ("people", "People")]

    def queryset(self, request, queryset):
        if self.value() == "pipeline":
            return queryset.filter(by_pipeline=True)
        if self.value() == "people":
            return queryset.filter(by_pipeline=False)
        return queryset


@admin.register(Revision)
class RevisionAdmin(KeptRecord):
    list_display = ["__str__", "article_link", "number", "created_at", "author_name", "via"]
    list_filter = [ByPipelineFilter, "via", "created_at"]
    search_fields = ["article__title", "author_name", "message"]
    date_hierarchy = "created_at"
    fields = ["article_link", "number", "created_at", "author_name", "via", "message", "compare"]
    readonly_fields = fields

    @admin.display(description="Changes")
    def compare(self, revision):
        url = reverse("admin:articles_article_compare", args=[revision.article_id])
        return format_html(
            '<a href="{}?to={}">Compare with the previous revision</a>', url, revision.number
        )


@admin.register(PublicChange)
class PublicChangeAdmin(KeptRecord):
    list_display = ["__str__", "article_link", "kind", "published_at", "revision_number"]
    list_filter = ["kind", "published_at"]
    search_fields = ["article__title", "text"]
    date_hierarchy = "published_at"
    list_select_related = ["article", "revision"]
    fields = ["article_link", "kind", "text", "published_at", "revision_number"]
    readonly_fields = fields

    @admin.display(description="Revision", ordering="revision__number")
    def revision_number(self, change):
        return change.revision.number


@admin.register(Review)
class ReviewAdmin(KeptRecord):
    list_display = [
        "article_link",
        "decision",
        "reviewer_name",
        "revision_number",
        "created_at",
        "failed_gates",
    ]
    list_filter = ["decision", "created_at"]
    search_fields = ["article__title", "reviewer_name", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["article", "revision"]
    fields = [
        "article_link",
        "decision",
        "reviewer_name",
        "revision_number",
        "created_at",
        "note",
        "failed_gates",
    ]
    readonly_fields = fields

    @admin.display(description="Revision", ordering="revision__number")
    def revision_number(self, review):
        return review.revision.number

    @admin.display(description="Failed gates")
    def failed_gates(self, review):
        return "; ".join(gate["message"] for gate in review.gates) or "—"
