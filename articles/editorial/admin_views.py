"""The article admin's editorial pages: an article's revisions, the comparison of two, restoring
one, and the editors' review. Mixed into ArticleAdmin (articles/admin/articles.py)."""

import dataclasses

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from articles import services
from articles.editorial import diff, recording
from articles.editorial.admin_forms import RestoreForm, ReviewForm
from articles.editorial.models import Review, Revision
from articles.models import LONG_FIELDS, Article
from articles.roles import may_publish

TEMPLATES = "admin/articles/article/"
# How many revisions and reviews the change form shows; the revisions page has them all.
LATEST = 5


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    revision: Revision
    public_changes: list
    previous: int | None  # the number to compare with, or None for the first revision
    pipeline_previous: int | None  # the pipeline's revision before this one of the pipeline's
    is_latest: bool  # the article as it is now: nothing to restore


def history_rows(revisions: list[Revision]) -> list[HistoryRow]:
    """Return `revisions` (newest first, public changes prefetched) with what each compares
    with: the revision before it, and for the pipeline's the pipeline's revision before it."""
    rows = []
    for index, revision in enumerate(revisions):
        earlier = revisions[index + 1 :]
        pipeline_previous = None
        if revision.by_pipeline:
            pipeline_previous = next((r.number for r in earlier if r.by_pipeline), None)
        rows.append(
            HistoryRow(
                revision=revision,
                public_changes=list(revision.public_changes.all()),
                previous=earlier[0].number if earlier else None,
                pipeline_previous=pipeline_previous,
                is_latest=index == 0,
            )
        )
    return rows


