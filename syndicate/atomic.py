"""Atomic file writes: a reader, or a process killed at any moment, sees the old file or the new one.

:func:`atomic_write` replaces one file (temporary file, fsync, rename).
:class:`Batch` replaces many at the price of one sync: every new file is
written to a temporary file beside its target, all of them are flushed to
disk together, and only then renamed into place. Each temporary file is
recorded in a journal *before* it is created, so the next run can remove
what a killed build left, and knows which of the files it finds are its own.
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_write", "atomic_writer", "Batch", "same_bytes", "same_file", "sync_all"]


def same_bytes(path: str | os.PathLike[str], data: bytes) -> bool:
    """True when ``path`` already holds exactly ``data`` (so it need not be written, and keeps its mtime)."""
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as stream:
            return stream.read() == data
    except OSError:
        return False


def same_file(path: Path, other: Path) -> bool:
    """True when the regular file ``path`` holds exactly the bytes of ``other`` (compared a block at a time,
    never held whole)."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size != other.stat().st_size:
            return False
        with open(path, "rb") as mine, open(other, "rb") as theirs:
            while True:
                block = mine.read(_BLOCK)
                if block != theirs.read(_BLOCK):
                    return False
                if not block:
                    return True
    except OSError:
        return False


_BLOCK = 1 << 20


def atomic_write(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically; returns False (and touches nothing) when the bytes are already there.

    The bytes go to a hidden temporary file in the same folder (same file
    system, so the rename is atomic), are flushed to disk (unless not
    ``durable``: a cache that can be rebuilt), and renamed over ``path``.
    Leaving an identical file alone keeps its modification time, so mirrors
    and feed readers see nothing new.
    """
    if same_bytes(path, data):
        return False
    with atomic_writer(path, durable=durable) as stream:
        stream.write(data)
    return True


@contextmanager
def atomic_writer(path: str | os.PathLike[str], *, durable: bool = True) -> Iterator[IO[bytes]]:
    """:func:`atomic_write` for a file written piece by piece into the yielded stream (never held whole):
    ``path`` is replaced when the block ends, and left as it was if it raises."""
    # plain strings: a worker writes a cache entry per photo, and every name a path object parses is interned
    # for the life of the process (its table would grow with the stories exported)
    folder, name = os.path.split(os.fspath(path))
    os.makedirs(folder or ".", exist_ok=True)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as stream:
            yield stream
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def sync_all() -> None:
    """Flush every written file to disk in one call (cheaper than one fsync per file, for the same promise)."""
    os.sync()


class Batch:
    """Files under ``root`` to replace together, atomically each, with one sync for the lot.

    :meth:`stage` writes a file's new bytes to a temporary file beside it (or
    nothing, when the bytes are already there); :meth:`commit` syncs once and
    renames every staged file into place; :meth:`discard` drops one. The
    journal (a file outside ``root``) lists every temporary file and its
    target before the temporary file exists: see :func:`recover`.
    """

    def __init__(self, root: Path, journal: Path) -> None:
        self.root = root
        self.journal_path = journal
        self._journal: IO[str] | None = None
        self._staged = _StagedFiles()
        self._count = itertools.count()
        self._made: set[str] = set()  # folders (relative to root) made for staged files
        self._ready: set[str] = {""}  # folders (relative to root) known to exist

    def stage(self, rel: str, data: bytes, owner: str = "") -> bool:
        """Stage ``data`` for ``root/rel`` on behalf of ``owner`` (two owners may stage one target while the
        caller settles which of them gets it; the other must be discarded before :meth:`commit`).
        False when the file already holds these bytes (nothing staged)."""
        self.discard(rel, owner)
        if same_bytes(self._path(rel), data):
            return False
        number, tmp = self._temporary(rel)
        try:
            with open(tmp, "wb") as stream:
                stream.write(data)
        except BaseException:
            _remove(tmp)
            raise
        self._staged.put(rel, owner, number)
        return True

    @contextmanager
    def stage_stream(self, rel: str, owner: str = "") -> Iterator[IO[bytes]]:
        """Stage ``root/rel`` from what is written into the yielded file (seekable), as it is made: a file
        too large to hold in memory never is. When it comes out byte for byte the file already there, nothing
        stays staged (the file keeps its time): see :meth:`is_staged`."""
        self.discard(rel, owner)
        number, tmp = self._temporary(rel)
        try:
            with open(tmp, "w+b") as stream:
                yield stream
            if same_file(Path(self._path(rel)), Path(tmp)):
                _remove(tmp)
                return
        except BaseException:
            _remove(tmp)
            raise
        self._staged.put(rel, owner, number)

    def is_staged(self, rel: str, owner: str = "") -> bool:
        """True when new bytes for ``root/rel`` wait to be committed on behalf of ``owner``."""
        return self._staged.get(rel, owner) is not None

    def current(self, rel: str, owner: str = "") -> Path:
        """Where ``rel``'s newest bytes are now: ``owner``'s temporary file if staged, else the file itself."""
        number = self._staged.get(rel, owner)
        return Path(self._path(rel) if number is None else self._path(_temporary_name(rel, number)))

    def discard(self, rel: str, owner: str = "") -> None:
        """Forget a staged file (its temporary file is removed)."""
        number = self._staged.pop(rel, owner)
        if number is not None:
            _remove(self._path(_temporary_name(rel, number)))

    def commit(self) -> list[str]:
        """Sync once, then rename every staged file into place; returns their paths, sorted."""
        if not self._staged:
            return []
        targets = sorted(rel for rel, _, _ in self._staged.items())
        if any(targets[i] == targets[i + 1] for i in range(len(targets) - 1)):
            raise ValueError("two staged files for one target")  # the caller must settle every clash first
        if self._journal is not None:
            self._journal.flush()
        sync_all()
        # in the order they were staged: no second list of every file (their order changes nothing: none is
        # published before the sync, and a build killed among the renames is redone by the next)
        for rel, _, number in self._staged.items():
            os.replace(self._path(_temporary_name(rel, number)), self._path(rel))
        self._staged.clear()
        self._made.clear()  # they hold published files now
        return targets

    def abandon(self) -> None:
        """Remove every staged temporary file, and the folders made for them (the build failed before
        committing: it leaves nothing behind)."""
        for rel, owner, _ in list(self._staged.items()):
            self.discard(rel, owner)
        for folder in sorted(self._made, key=lambda rel: rel.count("/"), reverse=True):
            try:
                os.rmdir(self._path(folder))
            except OSError:
                pass  # not empty: something else is in it now
        self._made.clear()

    def _path(self, rel: str) -> str:
        return os.path.join(self.root, rel)

    def _temporary(self, rel: str) -> tuple[int, str]:
        """A fresh temporary file beside ``root/rel``: its number and path, in the journal before the file
        exists, its folder made."""
        number = next(self._count)
        name = _temporary_name(rel, number)
        self._note(name, rel)
        self._make_folder(rel.rpartition("/")[0])
        return number, self._path(name)

    def _make_folder(self, folder: str) -> None:
        """Make ``root/folder`` and its missing parents, remembering those made (:meth:`abandon` removes them)."""
        if folder in self._ready:
            return
        self._make_folder(folder.rpartition("/")[0])
        try:
            os.mkdir(self._path(folder))
            self._made.add(folder)
        except FileExistsError:
            pass
        self._ready.add(folder)

    def close(self) -> None:
        """Close the journal (it stays on disk until :func:`forget_journal`, after the manifest is saved)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def _note(self, tmp: str, target: str) -> None:
        if self._journal is None:
            self.journal_path.parent.mkdir(parents=True, exist_ok=True)
            self._journal = open(self.journal_path, "a", encoding="utf-8")
        self._journal.write(f"{tmp}\0{target}\n")
        self._journal.flush()  # in the kernel before the file exists: a SIGKILL cannot separate them


