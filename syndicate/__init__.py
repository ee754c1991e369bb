"""syndicate: turn news stories into RSS, Atom, JSON Feed, NewsML-G2, ninjs and EPUB 3.

Three verbs::

    import syndicate
    story = syndicate.read("input/aleppo-evacuation.txt")    # -> Story
    data = syndicate.export([story], "epub")                  # -> bytes
    report = syndicate.build("input", "output", jobs=2)       # -> BuildReport
"""

from __future__ import annotations

__version__ = "0.1.0"

import os  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Literal  # noqa: E402

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


def build(
    input_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    *,
    config: str | os.PathLike[str] | Literal[False] | None = None,
    **options: Any,
) -> BuildReport:
    """Run the batch build (the cron job) from ``input_dir`` into ``output_dir``; see :mod:`syndicate.build`.

    Settings come as for ``syndicate build``, so a pipeline builds what the command line builds: the config
    file (``config``, a path; by default ``syndicate.toml`` or ``[tool.syndicate]`` in ``pyproject.toml``, in
    the current folder, else in the input folder's parent; ``config=False`` for none), then ``options``,
    config keys that win over it (``jobs=2``, ``base_url=...``, ``formats=[...]``). The folders default to
    the config's ``input_dir`` and ``output_dir``, else ``input`` and ``output``.
    """
    from .config import BuildSettings

    settings = BuildSettings.load(
        False if config is False else (Path(config) if config is not None else None),
        overrides=options,
        input_dir=Path(input_dir) if input_dir is not None else None,
        output_dir=Path(output_dir) if output_dir is not None else None,
    )
    return _build_module.run_build(settings.input_dir, settings.output_dir, settings=settings)
