from django.views.generic import ListView

from articles.editorial.models import PublicChange
from articles.models import LONG_FIELDS, readable_condition


def published_changes():
    """Return the public changes readers may see (those of articles whose pages are up), newest
    first, with the article and section each names."""
    return (
        PublicChange.objects.filter(readable_condition("article__"))
        .select_related("article", "article__section")
        .defer(*(f"article__{name}" for name in LONG_FIELDS))
        .order_by("-published_at", "-pk")
    )


class PublicChangeListView(ListView):
    """Every correction, clarification, update, editor's note and retraction, newest first."""

    template_name = "editorial/change_list.html"
    context_object_name = "public_changes"
    paginate_by = 30

    def get_queryset(self):
        return published_changes()
