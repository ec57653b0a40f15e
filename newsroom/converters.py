"""URL converters shared by the apps' URL patterns."""

from django.urls import register_converter


class UnicodeSlugConverter:
    """A slug in any script: letters, digits, underscores and hyphens (`zürich`, `東京`).

    Django's own `slug` converter matches ASCII only, so a tag like "Zürich" (slug `zürich`)
    could not be linked at all.
    """

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnicodeSlugConverter, "unicode_slug")


class CardDigestConverter:
    """The digest in a share card's address (articles/share_cards.py): 16 hexadecimal digits."""

    regex = r"[0-9a-f]{16}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CardDigestConverter, "card_digest")
