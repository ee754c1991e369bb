"""Discovery: the story inputs under the input folder, each with the sidecar files beside it.

Only regular files inside the input folder are ever opened: a FIFO would
block the build forever, a device or socket is no story, and a symlink that
leads out of the folder would publish a file the contributor could not
otherwise reach. Such a story (or a story with such a sidecar) is refused
and named. Discovery reads the build's one walk (no ``stat`` of its own): whether a story changed
is decided from the stamps first, and its bytes are read only when they
differ.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .config import CONFIG_NAMES
from .manifest import Stamps, compact_json
from .readers import READERS, _kind_of_mode, read_bytes
from .readers.metadata import SIDECAR_SUFFIXES
from .snapshot import FileTable, walk_input

__all__ = ["StoryInput", "Refused", "Discovery", "scan", "discover", "BACKUP_SUFFIXES"]

BACKUP_SUFFIXES = ("~", ".bak", ".swp", ".swo", ".tmp", ".orig", ".rej")


@dataclass(frozen=True, slots=True)  # one per story, for the whole build: no __dict__ each
class StoryInput:
    """One story input found under the input folder, with the sidecar files beside it and their stamps.

    Paths are kept as strings relative to ``root`` (a build of ten thousand stories that changed nothing
    makes no path objects)."""

    root: str
    relpath: str
    sidecar_names: tuple[str, ...] = ()  # relpaths, beside the story
    stamp_record: str = field(default="{}", compare=False)  # the stamps as compact JSON: one string, not a dict

    @property
    def stamps(self) -> Stamps:
        """relpath -> stamp (size, modification time) of the story and its sidecars, as the scan saw them."""
        stamps: Stamps = json.loads(self.stamp_record)
        return stamps

    @property
    def path(self) -> Path:
        """The story file."""
        return Path(self.root, self.relpath)

    @property
    def sidecars(self) -> tuple[Path, ...]:
        """The metadata files beside it."""
        return tuple(Path(self.root, rel) for rel in self.sidecar_names)

    def digest(self, fingerprint: str) -> str:
        """Hash of everything this story's outputs depend on that can be known without parsing it."""
        h = hashlib.sha256(fingerprint.encode())
        for p in (self.path, *self.sidecars):
            h.update(p.name.encode() + b"\0")
            h.update(read_bytes(p))
            h.update(b"\0")
        return h.hexdigest()


@dataclass(frozen=True)
class Refused:
    """A story input discovery will not open, and why."""

    path: Path
    relpath: str
    reason: str


@dataclass
class Discovery:
    """What a scan of the input folder found."""

    stories: list[StoryInput] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def _skipped(name: str) -> bool:
    """Hidden files, editor back-ups and config files are never stories."""
    return (name.startswith(".") or name.endswith(BACKUP_SUFFIXES) or (name.startswith("#") and name.endswith("#"))
            or name in CONFIG_NAMES)


class _Scanner:
    """Finds the stories in a walk's table of files (:func:`.snapshot.walk_input`): no second walk, and no
    ``stat`` but of a symbolic link (where it leads is checked) or a file the walk could not stat."""

    def __init__(self, input_dir: Path, files: FileTable) -> None:
        self.input_dir = input_dir
        self.root = os.path.realpath(input_dir)
        self.root_text = str(input_dir)  # one string every story input shares
        self.kinds = {suffix.lstrip(".") for suffix in READERS}
        self.files = files
        self.found = Discovery()

    def find(self) -> None:
        """Every candidate story, in the order a walk of sorted folders meets them (a folder's files by name,
        a sub-folder where its name sorts)."""
        for relpath in sorted(filter(self.candidate, self.files), key=_path_order):
            self.story(relpath)

    def candidate(self, relpath: str) -> bool:
        """True for a file a reader reads, neither hidden nor in a hidden folder, nor a back-up or config."""
        if relpath.startswith(".") or "/." in relpath:
            return False
        name = relpath.rpartition("/")[2]
        return name.rpartition(".")[2].lower() in self.kinds and not _skipped(name)

    def story(self, relpath: str) -> None:
        stamps: Stamps = {}
        problem = self.check(relpath, stamps)
        folder, _, name = relpath.rpartition("/")
        folder = folder + "/" if folder else ""
        stem = name.rpartition(".")[0]
        sidecars: list[str] = []
        for suffix in SIDECAR_SUFFIXES:
            side = folder + stem + suffix
            if side not in self.files or side == relpath:
                continue
            side_problem = self.check(side, stamps)
            if side_problem is not None and side_problem.startswith("not a regular file ("):
                continue  # never opened here: the reader refuses the story, naming the FIFO or device
            problem = problem or (f"its metadata file {stem + suffix}: {side_problem}" if side_problem else None)
            sidecars.append(side)
        if problem is not None:
            self.found.refused.append(Refused(self.input_dir / relpath, relpath, problem))
        else:
            self.found.stories.append(StoryInput(self.root_text, relpath, tuple(sidecars), compact_json(stamps)))

    def check(self, relpath: str, stamps: Stamps) -> str | None:
        """Why the file may not be opened (None when it may); its stamp goes into ``stamps``."""
        found = self.files[relpath]
        if found is None or found[3]:
            return self.check_again(relpath, stamps)
        size, mtime_ns, mode, _ = found
        if not stat.S_ISREG(mode):
            return f"not a regular file ({_kind_of_mode(mode)}); skipped"
        stamps[relpath] = [size, mtime_ns]
        return None

    def check_again(self, relpath: str, stamps: Stamps) -> str | None:
        """:meth:`check` of a symbolic link (refused when it leads out of the folder) or of a file the walk
        could not stat, looked at afresh to say why."""
        path = os.path.join(self.root_text, relpath)
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                real = os.path.realpath(path)
                if not real.startswith(self.root + os.sep):
                    return "a symbolic link to a file outside the input folder; refused"
                st = os.stat(real)
        except OSError as exc:
            return f"cannot read: {exc.strerror or exc}"
        if not stat.S_ISREG(st.st_mode):
            return f"not a regular file ({_kind_of_mode(st.st_mode)}); skipped"
        stamps[relpath] = [st.st_size, st.st_mtime_ns]
        return None


def _path_order(relpath: str) -> list[str]:
    """Sort key of a relpath: folder by folder (``a/x`` before ``a-b``, as a walk of sorted folders has it)."""
    return relpath.split("/")


def scan(input_dir: Path, files: FileTable | None = None) -> Discovery:
    """Every story input under ``input_dir`` in path order, and the ones refused; sidecars and images are
    not stories, and hidden folders (a state folder kept in the input folder) are not looked into.

    ``files``: the build's walk of the folder (:func:`.snapshot.walk_input`), when it has one."""
    scanner = _Scanner(Path(input_dir), walk_input(input_dir).files() if files is None else files)
    scanner.find()
    return scanner.found


def discover(input_dir: Path) -> list[StoryInput]:
    """Every story input under ``input_dir`` that may be opened, in path order."""
    return scan(input_dir).stories