class EditorialAdminViews:
    """Revisions, comparison, restore and review for ArticleAdmin, in the admin's pages."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:article_id>/revisions/",
                view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<int:article_id>/revisions/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<int:article_id>/revisions/<int:number>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            path(
                "<int:article_id>/review/", view(self.review_view), name="articles_article_review"
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        """Add "This change", with the fields that apply to this article and user."""
        fields = _this_change_fields(request, obj)
        return [*super().get_fieldsets(request, obj), ("This change", {"fields": fields})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        """Return the article form without the "This change" fields that do not apply."""
        form = super().get_form(request, obj, change, **kwargs)
        absent = [name for name in THIS_CHANGE if name not in _this_change_fields(request, obj)]
        return type(form.__name__, (form,), {"absent_fields": tuple(absent)})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            revisions = obj.revisions.defer("snapshot").prefetch_related("public_changes")
            context["history"] = history_rows(list(revisions[: LATEST + 1]))[:LATEST]
            # Everyone who may view the article reads its reviews (a send-back note is
            # addressed to its writer); only editors decide.
            context["may_review"] = may_publish(request.user)
            context["reviews"] = obj.reviews.select_related("revision")[:LATEST]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def revisions_view(self, request, article_id):
        article = self._viewable_article(request, article_id)
        revisions = list(
            article.revisions.defer("snapshot")
            .prefetch_related("public_changes")
            .order_by("-number")
        )
        rows = history_rows(revisions)
        by_pipeline = request.GET.get("by") == "pipeline"
        if by_pipeline:
            rows = [row for row in rows if row.revision.by_pipeline]
        return self._render(
            request,
            "revisions.html",
            article,
            title=f"Revisions of “{article}”",
            rows=rows,
            by_pipeline=by_pipeline,
            may_change=self.has_change_permission(request, article),
        )

    def compare_view(self, request, article_id):
        """Compare revision `from` with revision `to` (default: the latest); without `from`,
        with the one before `to`, or with `pipeline=1` the pipeline's one before it."""
        article = self._viewable_article(request, article_id)
        revisions = article.revisions.all()
        to_number = _number(request.GET.get("to"))
        newer = (
            (revisions.filter(number=to_number) if to_number else revisions)
            .order_by("-number")
            .first()
        )
        if newer is None:
            raise Http404("This article has no revisions yet.")
        from_number = _number(request.GET.get("from"))
        if from_number:
            older = revisions.filter(number=from_number).first()
        else:
            earlier = revisions.filter(number__lt=newer.number).order_by("-number")
            if request.GET.get("pipeline"):
                earlier = earlier.filter(by_pipeline=True)
            older = earlier.first()
        if older is None:
            raise Http404("There is no earlier revision to compare with.")
        return self._render(
            request,
            "compare.html",
            article,
            title=f"Changes to “{article}”",
            older=older,
            newer=newer,
            comparison=diff.compare(older.snapshot, newer.snapshot),
            may_change=self.has_change_permission(request, article),
        )

    def restore_view(self, request, article_id, number):
        """Confirm, then restore revision `number` as a new revision; the services decide
        whether this user may."""
        article = self._viewable_article(request, article_id, full=True)
        revision = get_object_or_404(Revision, article=article, number=number)
        form = RestoreForm(request.POST or None, article=article)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    services.article_restore(
                        actor=request.user,
                        article=article,
                        revision=revision,
                        message=form.cleaned_data["message"],
                        change_kind=form.cleaned_data.get("change_kind", ""),
                        change_text=form.cleaned_data.get("change_text", ""),
                    )
            except ValidationError as error:
                if gone := self._gone(request, article, error):
                    return gone
                _add_errors(form, error)
            else:
                self.message_user(
                    request, f"Restored revision {number} as a new revision.", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:articles_article_revisions", args=[article.pk])
                )
        current = recording.snapshot(article, article.references.all(), article.tags.all())
        return self._render(
            request,
            "restore.html",
            article,
            title=f"Restore revision {number} of “{article}”",
            revision=revision,
            form=form,
            comparison=diff.compare(current, revision.snapshot),
            may_change=self.has_change_permission(request, article),
        )

    def review_view(self, request, article_id):
        """Approve the article as it now reads, or send it back to draft with a note."""
        article = self._viewable_article(request, article_id)
        if not may_publish(request.user):
            raise PermissionDenied("Only editors approve articles or send them back.")
        revision = article.revisions.order_by("-number").first()
        form = ReviewForm(request.POST or None, revision=revision)
        if request.method == "POST" and form.is_valid():
            note = form.cleaned_data["note"]
            approves = form.cleaned_data["decision"] == ReviewForm.APPROVE
            try:
                with transaction.atomic():
                    if approves:
                        services.article_approve(
                            actor=request.user,
                            article=article,
                            note=note,
                            revision_number=form.cleaned_data.get("revision"),
                        )
                    else:
                        services.article_send_back(actor=request.user, article=article, note=note)
            except ValidationError as error:
                if gone := self._gone(request, article, error):
                    return gone
                _add_errors(form, error)
            else:
                done = "Approved" if approves else "Sent back to draft"
                self.message_user(request, f"{done}: “{article}”.", messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:articles_article_change", args=[article.pk])
                )
        return self._render(
            request,
            "review.html",
            article,
            title=f"Review “{article}”",
            form=form,
            revision=revision,
            reviews=article.reviews.select_related("revision")[:LATEST],
            sends_back=article.status == Article.Status.IN_REVIEW,
        )

    @admin.action(description="Approve selected articles", permissions=["publish"])
    def approve(self, request, queryset):
        approved, refusals = 0, []
        selected = list(queryset.values_list("pk", flat=True))
        for article in Article.objects.filter(pk__in=selected).order_by("pk"):
            try:
                with transaction.atomic():
                    services.article_approve(actor=request.user, article=article)
                approved += 1
            except (PermissionDenied, ValidationError) as refusal:
                said = refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]
                refusals.append(f"“{article}”: {' '.join(said)}")
        if approved:
            self.message_user(request, f"Approved {approved} article(s).", messages.SUCCESS)
        if refusals:
            self.message_user(request, "Not approved: " + " ".join(refusals), messages.ERROR)

    def _gone(self, request, article, error: ValidationError) -> HttpResponseRedirect | None:
        """Say so and go to the article list if the article was deleted meanwhile."""
        if Article.objects.filter(pk=article.pk).exists():
            return None
        self.message_user(request, " ".join(error.messages), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:articles_article_changelist"))

    def _viewable_article(self, request, article_id, *, full=False) -> Article:
        articles = Article.objects.select_related("section")
        if not full:
            articles = articles.defer(*LONG_FIELDS)
        article = get_object_or_404(articles, pk=article_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def _render(self, request, template, article, **context):
        return TemplateResponse(
            request,
            TEMPLATES + template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "article": article,
                "decisions": Review.Decision,
                **context,
            },
        )


THIS_CHANGE = ("change_kind", "change_text", "override_reason", "history_message")


def _this_change_fields(request, obj) -> list[str]:
    """Return the "This change" fields that apply to article `obj` (None: a new one) and the
    user: a public change once readers could open it, an override while the gates hold it
    and the user is an editor, and always the note for the history."""
    fields = []
    if obj is not None and obj.is_readable():
        fields += ["change_kind", "change_text"]
    if obj is not None and obj.held_gates and may_publish(request.user):
        fields.append("override_reason")
    fields.append("history_message")
    return fields


def _number(value) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


def _add_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names, if the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
