"""Image media types by file extension: one fixed table, so no answer depends on the machine's mime.types.

Kept apart from :mod:`syndicate.images` so readers can name a photo's type without importing Pillow.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

__all__ = ["MEDIA_TYPES", "media_type_for"]

MEDIA_TYPES: dict[str, str] = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".svg": "image/svg+xml", ".avif": "image/avif", ".tif": "image/tiff",
    ".tiff": "image/tiff", ".bmp": "image/bmp",
}


def media_type_for(name: str) -> str | None:
    """The media type a file name or URL implies (by its extension; None when unknown)."""
    path = urlsplit(name).path if "://" in name else name
    return MEDIA_TYPES.get(os.path.splitext(path.lower())[1])
