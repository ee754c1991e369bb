"""syndicate: turn news stories into RSS, Atom, JSON Feed, NewsML-G2, ninjs and EPUB 3.

Three verbs::

    import syndicate
    story = syndicate.read("input/aleppo-evacuation.txt")    # -> Story
    data = syndicate.export([story], "epub")                  # -> bytes
    report = syndicate.build("input", "output", jobs=2)       # -> BuildReport

Importing the package loads only this surface (the errors, the model and the readers' and exporters'
registries); each reader, exporter and the build pipeline is loaded when first used, so a command
starts in the time it needs.
"""

from __future__ import annotations

__version__ = "0.1.0"

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import TYPE_CHECKING, Any, Literal  # noqa: E402

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

if TYPE_CHECKING:
    from .build import BuildReport

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
    from .build import run_build
    from .config import BuildSettings

    settings = BuildSettings.load(
        False if config is False else (Path(config) if config is not None else None),
        overrides=options,
        input_dir=Path(input_dir) if input_dir is not None else None,
        output_dir=Path(output_dir) if output_dir is not None else None,
    )
    return run_build(settings.input_dir, settings.output_dir, settings=settings)


def __getattr__(name: str) -> Any:
    """``syndicate.BuildReport``, loaded with the build pipeline on first use rather than with the package."""
    if name == "BuildReport":
        from .build import BuildReport

        return BuildReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(ModuleType):
    """This package's module type: ``syndicate.build`` stays the function above when the submodule of the
    same name is loaded later (the import system binds each loaded submodule onto its package; the
    submodule remains ``sys.modules["syndicate.build"]``, so ``from syndicate.build import run_build``
    works as before)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "build" and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
