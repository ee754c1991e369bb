"""Readers: one module per input kind, chosen by file kind, each ``read(InputFile) -> Story``.

A reader turns bytes (plus the sidecar metadata found beside them) into one
normalised :class:`~syndicate.model.Story`. It never writes output. Adding an
input kind is one module and one line in :data:`READERS`.
"""

from __future__ import annotations

import importlib
import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, NamedTuple
from urllib.parse import urlsplit

from ..errors import InputError
from ..model import Story
from ..patterns import LazyPattern

__all__ = ["InputFile", "READERS", "MAX_INPUT_BYTES", "FALLBACK_ID_PREFIX", "reader_for", "read", "slugify",
           "default_id", "default_slug", "id_prefix_for", "is_id_prefix", "kind_of", "root_element",
           "REGULAR", "file_kind", "open_regular", "read_bytes"]

#: Inputs larger than this are refused before they are read (a story is rarely over 1 MB).
MAX_INPUT_BYTES = 16 * 1024 * 1024

#: file extension -> "module:function"
READERS: dict[str, str] = {
    ".txt": "syndicate.readers.text:read",
    ".text": "syndicate.readers.text:read",
    ".xml": "syndicate.readers.newsml:read",
    ".html": "syndicate.readers.html:read",
    ".htm": "syndicate.readers.html:read",
}

#: Root elements (local names) that make an input NewsML-G2 whatever its name.
NEWSML_ROOTS = frozenset({"newsitem", "packageitem", "newsmessage"})
#: Root elements that make an input an HTML page (a fragment may start with any body element).
HTML_ROOTS = frozenset({"html", "head", "body", "article", "main", "section", "div", "p", "h1", "h2", "h3", "header",
                        "figure", "meta", "title", "link", "script", "style", "span", "table", "ul", "ol", "img"})

# What may come before the root element: white space, an XML declaration, comments, processing
# instructions and a DOCTYPE; then the root element's name (any namespace prefix dropped).
_PROLOGUE = LazyPattern(r"\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)*", re.IGNORECASE | re.DOTALL)
_ROOT_NAME = LazyPattern(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
#: How much of an input is looked at to find its root element.
SNIFF_BYTES = 64 * 1024

#: The prefix of ids minted when neither ``id_prefix`` nor ``base_url`` is configured. ``syndicate.invalid``
#: is a name no one owns (RFC 2606), so two newsrooms using it may mint the same id: the build hints
#: to set ``id_prefix``.
FALLBACK_ID_PREFIX = "tag:syndicate.invalid,2026:"

#: The date part of a ``tag:`` authority derived from ``base_url`` (RFC 4151 needs one). Fixed, never the
#: clock, so the same config mints the same ids on every run and machine.
DERIVED_TAG_YEAR = "2026"

_ID_PREFIX = LazyPattern(r"^(tag|urn):\S+$")


def is_id_prefix(value: str) -> bool:
    """True when ``value`` may start story ids: a ``tag:`` or ``urn:`` URI with no white space."""
    return isinstance(value, str) and _ID_PREFIX.match(value) is not None


def id_prefix_for(base_url: str) -> str:
    """The id prefix a newsroom's ``base_url`` implies: ``tag:HOST,2026:`` plus the URL's path.

    ``https://news.example.com/`` gives ``tag:news.example.com,2026:``; ``https://example.com/news/``
    gives ``tag:example.com,2026:news/``, so two sites on one host mint different ids. The year is
    the fixed :data:`DERIVED_TAG_YEAR`, never the clock. Raises ValueError for a URL without a host.
    """
    parts = urlsplit(base_url.strip())
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"base_url {base_url!r} has no host to derive an id prefix from")
    path = parts.path.lstrip("/")
    path = path if not path or path.endswith("/") else path + "/"
    return f"tag:{host},{DERIVED_TAG_YEAR}:{_percent_encode(path)}"


def _percent_encode(key: str) -> str:
    """Characters outside the URI's unreserved set and ``/`` as UTF-8 ``%XX`` (ids must be URIs)."""
    return re.sub(r"[^A-Za-z0-9._~/-]", lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), key)


