"""What changed between two revisions of an article, as an editor reads it: the text word by
word, the other fields (the lead image's too) one by one, and references and tags as lists of
what was added, removed or changed.

Article text is untrusted: every value is escaped here, and only the <ins>/<del> marks this
module adds are markup.
"""

import dataclasses
import datetime as dt
import difflib
import re
from collections import Counter

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.editorial.recording import PROVENANCE_FIELDS, REFERENCE_FIELDS
from articles.models import Article
from images.models import Image
from references.models import Reference

# Compared word by word; the others value by value.
TEXT_FIELDS = ("title", "dek", "body")
FIELDS = ("byline", "section", *PROVENANCE_FIELDS, "status", "published_at", "featured", "slug")
LEAD_IMAGE_DESCRIPTION = ("alt_text", "caption", "credit", "ai_generated")
# A revision's lead image when the article has none: no picture, nothing said of it.
NO_LEAD_IMAGE = {"digest": None, "alt_text": "", "caption": "", "credit": "", "ai_generated": False}
# Paragraphs (lines), each with the line breaks before it; then, inside a changed paragraph,
# words and punctuation marks, each with the spaces before it, so "fox." → "fox jumps." inserts
# " jumps" and spaces are never compared with each other.
PARAGRAPH = re.compile(r"\n*[^\n]+|\n+")
TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")
# Bounds on the matcher's work (see _work): a changed block that could take more, or more than
# what is left of the whole text's, is shown as deleted and inserted paragraphs. A paragraph
# of prose takes a few ten thousand at most.
BLOCK_WORK = 4_000_000
TEXT_WORK = 20_000_000


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
    fields += _lead_image_changes(before, after)
    return Comparison(
        texts=texts,
        fields=fields,
        references=_reference_changes(before.get("references", []), after.get("references", [])),
        tags_added=_missing_from(after.get("tags", []), before.get("tags", [])),
        tags_removed=_missing_from(before.get("tags", []), after.get("tags", [])),
    )


def word_diff(before: str, after: str) -> SafeString:
    """Return `after` as HTML with the words added since `before` in <ins> and those removed
    in <del>, spaces and line breaks kept.

    Paragraphs are compared first, then the words of the paragraphs that changed, one
    paragraph with the one that replaced it.
    """
    old, new = PARAGRAPH.findall(before), PARAGRAPH.findall(after)
    budget = [TEXT_WORK]
    opcodes = _opcodes(old, new, budget)
    if opcodes is None:
        return mark_safe(_changed(before, after))
    parts = []
    for operation, old_start, old_end, new_start, new_end in opcodes:
        removed, added = old[old_start:old_end], new[new_start:new_end]
        if operation == "equal":
            parts.append(escape("".join(added)))
        elif len(removed) == len(added):
            parts += [_words(was, now, budget) for was, now in zip(removed, added, strict=True)]
        else:
            parts.append(_words("".join(removed), "".join(added), budget))
    return mark_safe("".join(parts))  # every piece is escaped in _words, _changed and above


def _words(before: str, after: str, budget: list[int]) -> str:
    """Return the escaped word diff of one changed block, or the block deleted and inserted
    whole if comparing its words would take more than the budget left."""
    old, new = TOKEN.findall(before), TOKEN.findall(after)
    opcodes = _opcodes([_key(token) for token in old], [_key(token) for token in new], budget)
    if opcodes is None:
        return _changed(before, after)
    parts = []
    for operation, old_start, old_end, new_start, new_end in opcodes:
        removed, added = old[old_start:old_end], new[new_start:new_end]
        if operation == "equal":
            parts.append(escape("".join(added)))
        elif len(removed) == len(added):  # word for word, the spaces between them unmarked
            parts += [_changed(was, now) for was, now in zip(removed, added, strict=True)]
        else:
            parts.append(_changed("".join(removed), "".join(added)))
    return "".join(parts)


def _key(token: str) -> str:
    """Return what a token is compared by: its word, and whether a space or a line break
    (one, or a paragraph's) comes before it; not how many spaces."""
    word = token.lstrip()
    space = token[: len(token) - len(word)]
    breaks = space.count("\n")
    return ("\n\n" if breaks > 1 else "\n" if breaks else " " if space else "") + word


def _opcodes(old: list[str], new: list[str], budget: list[int]) -> list[tuple] | None:
    """Return difflib's opcodes from `old` to `new`, or None if finding them would take more
    than BLOCK_WORK or the budget left (which this spends)."""
    # What both start and end with costs nothing to compare.
    start, most = 0, min(len(old), len(new))
    while start < most and old[start] == new[start]:
        start += 1
    end = 0
    while end < most - start and old[-end - 1] == new[-end - 1]:
        end += 1
    old_middle, new_middle = old[start : len(old) - end], new[start : len(new) - end]
    work = _work(old_middle, new_middle)
    if work > min(BLOCK_WORK, budget[0]):
        return None
    budget[0] -= work
    opcodes = [("equal", 0, start, 0, start)] if start else []
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        opcodes.append(
            (operation, start + old_start, start + old_end, start + new_start, start + new_end)
        )
    if end:
        opcodes.append(("equal", len(old) - end, len(old), len(new) - end, len(new)))
    return opcodes


def _work(old: list[str], new: list[str]) -> int:
    """Return at most how many pairs of equal elements the matcher looks at to compare `old`
    with `new`: each of its passes looks at every pair once, and it makes a pass for each
    block it finds, and one between."""
    counts = Counter(new)
    pairs = sum(counts[element] for element in old)
    return pairs * (2 * min(len(old), len(new)) + 1)


def _changed(removed: str, added: str) -> str:
    """Return `removed` in <del> and `added` in <ins>, escaped, the spaces they both start
    with kept outside the marks."""
    space = ""
    if removed and added:
        space = re.match(r"\s*", removed)[0]
        if not added.startswith(space):
            space = ""
        removed, added = removed[len(space) :], added[len(space) :]
    parts = [escape(space)]
    if removed:
        parts.append(f"<del>{escape(removed)}</del>")
    if added:
        parts.append(f"<ins>{escape(added)}</ins>")
    return "".join(parts)


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


def _lead_image_changes(before: dict, after: dict) -> list[FieldChange]:
    """Return what changed of the lead image: its picture (named by the start of its digest)
    and each part of its description."""
    if "lead_image" not in before or "lead_image" not in after:
        return []  # a revision recorded before lead images were says nothing of them
    was, now = before["lead_image"] or NO_LEAD_IMAGE, after["lead_image"] or NO_LEAD_IMAGE
    changes = []
    if was["digest"] != now["digest"]:
        changes.append(FieldChange("Lead image", _picture(was), _picture(now)))
    for name in LEAD_IMAGE_DESCRIPTION:
        if was[name] != now[name]:
            label = f"Lead image: {Image._meta.get_field(name).verbose_name}"
            changes.append(FieldChange(label, _text(was[name]), _text(now[name])))
    return changes


def _picture(lead_image: dict) -> str:
    return f"{lead_image['digest'][:12]}…" if lead_image["digest"] else "—"


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
