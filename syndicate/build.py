"""The batch build behind ``syndicate build``: the unattended cron job.

A build holds the lock of its output folder, then asks the snapshot
(:mod:`.snapshot`) whether anything changed since the last complete build:
one walk of the input folder and a ``stat`` of each output folder. When
nothing did, it stops there, having read no story and no manifest; else the
full pipeline runs (:mod:`.pipeline`): it finds what changed story by story,
rebuilds it, and saves a new snapshot at the end.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ALL_FORMATS, BuildSettings, read_config
from .errors import ConfigError, OutputError
from .lock import build_lock
from .snapshot import SNAPSHOT, Snapshot, forget_snapshot, walk_input

__all__ = ["BuildSettings", "BuildReport", "run_build", "discover", "read_config", "STORY_FORMATS", "FEED_FILES",
           "ALL_FORMATS", "MANIFEST"]

JOURNAL = ".syndicate-journal"


def __getattr__(name: str) -> Any:
    """The names only the full pipeline needs, loaded when asked for: a build with nothing to do never
    imports the readers, the exporters' modules or the worker pool."""
    if name == "MANIFEST":
        from .manifest import MANIFEST

        return MANIFEST
    if name == "FEED_FILES":
        from .pipeline import FEED_FILES

        return FEED_FILES
    if name == "STORY_FORMATS":
        from .tasks import STORY_FORMATS

        return STORY_FORMATS
    if name == "discover":
        from .discovery import discover

        return discover
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class BuildReport:
    """What a build did: per-story outcomes, the files written and removed, the time it took."""

    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when every input was built, 1 when some (or all) were rejected."""
        return 1 if self.rejected else 0

    def summary(self) -> str:
        """The one line printed at the end of a build: the stories' outcomes, then what changed on disk
        (a build can rebuild stories and change no file, or delete files and build nothing)."""
        counts = (f"syndicate: built {len(self.built)}, unchanged {len(self.unchanged)}, removed {len(self.removed)}, "
                  f"rejected {len(self.rejected)} in {self.seconds:.2f} s")
        if self.written or self.deleted:
            return f"{counts} ({_files(len(self.written))} written, {_files(len(self.deleted))} deleted)"
        if self.built:
            return f"{counts}; no file changed: the rebuilt stories came out byte for byte the same"
        return f"{counts}; nothing to do, no file rewritten"


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def run_build(
    input_dir: str | os.PathLike[str] = "input",
    output_dir: str | os.PathLike[str] = "output",
    *,
    settings: BuildSettings | None = None,
    progress: bool = False,
    **options: Any,
) -> BuildReport:
    """Build ``input_dir`` into ``output_dir``; ``options`` are config keys (``jobs=2``, ``base_url=…``).

    Raises :class:`ConfigError` for a missing input folder or bad options and
    :class:`LockError` when another build holds the lock past ``wait``;
    rejected inputs do not raise: they are listed in the report.
    """
    started = time.perf_counter()
    if settings is None:
        settings = BuildSettings.from_mapping({**options, "input_dir": str(input_dir), "output_dir": str(output_dir)})
    if not settings.input_dir.is_dir():
        raise ConfigError("input folder not found", settings.input_dir)
    check_folders(settings)
    state = settings.state_folder()
    for folder, what in ((settings.output_dir, "output"), (state, "state")):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create {what} folder: {exc.strerror or exc}", folder) from None
    report = BuildReport()
    with build_lock(state, settings.wait, names=settings.output_dir):
        # taken before anything is read: a file changed while the build runs changes the next build's digest
        # one walk: the digest, and the stamps of every file the full build finds its stories in and checks
        walk = walk_input(settings.input_dir, skip=settings.state_dir)
        inputs = walk.digest
        key = snapshot_key(settings)
        if not nothing_changed(settings, state, key, inputs, report):
            forget_snapshot(state / SNAPSHOT)  # before any change: a build killed from here on leaves none
            from .pipeline import FullBuild  # only now: a build with nothing to do never loads the pipeline

            full = FullBuild(settings, report, progress, walk)
            del walk  # the build lets the table go once it has sorted the stories out
            full.run()
            snapshot = full.snapshot(key, inputs)
            if snapshot is not None:
                snapshot.save(state / SNAPSHOT)
    report.seconds = time.perf_counter() - started
    return report


def snapshot_key(settings: BuildSettings) -> str:
    """Everything besides the inputs that shapes the outputs: the fingerprint (tool version, formats, export
    settings), the edition's size, and which input folder feeds this output folder."""
    return json.dumps([settings.fingerprint(), settings.most_in_edition, os.path.realpath(settings.input_dir)])


def nothing_changed(settings: BuildSettings, state: Path, key: str, inputs: str, report: BuildReport) -> bool:
    """True, with ``report`` filled in as a build with nothing to do fills it, when the last complete build's
    snapshot still holds: same settings, same input files, output folders untouched, no killed build to
    recover from (its journal), and no ``verify`` asking for every output file to be checked."""
    if settings.verify or (state / JOURNAL).exists():
        return False
    snapshot = Snapshot.load(state / SNAPSHOT)
    if snapshot is None or not snapshot.still_holds(key, inputs, settings.output_dir):
        return False
    report.unchanged = list(snapshot.stories)
    report.warnings = list(snapshot.notices)
    return True


def _inside(inner: str, outer: str) -> bool:
    """True when real path ``inner`` is ``outer`` or lies under it."""
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def check_folders(settings: BuildSettings) -> None:
    """Refuse folders that would make the build read its own output or publish its state: an output folder
    that is, contains or lies inside the input folder, or a state folder inside the output folder."""
    source, output = os.path.realpath(settings.input_dir), os.path.realpath(settings.output_dir)
    state = os.path.realpath(settings.state_dir)
    if source == output:
        raise OutputError("the input and output folders are the same folder; build into another one",
                          settings.output_dir)
    if _inside(output, source) or _inside(source, output):
        raise OutputError(f"the output folder {'lies inside' if _inside(output, source) else 'contains'} the input "
                          f"folder {settings.input_dir}; build into a folder beside it", settings.output_dir)
    if _inside(state, output):
        raise OutputError(f"the state folder {settings.state_dir} lies inside the output folder, which is "
                          f"published; choose another with --state-dir", settings.output_dir)

