from django import template
from django.contrib.messages import get_messages

from feedback.models import Vote
from feedback.panel import FeedbackPanel
from feedback.voters import voter_hash, voter_id_from

register = template.Library()


@register.inclusion_tag("feedback/_panel.html", takes_context=True)
def feedback_panel(context, article):
    """Render "Was this article helpful?" with the reader's own vote, if they gave one."""
    request = context["request"]
    voter_id = voter_id_from(request)
    vote = None
    if voter_id:
        vote = Vote.objects.filter(article=article, voter=voter_hash(voter_id)).first()
    status = [m.message for m in get_messages(request) if "feedback" in m.tags]
    return {
        "panel": FeedbackPanel.for_vote(article, vote),
        "status": status[-1] if status else "",
        "request": request,
    }
