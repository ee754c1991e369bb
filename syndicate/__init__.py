"""syndicate: turn news stories into RSS, Atom, JSON Feed, NewsML-G2, ninjs and EPUB 3.

Three verbs::

    import syndicate
    story = syndicate.read("input/aleppo-evacuation.txt")    # -> Story
    data = syndicate.export([story], "epub")                  # -> bytes
    report = syndicate.build("input", "output", jobs=2)       # -> BuildReport
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ConfigError, ExportError, InputError, LockError, ModelError, SyndicateError
from .exporters import FORMATS, ExportOptions, export
from .model import (
    Block,
    Byline,
    Figure,
    Heading,
    Image,
    Inferred,
    ListBlock,
    Mark,
    Paragraph,
    Quote,
    Related,
    Source,
    Story,
    Subject,
)
from .readers import read

if TYPE_CHECKING:
    from .build import BuildReport

__version__ = "0.1.0"

__all__ = [
    "read", "export", "build", "FORMATS", "ExportOptions",
    "Story", "Block", "Paragraph", "Heading", "Figure", "Quote", "ListBlock", "Image", "Mark",
    "Byline", "Source", "Subject", "Related", "Inferred",
    "SyndicateError", "ModelError", "InputError", "ConfigError", "ExportError", "LockError",
    "__version__",
]


def build(input_dir: Any = "input", output_dir: Any = "output", **options: Any) -> BuildReport:
    """Run the batch build (the cron job) from ``input_dir`` into ``output_dir``; see :mod:`syndicate.build`."""
    from .build import run_build

    return run_build(input_dir, output_dir, **options)
