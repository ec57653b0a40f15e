"""Which release of the code and templates rendered a page, so that a deploy never serves pages
the previous release rendered: they are stored under a different name."""

import functools
import hashlib
from pathlib import Path

from django.conf import settings

SOURCES = ("articles", "references", "feedback", "newsroom", "templates")
SUFFIXES = {".py", ".html", ".txt", ".xml"}


@functools.cache
def release() -> str:
    """A short digest of the project's Python code, templates and static files' manifest."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    files = [
        path
        for source in SOURCES
        for path in sorted((root / source).rglob("*"))
        if path.suffix in SUFFIXES and "migrations" not in path.parts
    ]
    manifest = Path(settings.STATIC_ROOT or "") / "staticfiles.json"
    if settings.STATIC_ROOT and manifest.is_file():
        files.append(manifest)
    for path in files:
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
