"""The article admin: the form with its live preview and references, and the publishing
actions (the list is in article_list)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import path, reverse
from django.utils.html import format_html

from articles import services
from articles.admin import preview
from articles.admin.article_form import ArticleAdminForm, ReferenceInline
from articles.admin.article_list import ArticleListColumns
from articles.admin.writes import WritesThroughServices, refusal_messages
from articles.editorial.admin_views import EditorialAdminViews
from articles.models import Article, uncited_numbers
from articles.rendering import format_numbers, uncited_message
from articles.roles import LIVE_STATUSES, may_edit, may_publish
from images.article_admin import LeadImageAdmin


@admin.register(Article)
class ArticleAdmin(
    ArticleListColumns, LeadImageAdmin, EditorialAdminViews, WritesThroughServices, admin.ModelAdmin
):
    form = ArticleAdminForm
    search_fields = ["title", "dek", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ReferenceInline]
    readonly_fields = [
        "word_count",
        "reading_time",
        "revision",
        "created_at",
        "updated_at",
        "citation_check",
    ]
    actions = ["publish", "unpublish", "send_to_review", "approve"]
    fieldsets = [
        ("Content", {"fields": ["title", "slug", "dek", "body", "byline", "section", "tags"]}),
        ("Sources", {"fields": ["citation_check"]}),
        (
            "Provenance",
            {
                "fields": [
                    "origin",
                    "pipeline_version",
                    "sources_verified",
                    "fact_checked",
                    "quality_score",
                    "external_id",
                ]
            },
        ),
        ("Publishing", {"fields": ["status", "published_at", "featured"]}),
        (
            "Derived",
            {
                "fields": ["word_count", "reading_time", "revision", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    @staticmethod
    def has_publish_permission(request):
        return may_publish(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return may_edit(request.user, obj)
        return super().has_change_permission(request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "add/preview/",
                view(self.body_preview_view, cacheable=True),
                name="articles_article_add_preview",
            ),
            path(
                "<int:article_id>/preview/",
                view(self.body_preview_view, cacheable=True),
                name="articles_article_change_preview",
            ),
            *super().get_urls(),
        ]

    def body_preview_view(self, request, article_id=None):
        return preview.preview_view(self, request, article_id)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if "body" in form.fields:
            # What the references editor found wrong with the body, at the field to fix.
            for inline in context["inline_admin_formsets"]:
                for message in getattr(inline.formset, "citation_errors", ()):
                    form.add_error("body", message)
            if obj is not None and obj.pk is not None:
                url = reverse("admin:articles_article_change_preview", args=[obj.pk])
            else:
                url = reverse("admin:articles_article_add_preview")
            context["body_preview_url"] = url
            context["body_preview"] = preview.initial_preview(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The reference form's article picker offers writers only articles they may edit.
        if request.GET.get("model_name") == "reference":
            queryset = queryset.editable_by(request.user)
        return queryset, may_have_duplicates

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not self.has_publish_permission(request):
            kwargs["choices"] = [
                (value, label)
                for value, label in Article.Status.choices
                if value not in LIVE_STATUSES
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 28, "class": "vLargeTextField"})
        elif db_field.name == "dek":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"})
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "published_at" and formfield is not None:
            # The admin's date and time boxes are captioned "Date:" and "Time:" in plain text,
            # which names neither box for a screen reader.
            date, time = formfield.widget.widgets
            date.attrs["aria-label"] = "Published at: date"
            time.attrs["aria-label"] = "Published at: time"
        return formfield

    def view_on_site(self, article):
        # Relative, so it opens on the host the editor is using, not the Sites framework's domain.
        return article.get_absolute_url()

    @admin.display(description="Citations")
    def citation_check(self, article):
        if not article.pk:
            return "Cite references in the body as [1], [2, 3] or [2-4]."
        numbers = [reference.number for reference in article.references.all()]
        uncited = uncited_numbers(article.body, numbers)
        if uncited:
            return format_html(
                '<strong class="errornote">Not cited in the body: {}</strong>',
                format_numbers(uncited),
            )
        return f"{len(numbers)} references, all cited."

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related writes the article with its tags and references, in one
        service call."""

    def save_related(self, request, form, formsets, change):
        references = []
        for formset in formsets:
            kept = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data["DELETE"]]
            # What the change message (the object's history) reports.
            formset.new_objects = [f.instance for f in kept if f.instance.pk is None]
            formset.changed_objects = [
                (f.instance, f.changed_data) for f in kept if f.instance.pk and f.has_changed()
            ]
            formset.deleted_objects = [
                f.instance
                for f in formset.forms
                if f.cleaned_data and f.cleaned_data["DELETE"] and f.instance.pk
            ]
            references += [f.instance for f in kept]
        write = services.article_update if change else services.article_create
        article = write(
            actor=request.user,
            article=form.instance,
            tags=form.cleaned_data.get("tags", []),
            references=references,
            lead_image=form.lead_image_change(),
            edit=form.edit(),
        )
        uncited = uncited_numbers(article.body, [reference.number for reference in references])
        if uncited:
            self.message_user(request, uncited_message(uncited), messages.WARNING)

    def delete_model(self, request, obj):
        services.article_delete(actor=request.user, article=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for article in Article.objects.filter(pk__in=list(queryset.values_list("pk", flat=True))):
            services.article_delete(actor=request.user, article=article)

    @admin.action(description="Publish selected articles", permissions=["publish"])
    def publish(self, request, queryset):
        changed = self.set_status(request, queryset, Article.Status.PUBLISHED)
        scheduled = sum(article.is_scheduled for article in changed)
        message = f"Published {len(changed)} article(s)."
        if scheduled:
            message += f" {scheduled} of them are scheduled and appear at their publication time."
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(
        description="Unpublish selected articles (back to draft)", permissions=["publish"]
    )
    def unpublish(self, request, queryset):
        changed = self.set_status(request, queryset, Article.Status.DRAFT)
        self.message_user(
            request, f"Moved {len(changed)} article(s) back to draft.", messages.SUCCESS
        )

    @admin.action(description="Send selected articles to review", permissions=["change"])
    def send_to_review(self, request, queryset):
        changed = self.set_status(request, queryset, Article.Status.IN_REVIEW)
        self.message_user(request, f"Sent {len(changed)} article(s) to review.", messages.SUCCESS)

    def set_status(self, request, queryset, status) -> list[Article]:
        """Move each selected article the user may move; say which ones they may not."""
        changed, refusals = [], []
        selected = queryset.values_list("pk", flat=True)  # without the changelist's vote counts
        with transaction.atomic():  # one change for readers, however many articles move
            for article in Article.objects.filter(pk__in=list(selected)).order_by("pk"):
                try:
                    with transaction.atomic():
                        moved = services.article_set_status(
                            actor=request.user, article=article, status=status
                        )
                    if moved:
                        changed.append(moved)
                except (PermissionDenied, ValidationError) as refusal:
                    refusals.append(" ".join(refusal_messages(refusal)))
        if refusals:
            self.message_user(
                request,
                f"{len(refusals)} article(s) left as they were: " + " ".join(refusals),
                messages.ERROR,
            )
        return changed
