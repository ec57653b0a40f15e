from django import forms

from feedback.models import Reason, Vote


class VoteForm(forms.Form):
    """A reader's vote, with the optional follow-up; `website` is a trap only bots fill in."""

    helpful = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        error_messages={
            "required": "Choose Yes or No.",
            "invalid_choice": "Choose Yes or No.",
        },
    )
    reason = forms.ChoiceField(
        choices=[("", "No reason given"), *Reason.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the reasons listed."},
    )
    comment = forms.CharField(
        max_length=Vote.COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": "Keep your comment under %(limit_value)d characters "
            "(it has %(show_value)d)."
        },
    )
    website = forms.CharField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("helpful") == "yes" and cleaned.get("reason"):
            self.add_error("reason", "A reason goes with a No vote.")
        return cleaned

    @property
    def is_from_a_bot(self):
        return bool(self.cleaned_data.get("website"))

    def follow_up(self):
        """Return the follow-up fields the reader actually sent; absent ones stay as they were."""
        return {
            name: self.cleaned_data[name] for name in ("reason", "comment") if name in self.data
        }
