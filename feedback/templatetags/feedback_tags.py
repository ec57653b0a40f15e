from django import template
from django.contrib.messages import get_messages

from feedback.panel import ASK_FOR_DETAILS, FeedbackPanel

register = template.Library()


@register.inclusion_tag("feedback/_panel.html", takes_context=True)
def feedback_panel(context, article):
    """Render "Was this article helpful?" the same for every reader: the form, nobody's vote.

    The reader's own answer comes from a private request of the page's script. A reader back
    from voting without JavaScript carries the thanks in their messages cookie, which the page
    cache never shares a page with.
    """
    notes = [note for note in get_messages(context["request"]) if "feedback" in note.tags.split()]
    note = notes[-1] if notes else None
    return {
        "panel": FeedbackPanel(article),
        "status": note.message if note else "",
        "ask_for_details": note is not None and ASK_FOR_DETAILS in note.tags.split(),
    }