class _StagedFiles:
    """A batch's staged files: (target, owner) -> the number in the temporary file's name.

    A build stages a few files for each of thousands of stories, and holds them all until it commits, so
    the files of an owner are one string (``target NUL number NUL`` each; a path holds no NUL), looked
    through when one is asked for (an owner has a handful), and those of no owner (photos, feeds) a plain
    map by target: no tuple, key or number object a file."""

    def __init__(self) -> None:
        self._shared: dict[str, int] = {}  # owner "": target -> number
        self._owned: dict[str, str] = {}  # owner -> its files, packed

    def __bool__(self) -> bool:
        return bool(self._shared or self._owned)

    def get(self, rel: str, owner: str) -> int | None:
        if not owner:
            return self._shared.get(rel)
        return _unpacked(self._owned.get(owner, "")).get(rel)

    def put(self, rel: str, owner: str, number: int) -> None:
        if not owner:
            self._shared[rel] = number
        else:
            self._owned[owner] = self._owned.get(owner, "") + f"{rel}\0{number}\0"

    def pop(self, rel: str, owner: str) -> int | None:
        """Forget a staged file; its number, or None when it was not staged."""
        if not owner:
            return self._shared.pop(rel, None)
        files = _unpacked(self._owned.get(owner, ""))
        number = files.pop(rel, None)
        if number is not None:
            if files:
                self._owned[owner] = "".join(f"{target}\0{n}\0" for target, n in files.items())
            else:
                del self._owned[owner]
        return number

    def items(self) -> Iterator[tuple[str, str, int]]:
        """(target, owner, number) of every staged file."""
        for rel, number in self._shared.items():
            yield rel, "", number
        for owner, packed in self._owned.items():
            for rel, number in _unpacked(packed).items():
                yield rel, owner, number

    def clear(self) -> None:
        self._shared.clear()
        self._owned.clear()


def _unpacked(packed: str) -> dict[str, int]:
    """An owner's staged files: target -> number."""
    parts = packed.split("\0")
    return {parts[i]: int(parts[i + 1]) for i in range(0, len(parts) - 1, 2)}


def _temporary_name(rel: str, number: int) -> str:
    """The hidden temporary file beside ``rel`` (relative to the batch's root) numbered ``number``."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/.{name}.{os.getpid()}-{number}.tmp" if folder else f".{name}.{os.getpid()}-{number}.tmp"


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def recover(root: Path, journal: Path) -> set[str]:
    """After a killed build: remove the temporary files its journal lists and return the targets it
    meant to write (relative to ``root``): files the build may have put in place without recording them."""
    try:
        lines = journal.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return set()
    targets: set[str] = set()
    for line in lines:
        tmp, _, target = line.partition("\0")
        if not target or _escapes(tmp) or _escapes(target):
            continue  # a damaged line, or one that does not name a file under root: ignore it
        (root / tmp).unlink(missing_ok=True)
        targets.add(target)
    return targets


def forget_journal(journal: Path) -> None:
    """The build is recorded: its journal is no longer needed."""
    journal.unlink(missing_ok=True)


def _escapes(rel: str) -> bool:
    return rel.startswith("/") or ".." in rel.split("/")
