"""The article form's live preview: the body as readers will see it, rendered by the public
renderer with the references the form holds now (saved or not), for the editor alone.

The form's script posts the whole form to `preview_view` as the editor types; the change form
shows the same preview of what it was opened with, so it is there without the script too.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from articles.models import Article
from articles.rendering import render_body, uncited_message, unresolved_citation_messages
from references.models import Reference, WebAddressFormField

TEMPLATE = "admin/articles/article/_body_preview.html"
# The import format's limit on a body (articles/schema/); a longer one is not previewed.
MAX_BODY_CHARACTERS = 200_000
# As many reference rows as the admin's inline formset accepts.
MAX_REFERENCES = 1000
PREFIX = "references"

_address = WebAddressFormField(assume_scheme="https", required=False)
_date = forms.DateField(required=False)


def preview_view(model_admin, request, article_id=None):
    """Answer a POST of the article form with its body rendered as readers would see it.

    Allowed to whoever may submit the form: add rights for a new article, the right to edit
    this one (`may_edit`) for a saved one.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if article_id is None:
        allowed = model_admin.has_add_permission(request)
    else:
        article = get_object_or_404(Article.objects.only("pk", "status"), pk=article_id)
        allowed = model_admin.has_change_permission(request, article)
    if not allowed:
        raise PermissionDenied("You may not edit this article.")
    body = request.POST.get("body", "")
    if len(body) > MAX_BODY_CHARACTERS:
        response = HttpResponse(
            f"The body is longer than {MAX_BODY_CHARACTERS:,} characters, the most an article "
            "may have; it is not previewed.",
            status=413,
            content_type="text/plain; charset=utf-8",
        )
    else:
        response = HttpResponse(render_preview(body, posted_references(request.POST)))
    patch_cache_control(response, private=True, no_store=True)
    return response


def initial_preview(request, article) -> str:
    """Return the preview the change form opens with: of what was posted if the form comes
    back with errors, else of the article as stored (nothing for a new one)."""
    if request.method == "POST":
        body = request.POST.get("body", "")[:MAX_BODY_CHARACTERS]
        return render_preview(body, posted_references(request.POST))
    if article is None or article.pk is None:
        return render_preview("", [])
    return render_preview(article.body, article.references.all())


def render_preview(body: str, references) -> str:
    """Render the preview pane's content: the body, its references and what is wrong."""
    references = list(references)
    numbers = [reference.number for reference in references]
    rendered = render_body(
        body, {ref.number: ref.title for ref in references}, flag_unresolved=True
    )
    uncited = set(numbers) - rendered.cited_numbers
    return render_to_string(
        TEMPLATE,
        {
            "body_html": rendered.html,
            "references": references,
            "word_count": rendered.word_count,
            "reading_time": rendered.reading_time,
            "problems": unresolved_citation_messages(rendered, numbers),
            "uncited": uncited_message(uncited) if uncited else "",
        },
    )


def posted_references(data) -> list[Reference]:
    """Read the references an article form's POST holds, as far as they are filled in: rows
    marked for deletion, without a number or repeating one are left out, and an address or
    date that is not one (yet) is left empty."""
    total = min(_positive(data.get(f"{PREFIX}-TOTAL_FORMS")) or 0, MAX_REFERENCES)
    by_number = {}
    for index in range(total):

        def value(name, index=index):
            return data.get(f"{PREFIX}-{index}-{name}", "").strip()

        number = _positive(value("number"))
        if number is None or value("DELETE") or number in by_number:
            continue
        by_number[number] = Reference(
            number=number,
            publisher=value("publisher"),
            title=value("title"),
            url=_cleaned(_address, value("url")) or "",
            accessed_at=_cleaned(_date, value("accessed_at")),
        )
    return sorted(by_number.values(), key=lambda reference: reference.number)


def _positive(text) -> int | None:
    if not text or not text.isascii() or not text.isdigit() or len(text) > 5:
        return None
    return int(text) or None


def _cleaned(field: forms.Field, text: str):
    try:
        return field.clean(text)
    except ValidationError:
        return None
