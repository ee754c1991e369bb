"""Readers: one module per input kind, chosen by file kind, each ``read(InputFile) -> Story``.

A reader turns bytes (plus the sidecar metadata found beside them) into one
normalised :class:`~syndicate.model.Story`. It never writes output. Adding an
input kind is one module and one line in :data:`READERS`.
"""

from __future__ import annotations

import importlib
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import InputError
from ..model import Story

__all__ = ["InputFile", "READERS", "MAX_INPUT_BYTES", "reader_for", "read", "slugify", "default_id", "default_slug"]

#: Inputs larger than this are refused before they are read (a story is rarely over 1 MB).
MAX_INPUT_BYTES = 16 * 1024 * 1024

#: file extension -> "module:function"
READERS: dict[str, str] = {
    ".txt": "syndicate.readers.text:read",
    ".text": "syndicate.readers.text:read",
    ".xml": "syndicate.readers.newsml:read",
}

#: the authority and date of the ``tag:`` URIs minted for stories without an id of their own (RFC 4151).
TAG_AUTHORITY = "syndicate.invalid,2026"


@dataclass(frozen=True)
class InputFile:
    """One input as a reader receives it.

    ``root`` is the input folder: the story's default id and slug follow the
    path under it, and image paths in metadata are resolved (and confined)
    inside it. ``metadata`` given here wins over any sidecar file.
    """

    data: bytes
    path: Path | None = None
    root: Path | None = None
    metadata: Mapping[str, Any] | None = None

    @property
    def name(self) -> str:
        """How messages name this input: its path, or ``<text>``."""
        return str(self.path) if self.path is not None else "<text>"

    @property
    def relpath(self) -> PurePosixPath | None:
        """The input's path under ``root`` (posix form), or None for text given directly."""
        if self.path is None:
            return None
        root = self.root if self.root is not None else self.path.parent
        try:
            rel = Path(os.path.abspath(self.path)).relative_to(os.path.abspath(root))
        except ValueError:
            rel = Path(self.path.name)
        return PurePosixPath(rel.as_posix())

    @property
    def base(self) -> Path:
        """The folder image paths are confined to: ``root``, else the input's own folder, else ``.``."""
        if self.root is not None:
            return self.root
        return self.path.parent if self.path is not None else Path(".")


def slugify(text: str, max_length: int = 80) -> str:
    """Lowercase ASCII ``a-z0-9-``: accents folded, everything else a hyphen."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-") or "story"


def default_id(source: InputFile, fallback: str) -> str:
    """The story's stable id when metadata gives none: a ``tag:`` URI from its path under the input folder."""
    rel = source.relpath
    key = str(rel.with_suffix("")) if rel is not None else slugify(fallback)
    key = re.sub(r"[^A-Za-z0-9._~/-]", lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), key)
    return f"tag:{TAG_AUTHORITY}:{key}"


def default_slug(source: InputFile, fallback: str) -> str:
    """The story's slug when metadata gives none: from its path under the input folder."""
    rel = source.relpath
    return slugify(str(rel.with_suffix("")).replace("/", "-")) if rel is not None else slugify(fallback)


def reader_for(name: str, data: bytes | None = None) -> Callable[[InputFile], Story]:
    """The reader for a file name (by extension), sniffing XML for text given directly."""
    suffix = Path(name).suffix.lower()
    if suffix not in READERS:
        if data is not None and data.lstrip()[:1] == b"<" and not suffix:
            suffix = ".xml"
        elif not suffix:
            suffix = ".txt"
        else:
            raise InputError(f"no reader for {suffix!r} files (known: {', '.join(sorted(READERS))})", name)
    module_name, _, func = READERS[suffix].partition(":")
    reader: Callable[[InputFile], Story] = getattr(importlib.import_module(module_name), func)
    return reader


def read_bytes(path: Path) -> bytes:
    """Read an input file, refusing folders, missing files and files over :data:`MAX_INPUT_BYTES`."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError("not a regular file", path)
        if size > MAX_INPUT_BYTES:
            raise InputError(f"too large ({size} bytes; the limit is {MAX_INPUT_BYTES})", path)
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None


def read(
    source: str | os.PathLike[str] | bytes,
    metadata: Mapping[str, Any] | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
) -> Story:
    """Read one input into a :class:`Story`, choosing the reader by file kind.

    ``source`` is a path (``str`` or ``Path``) or the input itself (``bytes``,
    or a ``str`` holding more than a file name). ``metadata`` overrides the
    sidecar/front matter; ``root`` is the input folder ids, slugs and image
    paths are relative to (default: the file's own folder). Raises
    :class:`~syndicate.errors.InputError` when the input is refused.
    """
    root_path = Path(root) if root is not None else None
    if isinstance(source, bytes):
        item = InputFile(source, None, root_path, metadata)
        return reader_for("", source)(item)
    if isinstance(source, str) and ("\n" in source or not os.path.exists(source)) and len(source) > 0 \
            and ("\n" in source or len(source) > 255):
        data = source.encode("utf-8")
        return reader_for("", data)(InputFile(data, None, root_path, metadata))
    path = Path(source)
    if not path.exists():
        raise InputError("no such file", path)
    data = read_bytes(path)
    return reader_for(path.name, data)(InputFile(data, path, root_path, metadata))
