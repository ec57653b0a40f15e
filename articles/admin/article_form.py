"""The article form and its references editor."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from articles.editorial.admin_forms import ThisChangeFields
from articles.rendering import (
    format_numbers,
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
        """Refuse a body that cites a number none of the kept references has."""
        super().clean()
        if any(self.errors):
            return
        numbers = [
            form.cleaned_data["number"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("number")
        ]
        body = read_body(self.instance.body)
        self.citation_errors = unresolved_citation_messages(body, numbers)
        missing = body.cited_numbers - set(numbers)
        if missing:
            raise ValidationError(
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
