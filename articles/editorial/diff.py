"""What changed between two revisions of an article, as an editor reads it: the text word by
word, the other fields one by one, and references and tags as lists of what was added, removed
or changed.

Article text is untrusted: every value is escaped here, and only the <ins>/<del> marks this
module adds are markup.
"""

import dataclasses
import datetime as dt
import difflib
import re

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.editorial.recording import PROVENANCE_FIELDS, REFERENCE_FIELDS
from articles.models import Article
from references.models import Reference

# Compared word by word; the others value by value.
TEXT_FIELDS = ("title", "dek", "body")
FIELDS = ("byline", "section", *PROVENANCE_FIELDS, "status", "published_at", "featured", "slug")
# Words, punctuation marks, and the spaces and line breaks between them: spaces are tokens too,
# so paragraphs stay, and "fox." → "fox jumps." inserts one word instead of replacing two.
TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclasses.dataclass(frozen=True)
class TextChange:
    label: str
    html: SafeString


@dataclasses.dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclasses.dataclass(frozen=True)
class ReferenceChange:
    number: int
    before: dict | None  # None: added
    after: dict | None  # None: removed
    fields: tuple[FieldChange, ...] = ()


@dataclasses.dataclass(frozen=True)
class Comparison:
    texts: list[TextChange]
    fields: list[FieldChange]
    references: list[ReferenceChange]
    tags_added: list[str]
    tags_removed: list[str]

    @property
    def references_added(self):
        return [change for change in self.references if change.before is None]

    @property
    def references_removed(self):
        return [change for change in self.references if change.after is None]

    @property
    def references_changed(self):
        return [change for change in self.references if change.before and change.after]

    def __bool__(self):
        return bool(
            self.texts or self.fields or self.references or self.tags_added or self.tags_removed
        )


def compare(before: dict, after: dict) -> Comparison:
    """Return what changed from snapshot `before` to snapshot `after` (recording.snapshot)."""
    texts = [
        TextChange(_label(Article, name), word_diff(before.get(name) or "", after.get(name) or ""))
        for name in TEXT_FIELDS
        if (before.get(name) or "") != (after.get(name) or "")
    ]
    fields = [
        FieldChange(
            _label(Article, name), _shown(name, before.get(name)), _shown(name, after.get(name))
        )
        for name in FIELDS
        if before.get(name) != after.get(name)
    ]
    return Comparison(
        texts=texts,
        fields=fields,
        references=_reference_changes(before.get("references", []), after.get("references", [])),
        tags_added=_missing_from(after.get("tags", []), before.get("tags", [])),
        tags_removed=_missing_from(before.get("tags", []), after.get("tags", [])),
    )


def word_diff(before: str, after: str) -> SafeString:
    """Return `after` as HTML with the words added since `before` in <ins> and those removed
    in <del>, spaces and line breaks kept."""
    old, new = TOKEN.findall(before), TOKEN.findall(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    parts = []
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed = escape("".join(old[old_start:old_end]))
        added = escape("".join(new[new_start:new_end]))
        if operation == "equal":
            parts.append(added)
            continue
        if removed:
            parts.append(f"<del>{removed}</del>")
        if added:
            parts.append(f"<ins>{added}</ins>")
    return mark_safe("".join(parts))  # every piece is escaped above


def _reference_changes(before: list[dict], after: list[dict]) -> list[ReferenceChange]:
    old = {reference["number"]: reference for reference in before}
    new = {reference["number"]: reference for reference in after}
    changes = []
    for number in sorted(old.keys() | new.keys()):
        was, now = old.get(number), new.get(number)
        if was is None or now is None:
            changes.append(ReferenceChange(number, was, now))
            continue
        fields = tuple(
            FieldChange(_label(Reference, name), _text(was.get(name)), _text(now.get(name)))
            for name in REFERENCE_FIELDS
            if was.get(name) != now.get(name)
        )
        if fields:
            changes.append(ReferenceChange(number, was, now, fields))
    return changes


def _missing_from(names: list[str], others: list[str]) -> list[str]:
    """Return the tag names of `names` that `others` lacks (tags match case-insensitively)."""
    known = {name.lower() for name in others}
    return [name for name in names if name.lower() not in known]


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _shown(name: str, value) -> str:
    """Return a snapshot value as the admin shows it: choices by their label."""
    field = Article._meta.get_field(name)
    if field.choices and value is not None:
        return str(dict(field.flatchoices).get(value, value))
    if name == "published_at" and value:
        return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M:%S")
    return _text(value)


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
