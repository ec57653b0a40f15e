"""Slugs for articles, sections and tags, in any language."""

from django.utils.text import slugify


def readable_slug(text: str) -> str:
    """Return the slug readers can read: ASCII when folding accents loses no letter
    (`Zürich` → `zurich`), otherwise the letters as written (`Москва 2026` → `москва-2026`);
    empty when the text has no letter or digit at all."""
    in_any_script = slugify(text, allow_unicode=True)
    in_ascii = slugify(text)
    return in_ascii if len(in_ascii) == len(in_any_script) else in_any_script


def has_letters_or_digits(name: str) -> bool:
    """Tell whether a name can give a slug (and so an address): `!!!` or `—` cannot."""
    return bool(slugify(name, allow_unicode=True))
