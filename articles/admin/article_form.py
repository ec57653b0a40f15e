"""The article form and its references editor."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from articles.editorial.admin_forms import ThisChangeFields
from articles.rendering import (
    format_numbers,
    leading_line_count,
    read_body,
    unresolved_citation_messages,
)
from articles.slugs import has_letters_or_digits
from images.article_admin import LeadImageFields
from references.models import Reference


class ArticleAdminForm(LeadImageFields, ThisChangeFields, forms.ModelForm):
    """The article form, with the fields about the change itself; the admin supplies its model
    and fields."""

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        unaddressable = [name for name in tags if not has_letters_or_digits(name)]
        if unaddressable:
            raise forms.ValidationError(
                "%(names)s: a tag needs at least one letter or digit, which its address is "
                "made of.",
                code="tag_without_letters",
                params={"names": ", ".join(unaddressable)},
            )
        return tags


class ReferenceInlineFormSet(BaseInlineFormSet):
    # The lines of the body that cite a number no kept reference has, one message each: the
    # admin shows them at the Body field (ArticleAdmin.render_change_form).
    citation_errors: list[str] = []

    def clean(self):
        """Refuse a body that cites a number none of the kept references has.

        The check runs even when a reference has an error of its own (a bad address), on the
        numbers the rows hold, so one save names everything there is to fix.
        """
        missing_reference = self._missing_reference()
        super().clean()
        if missing_reference is not None:
            raise missing_reference

    def _missing_reference(self) -> ValidationError | None:
        numbers = [
            form.cleaned_data["number"]
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("number")
        ]
        body = read_body(self.instance.body)
        # The Body field strips the blank lines it starts with, but shows them again with the
        # errors: count lines as the editor sees them.
        posted = self.data.get("body", "") if self.is_bound else ""
        self.citation_errors = unresolved_citation_messages(
            body, numbers, lines_before=leading_line_count(posted)
        )
        missing = body.cited_numbers - set(numbers)
        if not missing:
            return None
        return ValidationError(
            "The body cites %(numbers)s: add %(them)s here, or change the %(citations)s "
            "at the Body field.",
            code="missing_reference",
            params={
                "numbers": format_numbers(missing),
                "them": "it" if len(missing) == 1 else "them",
                "citations": "citation" if len(missing) == 1 else "citations",
            },
        )


class ReferenceInline(admin.StackedInline):
    """The article's references as compact cards that fit beside the preview (our template)."""

    model = Reference
    formset = ReferenceInlineFormSet
    template = "admin/articles/article/references_inline.html"
    formfield_overrides = {
        # One box for the address (not the admin's "Currently: … Change: …" pair).
        models.URLField: {
            "assume_scheme": "https",
            "widget": forms.URLInput(attrs={"class": "vURLField"}),
        }
    }
    fields = ["number", "publisher", "title", "url", "accessed_at"]
    ordering = ["number"]
    extra = 1
    view_on_site = False  # a reference is a place on its article's page, which has its own link
