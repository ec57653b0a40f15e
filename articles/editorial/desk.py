"""The editors' desk: what needs attention, for the admin's start page and the article list.

Each tray is a short list (the first few articles, a count of all, a link to the full list) of
the articles the user may edit (`ArticleQuerySet.editable_by`): writers see the articles in
review and held by the gates; editors also see what readers see or are about to: scheduled
articles, the week's least helpful articles and its corrections. Reading only, in a constant
number of queries.
"""

import dataclasses
import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from articles.editorial.models import PublicChange
from articles.models import LONG_FIELDS, Article
from articles.roles import may_publish
from feedback.stats import helpful_share, wilson_lower_bound_expression

SHOWN = 5
WEEK = dt.timedelta(days=7)
# Fewer votes than this in a week say nothing about an article.
MIN_WEEK_VOTES = 5

# The stages the article list's filter offers, by the name in its address (?stage=…).
STAGE_LABELS = {
    "review": "In review",
    "held": "Held by gates",
    "approved": "Approved, not published",
    "scheduled": "Scheduled",
    "retracted": "Retracted",
}


def stage_condition(name: str) -> Q:
    """Return the condition of the articles at stage `name` (a key of STAGE_LABELS)."""
    in_review = Q(status=Article.Status.IN_REVIEW)
    match name:
        case "review":
            return in_review & Q(held_gates=[])
        case "held":
            return in_review & ~Q(held_gates=[])
        case "approved":
            return in_review & Q(held_gates=[], reviewed_at__isnull=False)
        case "scheduled":
            return Q(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        case "retracted":
            return Q(status=Article.Status.PUBLISHED, retracted_at__isnull=False)
    raise ValueError(f"No stage is called {name!r}.")


def stage(article: Article) -> tuple[str, str]:
    """Return where `article` stands, as (name, label): its status, told apart further for
    articles in review (held, approved) and published ones (scheduled, retracted)."""
    if article.status == Article.Status.IN_REVIEW:
        if article.held_gates:
            return "held", STAGE_LABELS["held"]
        if article.reviewed_at is not None:
            return "approved", "Approved"
        return "review", STAGE_LABELS["review"]
    if article.status == Article.Status.PUBLISHED:
        if article.is_retracted:
            return "retracted", STAGE_LABELS["retracted"]
        if article.is_scheduled:
            return "scheduled", STAGE_LABELS["scheduled"]
    return article.status, article.get_status_display()


@dataclasses.dataclass(frozen=True)
class Entry:
    """One article on a tray: its title, what to know about it, and when, if that matters."""

    article_id: int
    title: str
    note: str
    when: dt.datetime | None = None
    approved: bool = False


@dataclasses.dataclass(frozen=True)
class Tray:
    name: str
    title: str
    count: int
    entries: list[Entry]
    full_list_url: str
    full_list_text: str
    empty_text: str


def trays(user) -> list[Tray]:
    """Return the desk's trays for `user`: none without the right to see articles."""
    if not user.has_perm("articles.view_article"):
        return []
    articles = Article.objects.editable_by(user).card_fields()
    counts = articles.aggregate(
        **{
            name: Count("pk", filter=stage_condition(name))
            for name in ("review", "held", "scheduled")
        }
    )
    found = [_in_review(articles, counts["review"]), _held(articles, counts["held"])]
    if may_publish(user):
        found.append(_scheduled(articles, counts["scheduled"]))
        if user.has_perm("feedback.view_vote"):
            found.append(_least_helpful(articles))
        if user.has_perm("editorial.view_publicchange"):
            found.append(_corrections())
    return found


def _article_list(stage_name: str) -> str:
    return f"{reverse('admin:articles_article_changelist')}?stage={stage_name}"


def _in_review(articles, count: int) -> Tray:
    waiting = articles.filter(stage_condition("review")).order_by("updated_at", "pk")[:SHOWN]
    return Tray(
        name="review",
        title="In review",
        count=count,
        entries=[
            Entry(
                article.pk,
                article.title,
                "last changed",
                article.updated_at,
                approved=article.reviewed_at is not None,
            )
            for article in waiting
        ],
        full_list_url=_article_list("review"),
        full_list_text="All articles in review",
        empty_text="No article is waiting for review.",
    )


def _held(articles, count: int) -> Tray:
    held = articles.filter(stage_condition("held")).order_by("updated_at", "pk")[:SHOWN]
    return Tray(
        name="held",
        title="Held by the publication gates",
        count=count,
        entries=[
            Entry(
                article.pk,
                article.title,
                "failed: " + ", ".join(failure["gate"] for failure in article.held_gates),
            )
            for article in held
        ],
        full_list_url=_article_list("held"),
        full_list_text="All held articles",
        empty_text="The gates hold no article.",
    )


def _scheduled(articles, count: int) -> Tray:
    coming = articles.filter(stage_condition("scheduled")).order_by("published_at", "pk")[:SHOWN]
    return Tray(
        name="scheduled",
        title="Scheduled",
        count=count,
        entries=[
            Entry(article.pk, article.title, "goes live", article.published_at)
            for article in coming
        ],
        full_list_url=_article_list("scheduled"),
        full_list_text="All scheduled articles",
        empty_text="Nothing is scheduled.",
    )


def _least_helpful(articles) -> Tray:
    """Rank the published articles with at least MIN_WEEK_VOTES votes in the last seven days,
    and a "no" among them, by the Wilson lower bound of those votes, lowest first."""
    this_week = Q(votes__created_at__gte=timezone.now() - WEEK)
    voted = (
        articles.published()
        .annotate(
            week_yes=Count("votes", filter=this_week & Q(votes__helpful=True)),
            week_no=Count("votes", filter=this_week & Q(votes__helpful=False)),
            week_total=Count("votes", filter=this_week),
        )
        .filter(week_total__gte=MIN_WEEK_VOTES, week_no__gt=0)
    )
    lowest = voted.annotate(
        week_helpfulness=wilson_lower_bound_expression("week_yes", "week_total")
    ).order_by("week_helpfulness", "-week_total", "pk")[:SHOWN]
    return Tray(
        name="least-helpful",
        title="Least helpful this week",
        count=voted.count(),
        entries=[
            Entry(
                article.pk,
                article.title,
                f"{helpful_share(article.week_yes, article.week_total)} found it helpful",
            )
            for article in lowest
        ],
        full_list_url=reverse("admin:feedback_vote_report"),
        full_list_text="Reader feedback report",
        empty_text=f"No article had {MIN_WEEK_VOTES} votes with a “no” among them in the last "
        "seven days.",
    )


def _corrections() -> Tray:
    """List the corrections, clarifications and retractions of the last seven days."""
    changes = PublicChange.objects.filter(
        kind__in=PublicChange.PROMINENT, published_at__gte=timezone.now() - WEEK
    )
    newest = (
        changes.select_related("article")
        .defer(*(f"article__{name}" for name in LONG_FIELDS))
        .order_by("-published_at", "-pk")[:SHOWN]
    )
    kinds = ",".join(PublicChange.PROMINENT)
    return Tray(
        name="corrections",
        title="Corrections this week",
        count=changes.count(),
        entries=[
            Entry(
                change.article_id,
                change.article.title,
                f"{change.get_kind_display()} on",
                change.published_at,
            )
            for change in newest
        ],
        full_list_url=f"{reverse('admin:editorial_publicchange_changelist')}?kind__in={kinds}",
        full_list_text="All corrections, clarifications and retractions",
        empty_text="No correction in the last seven days.",
    )
