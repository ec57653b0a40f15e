from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from taggit.admin import TagAdmin
from taggit.models import Tag

from articles import admin_preview, services
from articles.editorial import desk
from articles.editorial.admin_forms import ThisChangeFields
from articles.editorial.admin_views import EditorialAdminViews
from articles.models import Article, Page, Section, uncited_numbers
from articles.rendering import (
    format_numbers,
    read_body,
    uncited_message,
    unresolved_citation_messages,
)
from articles.roles import LIVE_STATUSES, may_edit, may_publish
from articles.slugs import has_letters_or_digits
from feedback.stats import helpful_share, wilson_lower_bound_expression
from images.article_admin import LeadImageAdmin, LeadImageFields
from references.models import Reference


class WritesThroughServices:
    """Admin views whose writes are service calls (`save_model` and the like).

    The forms check what the services check, so a refusal shows as a form error; a
    ValidationError the form could not foresee (another editor's write in between) shows as an
    error message over the form, and PermissionDenied as 403, never as a server error.
    """

    def changeform_view(self, request, *args, **kwargs):
        return self._refusals_shown(super().changeform_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._refusals_shown(super().changelist_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._refusals_shown(super().delete_view, request, *args, **kwargs)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """Delete each selected row as the delete view does: through `delete_model`."""
        for obj in queryset:
            self.delete_model(request, obj)

    def _refusals_shown(self, view, request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ArticleAdminForm(LeadImageFields, ThisChangeFields, forms.ModelForm):
    """The article form, with the fields about the change itself; the admin supplies its model
    and fields."""

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        unaddressable = [name for name in tags if not has_letters_or_digits(name)]
        if unaddressable:
            raise forms.ValidationError(
                "%(names)s: a tag needs at least one letter or digit, which its address is "
                "made of.",
                code="tag_without_letters",
                params={"names": ", ".join(unaddressable)},
            )
        return tags


class ReferenceInlineFormSet(BaseInlineFormSet):
    # The lines of the body that cite a number no kept reference has, one message each: the
    # admin shows them at the Body field (ArticleAdmin.render_change_form).
    citation_errors: list[str] = []

    def clean(self):
        """Refuse a body that cites a number none of the kept references has."""
        super().clean()
        if any(self.errors):
            return
        numbers = [
            form.cleaned_data["number"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("number")
        ]
        body = read_body(self.instance.body)
        self.citation_errors = unresolved_citation_messages(body, numbers)
        missing = body.cited_numbers - set(numbers)
        if missing:
            raise ValidationError(
                "The body cites %(numbers)s: add %(them)s here, or change the %(citations)s "
                "at the Body field.",
                code="missing_reference",
                params={
                    "numbers": format_numbers(missing),
                    "them": "it" if len(missing) == 1 else "them",
                    "citations": "citation" if len(missing) == 1 else "citations",
                },
            )


class ReferenceInline(admin.StackedInline):
    """The article's references as compact cards that fit beside the preview (our template)."""

    model = Reference
    formset = ReferenceInlineFormSet
    template = "admin/articles/article/references_inline.html"
    formfield_overrides = {
        # One box for the address (not the admin's "Currently: … Change: …" pair).
        models.URLField: {
            "assume_scheme": "https",
            "widget": forms.URLInput(attrs={"class": "vURLField"}),
        }
    }
    fields = ["number", "publisher", "title", "url", "accessed_at"]
    ordering = ["number"]
    extra = 1
    view_on_site = False  # a reference is a place on its article's page, which has its own link


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


class ArticleChangeList(ChangeList):
    """The article list, without the columns only the article page (or search) reads."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).card_fields()


class StageFilter(admin.SimpleListFilter):
    """The stages the editors' desk lists (articles/editorial/desk.py), for its links here."""

    title = "stage"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return list(desk.STAGE_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in desk.STAGE_LABELS:
            return queryset.filter(desk.stage_condition(self.value()))
        return queryset


@admin.register(Article)
class ArticleAdmin(LeadImageAdmin, EditorialAdminViews, WritesThroughServices, admin.ModelAdmin):
    form = ArticleAdminForm
    # get_list_display links the title column to each change form.
    list_display = ["title", "published", "stage", "helpfulness"]
    list_display_links = None
    list_filter = [
        "status",
        StageFilter,
        "section",
        "origin",
        "featured",
        "tags",
        "published_at",
    ]
    list_select_related = ["section"]
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

    def get_queryset(self, request):
        # distinct: a tag filter's join must not count a vote twice
        return (
            super()
            .get_queryset(request)
            .annotate(
                votes_yes=Count("votes", filter=Q(votes__helpful=True), distinct=True),
                votes_no=Count("votes", filter=Q(votes__helpful=False), distinct=True),
                votes_total=Count("votes", distinct=True),
            )
            .annotate(helpfulness=wilson_lower_bound_expression("votes_yes", "votes_total"))
            .order_by(*Article._meta.ordering)  # a GROUP BY query drops the model's ordering
        )

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_list_display(self, request):
        """Show each title as a link to its change form (which leads back to the list as
        filtered), with its section, origin and quality score under it."""
        preserved = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}

        @admin.display(description="Article", ordering="title")
        def article(article):
            url = reverse("admin:articles_article_change", args=[article.pk])
            about = [article.section.name, article.get_origin_display()]
            if article.quality_score is not None:
                about.append(f"quality {article.quality_score:g}")
            return format_html(
                '<a class="article-title" href="{}" title="{}">{}</a>'
                '<span class="article-about">{}</span>',
                add_preserved_filters(preserved, url),
                article.title,
                article.title,
                " · ".join(about),
            )

        return [article, *self.list_display[1:]]

    @admin.display(description="Date", ordering=F("published_at").asc(nulls_last=True))
    def published(self, article):
        if article.published_at is None:
            return mark_safe('<span class="article-undated">not dated</span>')
        moment = timezone.localtime(article.published_at)
        return format_html(
            '<time datetime="{}">{} <span class="article-time">{}</span></time>',
            moment.isoformat(),
            date_format(moment, "M j, Y"),
            time_format(moment, "P"),
        )

    @admin.display(description="Status", ordering="status")
    def stage(self, article):
        name, label = desk.stage(article)
        note = ""
        if name == "held":
            note = ", ".join(failure["gate"] for failure in article.held_gates)
        elif article.reviewed_at is not None and name != "approved":
            note = "reviewed"
        return format_html(
            '<span class="stage-pill stage-{}">{}</span>{}',
            name,
            label,
            format_html('<span class="stage-note">{}</span>', note) if note else "",
        )

    @admin.display(description="Found helpful", ordering=F("helpfulness").asc(nulls_last=True))
    def helpfulness(self, article):
        if not article.votes_total:
            return mark_safe('<span class="article-unvoted">no votes</span>')
        return helpful_share(article.votes_yes, article.votes_total)

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
        return admin_preview.preview_view(self, request, article_id)

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
            context["body_preview"] = admin_preview.initial_preview(request, obj)
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
        form.save_lead_image(actor=request.user)
        write = services.article_update if change else services.article_create
        article = write(
            actor=request.user,
            article=form.instance,
            tags=form.cleaned_data.get("tags", []),
            references=references,
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
                    refusals.append(" ".join(_messages(refusal)))
        if refusals:
            self.message_user(
                request,
                f"{len(refusals)} article(s) left as they were: " + " ".join(refusals),
                messages.ERROR,
            )
        return changed


def _messages(refusal: PermissionDenied | ValidationError) -> list[str]:
    return refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]
