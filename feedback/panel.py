"""What the "Was this article helpful?" panel shows to one reader."""

from dataclasses import dataclass, field

from articles.models import Article
from feedback.forms import VoteForm
from feedback.models import Reason, Vote

# The tag of a "Thanks" note after a vote sent without details: it links to the reader's form.
ASK_FOR_DETAILS = "feedback-details"


@dataclass
class FeedbackPanel:
    article: Article
    helpful: str = ""  # "yes", "no" or "" before the reader votes
    reason: str = ""
    comment: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    saved: bool = True  # False while the reader is still choosing (the no-JavaScript form)

    reasons = Reason.choices
    comment_max_length = Vote.COMMENT_MAX_LENGTH

    @classmethod
    def for_vote(cls, article: Article, vote: Vote | None) -> "FeedbackPanel":
        if vote is None:
            return cls(article)
        return cls(article, "yes" if vote.helpful else "no", vote.reason, vote.comment)

    @classmethod
    def for_choice(cls, article: Article, vote: Vote | None, helpful: str) -> "FeedbackPanel":
        """Show the follow-up for an answer the reader picked but has not sent yet."""
        panel = cls.for_vote(article, vote)
        if helpful in ("yes", "no") and helpful != panel.helpful:
            return cls(article, helpful, saved=False)
        return panel

    @classmethod
    def for_form(cls, article: Article, form: VoteForm) -> "FeedbackPanel":
        """Show what the reader sent back to them, with the errors, so nothing typed is lost."""
        helpful = form.data.get("helpful", "")
        return cls(
            article,
            helpful if helpful in ("yes", "no") else "",
            form.data.get("reason", ""),
            form.data.get("comment", ""),
            {name: list(messages) for name, messages in form.errors.items()},
        )
