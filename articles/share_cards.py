"""Share cards: the image social media show for a link to an article, a section, a tag or the
front page, when the page has no photo of its own.

A card's address ends in a digest of everything it shows (headline, kicker, the site's name)
and of how it is drawn (this module's and `card_drawing`'s code, the fonts, Pillow's version),
so an address always names one image: it is drawn on its first request, stored in the default
storage under STORAGE_DIRECTORY, and served from there ever after, cacheable for a year. A
changed title or section name makes another digest, hence a new address on the page; the old
address redirects to the new one. Only the current digest of a page that exists is ever drawn,
so crafted addresses cannot fill the storage.

This module must not import `articles.models`: `articles.page_parts` uses it.
"""

import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import PIL
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.urls import reverse

from articles import card_drawing

STORAGE_DIRECTORY = "share-cards"
WIDTH, HEIGHT = card_drawing.WIDTH, card_drawing.HEIGHT
CONTENT_TYPE = "image/png"
# The front page's card shows the site's description (templates/base.html).
SITE_HEADLINE = "Source-cited news and analysis."


@dataclass(frozen=True)
class Card:
    headline: str
    kicker: str
    site_name: str
    alarm: bool = False  # a retraction: the kicker says so, in the error colour

    @property
    def digest(self) -> str:
        shown = (self.headline, self.kicker, self.site_name, self.alarm, design_version())
        return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]

    @property
    def alt(self) -> str:
        """Say in words what the card shows."""
        return " — ".join(part for part in (self.kicker, self.headline, self.site_name) if part)

    def draw(self) -> bytes:
        return card_drawing.draw(
            headline=self.headline, kicker=self.kicker, site_name=self.site_name, alarm=self.alarm
        )


def article_card(article) -> Card:
    section = article.section.name
    if article.retracted_at is not None:
        return Card(article.title, f"Retracted · {section}", settings.NEWSROOM_SITE_NAME, True)
    return Card(article.title, section, settings.NEWSROOM_SITE_NAME)


def section_card(section) -> Card:
    return Card(section.name, "Section", settings.NEWSROOM_SITE_NAME)


def tag_card(tag) -> Card:
    return Card(tag.name, "Articles tagged", settings.NEWSROOM_SITE_NAME)


def site_card() -> Card:
    return Card(SITE_HEADLINE, "", settings.NEWSROOM_SITE_NAME)


def article_card_and_path(article) -> tuple[Card, str]:
    card = article_card(article)
    return card, reverse(
        "articles:share_card", kwargs={"slug": article.slug, "digest": card.digest}
    )


def listing_card_and_path(*, section=None, tag=None) -> tuple[Card, str]:
    """Return the card of a section's page, a tag's, or else the site's, with its address."""
    if section is not None:
        card, name, kwargs = section_card(section), "section_share_card", {"slug": section.slug}
    elif tag is not None:
        card, name, kwargs = tag_card(tag), "tag_share_card", {"slug": tag.slug}
    else:
        card, name, kwargs = site_card(), "site_share_card", {}
    return card, reverse(f"articles:{name}", kwargs={**kwargs, "digest": card.digest})


def image(card: Card, url: str) -> dict:
    """Describe the card at absolute `url` as includes/_social_meta.html takes an image."""
    return {"url": url, "width": WIDTH, "height": HEIGHT, "type": CONTENT_TYPE, "alt": card.alt}


def png(card: Card) -> bytes:
    """Return the card's PNG as stored, drawing and storing it first if it is not yet."""
    storage = storages["default"]
    name = f"{STORAGE_DIRECTORY}/{card.digest}.png"
    if storage.exists(name):
        with storage.open(name, "rb") as stored:
            return stored.read()
    content = card.draw()
    store(storage, name, content)
    return content


def store(storage, name: str, content: bytes) -> None:
    """Save `content` as `name` so that no reader ever gets part of it, however many requests
    store the same card at once."""
    if not isinstance(storage, FileSystemStorage):  # S3 and the like: an upload appears whole
        saved = storage.save(name, ContentFile(content))
        if saved != name:  # another request stored it first; this copy has another name
            storage.delete(saved)
        return
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside its final name, then renamed over it: a rename replaces a file whole.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as part:
        part.write(content)
    os.chmod(part.name, storage.file_permissions_mode or 0o644)
    os.replace(part.name, path)


@functools.cache
def design_version() -> str:
    """Name how cards are drawn on this machine: the code, the fonts found and Pillow."""
    digest = hashlib.sha256()
    for module in (__file__, card_drawing.__file__):
        digest.update(Path(module).read_bytes())
    digest.update(repr((card_drawing.font_names(), PIL.__version__)).encode())
    return digest.hexdigest()
