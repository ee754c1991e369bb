"""Discovery: the story inputs under the input folder, each with the sidecar files beside it."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .config import CONFIG_NAMES
from .readers import READERS
from .readers.metadata import SIDECAR_SUFFIXES

__all__ = ["StoryInput", "discover", "BACKUP_SUFFIXES"]

BACKUP_SUFFIXES = ("~", ".bak", ".swp", ".swo", ".tmp", ".orig", ".rej")


@dataclass(frozen=True)
class StoryInput:
    """One story input found under the input folder, with the sidecar files beside it."""

    path: Path
    relpath: str
    sidecars: tuple[Path, ...]

    def digest(self, fingerprint: str) -> str:
        """Hash of everything this story's outputs depend on that can be known without reading it."""
        h = hashlib.sha256(fingerprint.encode())
        for p in (self.path, *self.sidecars):
            h.update(p.name.encode() + b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
        return h.hexdigest()


def _skipped(relpath: PurePosixPath) -> bool:
    """Hidden files and folders, and editor back-ups, are never stories."""
    name = relpath.name
    return (any(part.startswith(".") for part in relpath.parts) or name.endswith(BACKUP_SUFFIXES)
            or (name.startswith("#") and name.endswith("#")))


def discover(input_dir: Path, skip: Path | None = None) -> list[StoryInput]:
    """Every story input under ``input_dir`` in path order; sidecars and images are not stories, and
    neither is anything under ``skip`` (an output folder kept inside the input folder)."""
    found: list[StoryInput] = []
    skipped = os.path.realpath(skip) if skip is not None else None
    for dirpath, dirnames, filenames in os.walk(input_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and os.path.realpath(os.path.join(dirpath, d)) != skipped)
        names = set(filenames)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = PurePosixPath(path.relative_to(input_dir).as_posix())
            if _skipped(rel) or path.suffix.lower() not in READERS or name in CONFIG_NAMES:
                continue
            sidecars = tuple(Path(dirpath) / f"{path.stem}{s}" for s in SIDECAR_SUFFIXES
                             if f"{path.stem}{s}" in names and f"{path.stem}{s}" != name)
            found.append(StoryInput(path, str(rel), sidecars))
    return found