class InputFile(NamedTuple):
    """One input as a reader receives it (a named tuple: immutable, and cheap to define at start-up).

    ``root`` is the input folder: the story's default id and slug follow the
    path under it, and image paths in metadata are resolved (and confined)
    inside it. ``metadata`` given here wins over any sidecar file.
    ``id_prefix`` (a ``tag:`` or ``urn:`` URI, from the config) starts the
    default id; None means :data:`FALLBACK_ID_PREFIX`.
    """

    data: bytes
    path: Path | None = None
    root: Path | None = None
    metadata: Mapping[str, Any] | None = None
    id_prefix: str | None = None

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
    ascii_text = (text if text.isascii() else _folded_to_ascii(text)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-") or "story"


def _folded_to_ascii(text: str) -> str:
    """``text`` with accents folded (``é`` to ``e``) and what has no ASCII form dropped. (ASCII text is its own
    folding: :func:`slugify` loads the Unicode tables only for text that needs them.)"""
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def default_id(source: InputFile, fallback: str) -> str:
    """The story's stable id when metadata gives none: the id prefix and its path under the input folder.

    ``fallback`` (e.g. the headline) keys a story given as text, with no path.
    """
    rel = source.relpath
    key = _percent_encode(str(rel.with_suffix("")) if rel is not None else slugify(fallback))
    prefix = source.id_prefix or FALLBACK_ID_PREFIX
    return prefix + key if prefix.endswith((":", "/")) else f"{prefix}:{key}"


def default_slug(source: InputFile, fallback: str) -> str:
    """The story's slug when metadata gives none: from its path under the input folder."""
    rel = source.relpath
    return slugify(str(rel.with_suffix("")).replace("/", "-")) if rel is not None else slugify(fallback)


def root_element(data: bytes) -> str | None:
    """The local name (lowercased) of the element ``data`` starts with, after any XML prologue; None
    when it does not start with an element (plain text). Looks at the first :data:`SNIFF_BYTES` only."""
    return _sniff(data)[0]


def _sniff(data: bytes) -> tuple[str | None, bool]:
    """``(root element or None, whether the input opens with an XML declaration)``, from its first bytes."""
    head = data[:SNIFF_BYTES]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[2:].decode(codec, "ignore")
            break
    else:
        text = head.decode("utf-8", "ignore").lstrip("\ufeff")
    prologue = _PROLOGUE.match(text).end()  # type: ignore[union-attr]  # the pattern matches "" at worst
    match = _ROOT_NAME.match(text, prologue)
    return (match.group(1).lower() if match else None), text.lstrip().startswith("<?xml")


def kind_of(name: str, data: bytes | None = None) -> str:
    """The :data:`READERS` key for an input: its extension, then (for ``.xml`` or no extension) its root
    element. A NewsML-G2 root is NewsML, an HTML element a page (an ``.xml`` file whose root is ``<html>``
    included), and no element at all plain text, whatever the extension (a scrape saved as ``.xml``, a
    text that starts with ``<<<``). An input that opens with an XML declaration is XML even without an
    element: the NewsML reader then says it is not well-formed, rather than publishing its prologue."""
    suffix = Path(name).suffix.lower()
    if suffix and suffix not in READERS:
        raise InputError(f"no reader for {suffix!r} files (known: {', '.join(sorted(READERS))})", name or None)
    if suffix not in ("", ".xml") or data is None:
        return suffix or ".txt"
    root, declared = _sniff(data)
    if root is None:
        return ".xml" if declared else ".txt"
    if root in NEWSML_ROOTS:
        return ".xml"
    if root in HTML_ROOTS:
        return ".html"
    return ".xml"  # some other XML: the NewsML reader names its root element in one line


def reader_for(name: str, data: bytes | None = None) -> Callable[[InputFile], Story]:
    """The reader for an input: by file extension, then by its root element (see :func:`kind_of`)."""
    kind = kind_of(name, data)
    module_name, _, func = READERS[kind].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise InputError(f"no reader for {kind!r} input in this version", name or None) from None
    reader: Callable[[InputFile], Story] = getattr(module, func)
    return reader


#: What :func:`file_kind` says of a regular file (or a symbolic link to one).
REGULAR = "a regular file"


def file_kind(path: Path) -> str | None:
    """What ``path`` is, following symbolic links: :data:`REGULAR`, ``a FIFO``, ``a socket``, ``a folder``…;
    None when nothing is there (a dangling link included). Costs one ``stat``, never an ``open``."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return None
    return _kind_of_mode(mode)


def _kind_of_mode(mode: int) -> str:
    for test, name in ((stat.S_ISREG, REGULAR), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a plain file"


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, else OSError naming what it is.

    Opened without blocking and checked on the open file itself, so a FIFO swapped in after a ``stat``
    can neither hang the reader nor be read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    handle = os.fdopen(fd, "rb")
    kind = _kind_of_mode(os.fstat(fd).st_mode)
    if kind != REGULAR:
        handle.close()
        raise OSError(f"not a regular file ({kind})")
    return handle


def read_bytes(path: Path) -> bytes:
    """Read an input file, refusing folders, FIFOs and the like (never opened for reading, so a FIFO cannot
    hang the reader), missing files and files over :data:`MAX_INPUT_BYTES`."""
    kind = file_kind(path)
    if kind is not None and kind != REGULAR:
        raise InputError(f"not a regular file ({kind})", path)
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_INPUT_BYTES:
                raise InputError(f"too large ({size} bytes; the limit is {MAX_INPUT_BYTES})", path)
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if len(data) > MAX_INPUT_BYTES:  # it grew while being read
        raise InputError(f"too large (over {MAX_INPUT_BYTES} bytes)", path)
    return data


def read(
    source: str | os.PathLike[str] | bytes,
    metadata: Mapping[str, Any] | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    id_prefix: str | None = None,
) -> Story:
    """Read one input into a :class:`Story`, choosing the reader by file kind.

    ``source`` is a path (``str`` or ``Path``) or the input itself (``bytes``,
    or a ``str`` holding more than a file name). ``metadata`` overrides the
    sidecar/front matter; ``root`` is the input folder ids, slugs and image
    paths are relative to (default: the file's own folder); ``id_prefix``
    starts the default id (see :func:`default_id`). Raises
    :class:`~syndicate.errors.InputError` when the input is refused.
    """
    if id_prefix is not None and not is_id_prefix(id_prefix):
        raise InputError(f"id_prefix must be a tag: or urn: URI, not {id_prefix!r}")
    root_path = Path(root) if root is not None else None
    if isinstance(source, bytes):
        item = InputFile(source, None, root_path, metadata, id_prefix)
        return reader_for("", source)(item)
    if isinstance(source, str) and ("\n" in source or not os.path.exists(source)) and len(source) > 0 \
            and ("\n" in source or len(source) > 255):
        data = source.encode("utf-8")
        return reader_for("", data)(InputFile(data, None, root_path, metadata, id_prefix))
    path = Path(source)
    if not path.exists():
        raise InputError("no such file", path)
    data = read_bytes(path)
    return reader_for(path.name, data)(InputFile(data, path, root_path, metadata, id_prefix))
