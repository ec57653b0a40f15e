from django import template
from django.contrib.messages import get_messages

from feedback.models import Vote
from feedback.panel import FeedbackPanel
from feedback.voters import voter_id_from

register = template.Library()


@register.inclusion_tag("feedback/_panel.html", takes_context=True)
def feedback_panel(context, article):
    """Render "Was this article helpful?" with the reader's own vote, if they gave one.

    A public request (one the page cache may answer for everyone) gets the shared form, which
    holds no vote and no CSRF token: both come from the reader's own request when they answer.
    """
    request = context["request"]
    if getattr(request, "is_public", False):
        return {"panel": FeedbackPanel(article, public=True), "status": "", "request": request}
    vote = Vote.objects.of_reader(article, voter_id_from(request))
    status = [m.message for m in get_messages(request) if "feedback" in m.tags]
    return {
        "panel": FeedbackPanel.for_vote(article, vote),
        "status": status[-1] if status else "",
        "request": request,
    }
