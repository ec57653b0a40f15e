"""The numbers behind the admin's reader feedback report, in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber, TruncWeek
from django.utils import timezone

from articles.models import Article
from feedback.models import Reason, Vote
from feedback.stats import wilson_lower_bound, wilson_lower_bound_expression

WEEKS_CHARTED = 12
LEAST_HELPFUL_COUNT = 10
COMMENTS_PER_ARTICLE = 3


@dataclass
class Tally:
    label: str
    yes: int
    no: int

    @property
    def total(self):
        return self.yes + self.no

    @property
    def helpfulness(self):
        return wilson_lower_bound(self.yes, self.total)


@dataclass
class WeekBar:
    week: dt.date
    yes: int
    no: int
    x: float = 0
    yes_y: float = 0
    yes_height: float = 0
    no_y: float = 0
    no_height: float = 0

    @property
    def total(self):
        return self.yes + self.no


@dataclass
class WeeklyChart:
    """Votes per week as stacked bars, laid out for a server-rendered SVG."""

    bars: list[WeekBar]
    width: int = 640
    height: int = 160
    bar_width: float = 0
    peak: int = 0

    @classmethod
    def lay_out(cls, bars: list[WeekBar]) -> "WeeklyChart":
        chart = cls(bars)
        chart.peak = max((bar.total for bar in bars), default=0)
        slot = chart.width / max(len(bars), 1)
        chart.bar_width = slot * 0.7
        scale = chart.baseline / chart.peak if chart.peak else 0
        for index, bar in enumerate(bars):
            bar.x = round(index * slot + slot * 0.15, 1)
            bar.yes_height = round(bar.yes * scale, 1)
            bar.no_height = round(bar.no * scale, 1)
            bar.yes_y = round(chart.baseline - bar.yes_height, 1)  # "yes" at the bottom
            bar.no_y = round(bar.yes_y - bar.no_height, 1)  # "no" stacked on top
        chart.bar_width = round(chart.bar_width, 1)
        return chart

    @property
    def baseline(self):
        return self.height - 20  # room for the week labels


@dataclass
class ArticleFeedback:
    article: Article
    yes: int
    no: int
    helpfulness: float
    reasons: list[tuple[str, int]] = field(default_factory=list)
    comments: list[Vote] = field(default_factory=list)


@dataclass
class FeedbackReport:
    totals: Tally
    comment_count: int
    by_section: list[Tally]
    by_tag: list[Tally]
    by_origin: list[Tally]
    by_pipeline_version: list[Tally]
    weekly: WeeklyChart
    least_helpful: list[ArticleFeedback]

    @classmethod
    def build(cls, now: dt.datetime | None = None) -> "FeedbackReport":
        votes = Vote.objects.all()
        totals = votes.aggregate(**votes.tallies(), comments=Count("pk", filter=~Q(comment="")))
        origin_labels = dict(Article.Origin.choices)
        return cls(
            totals=Tally("All articles", totals["yes"], totals["no"]),
            comment_count=totals["comments"],
            by_section=_tallies(votes, "article__section__name"),
            by_tag=_least_helpful_first(
                [t for t in _tallies(votes, "article__tags__name") if t.label]
            ),
            by_origin=[
                Tally(origin_labels.get(t.label, t.label), t.yes, t.no)
                for t in _tallies(votes, "article__origin")
            ],
            by_pipeline_version=[
                Tally(t.label or "(none)", t.yes, t.no) for t in _tallies(votes, "pipeline_version")
            ],
            weekly=_weekly(votes, now or timezone.now()),
            least_helpful=_least_helpful(),
        )


def _tallies(votes, group_by: str) -> list[Tally]:
    rows = votes.values(group_by).annotate(**votes.tallies()).order_by(group_by)
    return [Tally(row[group_by] or "", row["yes"], row["no"]) for row in rows]


def _least_helpful_first(tallies: list[Tally]) -> list[Tally]:
    return sorted(tallies, key=lambda tally: (tally.helpfulness, tally.label))


def _weekly(votes, now: dt.datetime) -> WeeklyChart:
    this_week = timezone.localtime(now).date()
    this_week -= dt.timedelta(days=this_week.weekday())
    first_week = this_week - dt.timedelta(weeks=WEEKS_CHARTED - 1)
    rows = (
        votes.filter(created_at__date__gte=first_week)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(**votes.tallies())
    )
    counts = {_as_date(row["week"]): (row["yes"], row["no"]) for row in rows}
    bars = []
    for offset in range(WEEKS_CHARTED):
        week = first_week + dt.timedelta(weeks=offset)
        yes, no = counts.get(week, (0, 0))
        bars.append(WeekBar(week, yes, no))
    return WeeklyChart.lay_out(bars)


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _least_helpful() -> list[ArticleFeedback]:
    ranked = (
        Article.objects.annotate(
            yes=Count("votes", filter=Q(votes__helpful=True)),
            no=Count("votes", filter=Q(votes__helpful=False)),
            total=Count("votes"),
        )
        .filter(total__gt=0)
        .annotate(helpfulness=wilson_lower_bound_expression())
        .select_related("section")
        .defer("body", "body_html")
        .order_by("helpfulness", "-total", "pk")[:LEAST_HELPFUL_COUNT]
    )
    entries = {
        article.pk: ArticleFeedback(article, article.yes, article.no, article.helpfulness)
        for article in ranked
    }
    reason_labels = dict(Reason.choices)
    reasons = (
        Vote.objects.filter(article__in=entries, helpful=False)
        .exclude(reason="")
        .values("article", "reason")
        .annotate(count=Count("pk"))
        .order_by("article", "-count", "reason")
    )
    for row in reasons:
        entries[row["article"]].reasons.append((reason_labels[row["reason"]], row["count"]))
    comments = (
        Vote.objects.filter(article__in=entries)
        .exclude(comment="")
        .annotate(
            rank=Window(RowNumber(), partition_by=F("article"), order_by=F("updated_at").desc())
        )
        .filter(rank__lte=COMMENTS_PER_ARTICLE)
        .order_by("article", "rank")
    )
    for vote in comments:
        entries[vote.article_id].comments.append(vote)
    return list(entries.values())
