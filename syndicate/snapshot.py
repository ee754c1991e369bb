"""The snapshot: what lets a build that has nothing to do stop after one walk of the input folder.

A build that changed nothing used to load the whole manifest and ``stat``
every output file, work in proportion to the archive. The snapshot, saved
beside the manifest at the end of every complete build, holds instead:

- the build's settings (its fingerprint: tool version, formats, export
  settings; the edition's size; the input folder it builds),
- one digest of the stamps (size, times, inode, mode) of every file under the
  input folder: a story, a sidecar, a photo, a new or a deleted file all
  change it,
- the stamps of the output folders themselves: a folder's modification
  time changes whenever a file in it is created, deleted or renamed over,
  which is how builds, editors and rsync replace files,
- the stories the build holds (a no-op reports them unchanged) and the
  build-wide notices it repeats every time (a feed that cannot be written).

The walk that takes the digest is the build's only walk of the input folder: when the full build runs,
discovery finds the stories in its lines and the unchanged-check reads a photo's stamps there
(:meth:`InputWalk.files`), so no input file is stat'ed twice.

A snapshot is only saved by a build that left nothing to redo (no rejected
input, no photo to fetch again), and it is deleted before a build changes
anything, so a killed build leaves none. What it cannot see: a file under
the output folder overwritten in place (same folder, no rename): a build
with other work to do, or ``--verify``, checks every output file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, field
from pathlib import Path

from .model import FrozenValue, value_class

__all__ = ["Snapshot", "SNAPSHOT", "InputWalk", "FileTable", "walk_input", "input_digest", "folder_stamps", "forget_snapshot"]

SNAPSHOT = ".syndicate-snapshot.json"
SNAPSHOT_FORMAT = 1

#: folder relpath (``""`` for the output folder itself) -> [device, inode, mtime_ns], or None when missing
FolderStamps = dict[str, list[int] | None]


@value_class
class Snapshot(FrozenValue):
    """What a complete build left: enough to tell, without the manifest, that the next one has nothing to do."""

    settings: str  # the build's fingerprint and the settings outside it that shape the outputs
    inputs: str  # :func:`input_digest` of the input folder, taken as the build started
    outputs: FolderStamps = field(default_factory=dict)  # of every output folder holding the build's files
    stories: list[str] = field(default_factory=list)  # every story input the build holds, in path order
    notices: list[str] = field(default_factory=list)  # build-wide warnings a build repeats while nothing changes

    @classmethod
    def load(cls, path: Path) -> Snapshot | None:
        """The snapshot at ``path``; None when there is none, or it is unreadable or of another format."""
        try:
            data = json.loads(path.read_bytes())
            if data.pop("format") != SNAPSHOT_FORMAT:
                return None
            return cls(**data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, path: Path) -> None:
        """Write it atomically (a build killed meanwhile leaves none, and the next build runs in full)."""
        from .atomic import atomic_write  # only a build that did the full work saves one

        data = {"format": SNAPSHOT_FORMAT, **asdict(self)}
        atomic_write(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")

    def still_holds(self, settings: str, inputs: str, output_dir: Path) -> bool:
        """True when the settings, the input folder and the output folders are all as this snapshot saw them."""
        return (self.settings == settings and self.inputs == inputs
                and folder_stamps(output_dir, self.outputs) == self.outputs)


def forget_snapshot(path: Path) -> None:
    """Delete the snapshot: the build is about to change what it describes."""
    path.unlink(missing_ok=True)


#: relpath -> (size, mtime_ns, mode) of a file under the input folder as the walk found it (the stamps of what
#: a symbolic link leads to), with ``True`` last for a link; None when it could not be stat'ed (a dangling link)
FileTable = dict[str, tuple[int, int, int, bool] | None]


class InputWalk:
    """One walk of the input folder, all a build learns of it before reading a file: the digest the
    snapshot compares, and the stamps of every file it was taken from (discovery finds the stories in them,
    and the check of an unchanged story reads its photos' stamps there instead of stat'ing them again)."""

    __slots__ = ("digest", "lines")

    def __init__(self, digest: str, lines: list[str]) -> None:
        self.digest = digest
        self.lines = lines  # a line per file, sorted: what the digest is of

    def files(self) -> FileTable:
        """The stamps of every file, read from the walk's lines (only a build with work to do asks: a build
        with nothing to do makes no table)."""
        files: FileTable = {}
        for line in self.lines:
            name, *stamps = line[:-1].split("\0")  # no file name holds a NUL
            if len(stamps) == 5:
                size, mtime_ns, _, _, mode = stamps
                files[name] = (int(size), int(mtime_ns), int(mode.rstrip("l")), mode.endswith("l"))
            elif stamps == ["missing"]:
                files[name] = None
        return files


def walk_input(folder: Path, skip: Path | None = None) -> InputWalk:
    """Walk ``folder`` once (``skip``, a state folder kept inside it, left out): one digest of the name, size,
    modification and change times, inode and mode of every file under it (any edit, new, deleted or replaced
    file changes it), and those stamps.

    One ``scandir`` per folder and one ``stat`` per file: the whole cost of a build with nothing to do. A
    symbolic link counts with the stamps of what it leads to (a linked photo that changes is seen)."""
    skipped = _identity(skip) if skip is not None else None
    lines: list[str] = []
    _stamp_tree(folder, "", skipped, lines)
    lines.sort()  # the order scandir lists a folder in is the file system's, not ours
    return InputWalk(hashlib.sha256("".join(lines).encode("utf-8", "surrogateescape")).hexdigest(), lines)


def input_digest(folder: Path, skip: Path | None = None) -> str:
    """The digest of :func:`walk_input`."""
    return walk_input(folder, skip).digest


def _stamp_tree(path: str | os.PathLike[str], rel: str, skipped: tuple[int, int] | None, lines: list[str],
                within: int | None = None) -> None:
    """Add the lines of the files under the folder at ``path`` (relative to the open folder ``within``), ``rel``
    the path of its files in the walk. Its entries are stat'ed relative to it, open: no path is looked up from
    the top again for every file."""
    add = lines.append
    folder = None
    try:
        folder = os.open(path, os.O_RDONLY | os.O_DIRECTORY, dir_fd=within)
        with os.scandir(folder) as entries:
            for entry in entries:
                name = rel + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if skipped is None or (entry.stat(follow_symlinks=False).st_dev, entry.inode()) != skipped:
                        _stamp_tree(entry.name, name + "/", skipped, lines, within=folder)
                    continue
                try:
                    st = entry.stat()
                    link = "l" if entry.is_symlink() else ""  # discovery checks where a link leads
                    add(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\0{st.st_mode}{link}\n")
                except OSError:
                    add(f"{name}\0missing\n")  # a dangling link: it may come to lead somewhere
    except OSError as exc:
        add(f"{rel}\0unreadable {exc.errno}\n")  # a folder that becomes readable changes the digest
    finally:
        if folder is not None:
            os.close(folder)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def folder_stamps(root: Path, folders: Iterable[str]) -> FolderStamps:
    """Device, inode and modification time of each folder under ``root`` (``""``: ``root`` itself)."""
    stamps: FolderStamps = {}
    base = os.fspath(root)
    for rel in folders:
        try:
            st = os.stat(os.path.join(base, rel) if rel else base)
            stamps[rel] = [st.st_dev, st.st_ino, st.st_mtime_ns]
        except OSError:
            stamps[rel] = None
    return stamps
