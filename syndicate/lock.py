"""The build lock: one build at a time per state folder, released by the kernel even when the holder is killed."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LockError

__all__ = ["build_lock", "release_inherited_lock", "LOCK"]

LOCK = ".syndicate.lock"

_LOCK_FD: list[int | None] = [None]  # the lock held by this process, for forked workers to let go of


def lock_holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it (it may be a moment late writing it, so look twice)."""
    for _ in range(2):
        holder = path.read_text(encoding="utf-8", errors="replace").strip()
        if holder:
            return holder
        time.sleep(0.2)
    return "another build"


@contextmanager
def build_lock(folder: Path, wait: float, *, names: Path | None = None) -> Iterator[None]:
    """Hold the lock file in ``folder``; wait up to ``wait`` seconds for another build, else :class:`LockError`
    (naming ``names``, the folder the user knows, default ``folder``).

    ``flock`` is released by the kernel when the holder dies, even by SIGKILL,
    so a killed build never leaves a stale lock.
    """
    path = folder / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    _LOCK_FD[0] = fd
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockError(f"locked by {lock_holder(path)}; try again later or pass --wait SECONDS",
                                    names or folder) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        # os.uname() names the host as socket.gethostname() does, without loading socket on every build
        os.pwrite(fd, f"syndicate build, pid {os.getpid()} on {os.uname().nodename}".encode(), 0)
        yield
    finally:
        _LOCK_FD[0] = None
        os.close(fd)


def release_inherited_lock() -> None:
    """In a forked child: close the copy of the build's lock it inherited, so the lock dies with the build."""
    if _LOCK_FD[0] is not None:
        os.close(_LOCK_FD[0])
        _LOCK_FD[0] = None
