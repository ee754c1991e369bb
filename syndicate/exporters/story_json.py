"""The normalised story as JSON (``syndicate parse`` and ``output/stories/<slug>.json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model import Story
from . import ExportOptions

if TYPE_CHECKING:
    from ..images import ImageResolver


def export_json(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """One story as its JSON object; several as a JSON array of them."""
    if len(stories) == 1:
        return stories[0].to_json().encode("utf-8")
    return (json.dumps([s.to_dict() for s in stories], ensure_ascii=False, indent=2) + "\n").encode("utf-8")
