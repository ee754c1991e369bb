"""Atomic file writes: a reader, or a process killed at any moment, sees the old file or the new one."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically; returns False (and touches nothing) when the bytes are already there.

    The bytes go to a hidden temporary file in the same folder (same file
    system, so the rename is atomic), are flushed to disk, and renamed over
    ``path``. Leaving an identical file alone keeps its modification time, so
    mirrors and feed readers see nothing new.
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True
