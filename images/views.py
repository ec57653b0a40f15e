"""Serve the renditions from the default storage, where no CDN or object storage does.

Only names a rendition can have are served (`images/<2 hex>/<32 hex>/<width>w.<webp|jpg|png>`),
so no other file, no folder listing and no path outside the storage can be asked for; the
originals, which keep their metadata, are never served. A name is never given to other bytes,
so browsers and caches may keep each file for a year without asking again.
"""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

RENDITION_NAME = re.compile(r"images/[0-9a-f]{2}/[0-9a-f]{32}/[0-9]{1,5}w\.(webp|jpg|png)")
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
A_YEAR = 365 * 24 * 60 * 60


@require_safe
def rendition_file(request, name):
    match = RENDITION_NAME.fullmatch(name)
    if match is None:
        raise Http404("No such image.")
    try:
        handle = default_storage.open(name)
    except (FileNotFoundError, IsADirectoryError):
        raise Http404("No such image.") from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[match[1]])
    response["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
