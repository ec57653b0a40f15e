import csv

from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from feedback.models import Vote
from feedback.report import FeedbackReport

CSV_COLUMNS = [
    "date",
    "article",
    "article_url",
    "section",
    "origin",
    "pipeline_version",
    "article_revision",
    "helpful",
    "reason",
    "comment",
]


def csv_safe(value):
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Readers' votes, read-only: editors may delete one (moderation) but never edit it."""

    list_display = [
        "article",
        "helpful",
        "reason",
        "short_comment",
        "pipeline_version",
        "updated_at",
    ]
    list_filter = [
        "helpful",
        "reason",
        "article__section",
        "article__origin",
        "pipeline_version",
        "updated_at",
    ]
    list_select_related = ["article"]
    search_fields = ["comment"]
    date_hierarchy = "updated_at"
    fields = [
        "article",
        "helpful",
        "reason",
        "comment",
        "pipeline_version",
        "article_revision",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    actions = ["export_csv"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="comment")
    def short_comment(self, vote):
        return vote.comment if len(vote.comment) <= 80 else f"{vote.comment[:79]}…"

    @admin.action(description="Export selected votes as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="feedback-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for vote in queryset.select_related("article__section").order_by("updated_at"):
            article = vote.article
            row = [
                vote.updated_at.isoformat(),
                article.title,
                request.build_absolute_uri(article.get_absolute_url()),
                article.section.name,
                article.origin,
                vote.pipeline_version,
                vote.article_revision,
                "yes" if vote.helpful else "no",
                vote.get_reason_display() if vote.reason else "",
                vote.comment,
            ]
            writer.writerow([csv_safe(value) for value in row])
        return response

    def get_urls(self):
        report = self.admin_site.admin_view(self.report_view)
        return [path("report/", report, name="feedback_vote_report"), *super().get_urls()]

    def report_view(self, request):
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        context = {
            **self.admin_site.each_context(request),
            "title": "Reader feedback report",
            "opts": self.model._meta,
            "report": FeedbackReport.build(),
        }
        return TemplateResponse(request, "admin/feedback/report.html", context)
