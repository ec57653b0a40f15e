"""The admin's forms for what an editor says about a write: the public change, the note for
the history, the reason to publish over the gates; and the restore and review forms."""

from django import forms
from django.core.exceptions import ValidationError

from articles.editorial.models import PublicChange, Revision
from articles.editorial.recording import Edit, check_public_change
from articles.models import Article

SILENT_FIX = ("", "Silent fix — typos, no notice")


class PublicChangeFields(forms.Form):
    change_kind = forms.ChoiceField(
        label="Kind of change",
        choices=[SILENT_FIX, *PublicChange.Kind.choices],
        required=False,
        help_text="Readers see every kind but a silent fix as a notice on the article, dated.",
    )
    change_text = forms.CharField(
        label="What readers are told",
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        required=False,
        help_text="Say what was wrong as well as what is right now; readers see it as written.",
    )

    def public_change_errors(self, *, was_readable: bool) -> None:
        """Add the errors the services would give this public change, as form errors."""
        try:
            check_public_change(
                Edit(
                    change_kind=self.cleaned_data.get("change_kind", ""),
                    change_text=self.cleaned_data.get("change_text", ""),
                ),
                was_readable=was_readable,
            )
        except ValidationError as error:
            self.add_error(None, error)


class ThisChangeFields(PublicChangeFields):
    """The article form's fields about the change itself, not the article: what the services
    take as their `edit`. The admin shows each only where it applies (`get_fieldsets`)."""

    history_message = forms.CharField(
        label="Note for the history",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
        help_text="Why you made this change; editors see it in the article's revisions.",
    )
    override_reason = forms.CharField(
        label="Reason to publish anyway",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
        help_text="The publication gates held this article. Publishing it records your name, "
        "the gates and this reason.",
    )

    # Set by the admin (`get_form`): the fields that do not apply to this article and user,
    # left out so that a value posted for them is ignored, not an error nobody sees.
    absent_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.absent_fields:
            del self.fields[name]

    def clean(self):
        cleaned_data = super().clean()
        stored = self.instance  # still as stored: the form sets its fields after clean()
        self.public_change_errors(was_readable=stored.pk is not None and stored.is_readable())
        publishes = cleaned_data.get("status") == Article.Status.PUBLISHED
        if publishes and stored.held_gates and not cleaned_data.get("override_reason", "").strip():
            failed = "; ".join(gate["message"] for gate in stored.held_gates)
            self.add_error(
                "status",
                f"Held by the publication gates: {failed} To publish it anyway, give your "
                "reason in “Reason to publish anyway”; it is recorded with your name.",
            )
        return cleaned_data

    def edit(self) -> Edit:
        """Return what the services record about this change."""
        return Edit(
            via=Revision.Via.ADMIN,
            message=self.cleaned_data.get("history_message", "").strip(),
            change_kind=self.cleaned_data.get("change_kind", ""),
            change_text=self.cleaned_data.get("change_text", ""),
            override_reason=self.cleaned_data.get("override_reason", ""),
        )


class RestoreForm(PublicChangeFields):
    message = forms.CharField(
        label="Note for the history",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
        help_text="Why you restore it; “Restored revision N.” is recorded in any case.",
    )

    def __init__(self, *args, article: Article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        if not article.is_readable():  # a public change is only for what readers have seen
            del self.fields["change_kind"], self.fields["change_text"]

    def clean(self):
        cleaned_data = super().clean()
        if "change_kind" in self.fields:
            self.public_change_errors(was_readable=True)
        return cleaned_data


class ReviewForm(forms.Form):
    APPROVE, SEND_BACK = "approve", "send_back"
    CHOOSE = "Choose “Approve” or “Send back to draft”."

    decision = forms.ChoiceField(
        choices=[(APPROVE, "Approve"), (SEND_BACK, "Send back")],
        widget=forms.HiddenInput,
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE},
    )
    # The revision the editor read: an approval is refused if the article changed since.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        help_text="Optional for an approval; to send an article back, say what needs to change.",
    )

    def __init__(self, *args, revision: Revision | None, **kwargs):
        super().__init__(*args, **kwargs)
        if revision is None:  # written before revisions were kept: as it now reads
            del self.fields["revision"]
        else:
            self.fields["revision"].initial = revision.number

    def clean(self):
        cleaned_data = super().clean()
        approves = cleaned_data.get("decision") == self.APPROVE
        if approves and "revision" in self.fields and not cleaned_data.get("revision"):
            self.add_error(
                None, "The page did not say which revision you read: open it again to approve."
            )
        return cleaned_data
