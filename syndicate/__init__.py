"""syndicate: turn news stories into RSS, Atom, JSON Feed, NewsML-G2, ninjs and EPUB 3.

Three verbs::

    import syndicate
    story = syndicate.read("input/aleppo-evacuation.txt")    # -> Story
    data = syndicate.export([story], "epub")                  # -> bytes
    report = syndicate.build("input", "output", jobs=2)       # -> BuildReport
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import Any  # noqa: E402

from .errors import (
    ConfigError,
    ExportError,
    InputError,
    LockError,
    ModelError,
    OutputError,
    SyndicateError,
)
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

# Importing the submodule binds `syndicate.build` to it; load it now so the function below wins for good.
from . import build as _build_module  # noqa: E402  isort: skip
from .build import BuildReport  # noqa: E402

__all__ = [
    "read", "export", "build", "FORMATS", "ExportOptions",
    "Story", "Block", "Paragraph", "Heading", "Figure", "Quote", "ListBlock", "Image", "Mark",
    "Byline", "Source", "Subject", "Related", "Inferred",
    "SyndicateError", "ModelError", "InputError", "ConfigError", "ExportError", "LockError", "OutputError",
    "BuildReport", "__version__",
]


def build(input_dir: Any = "input", output_dir: Any = "output", **options: Any) -> BuildReport:
    """Run the batch build (the cron job) from ``input_dir`` into ``output_dir``; see :mod:`syndicate.build`.

    ``options`` are config keys (``jobs=2``, ``base_url=...``, ``formats=[...]``).
    """
    return _build_module.run_build(input_dir, output_dir, **options)
