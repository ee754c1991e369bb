"""Metadata beside a story: YAML front matter, sidecar files, validation, images.

Every reader shares this module. Metadata comes from three places, merged key
by key, the first that has a key winning:

1. ``InputFile.metadata`` (what a pipeline passes to ``syndicate.read``);
2. a *sidecar* file beside the input with the same stem: ``NAME.toml``,
   ``NAME.json``, ``NAME.yaml`` or ``NAME.yml`` (two of them at once is an
   error: which one wins would be a guess);
3. YAML *front matter* at the very top of a text input, between a first line
   ``---`` and the next line ``---`` (or ``...``).

Metadata always wins over what a reader infers from the text. The keys
(:data:`KNOWN_KEYS`) are the story fields of DESIGN.md section 2 plus
``images``; an unknown key, or a value of the wrong shape, is refused with an
:class:`~syndicate.errors.InputError` naming the key, so a typo never passes
silently.

Dates (``published``, ``updated``) are ISO 8601 or anything
``dateutil`` reads; a date-time must carry its offset (a naive one is
refused: which zone it meant would be a guess), while a bare date means that
day at 00:00 UTC.

``images`` is a list in reading order; each item is a path (relative to the
input's folder, confined to ``InputFile.base``) or an http(s) URL, or a
mapping ``{src, caption?, credit?, alt?}``. They attach to the story's figures
in order; extra images become extra figures at the end, so nothing is lost.
A photo that cannot be used (missing, not a regular file, unreadable, or
refused: another scheme, an absolute path, a path or link leading out of the
input folder) leaves its figure's caption without a picture and is listed in
``inferred`` as ``body[N].image``, which the build and ``convert`` print as a
warning: one bad photo never loses the story.

A sidecar that is not a regular file (a FIFO, a socket, a device, a folder)
refuses the story, naming it; it is never opened.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timezone
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ..errors import InputError, ModelError
from ..html import is_web_url
from ..iptc import MEDIATOPIC_SCHEME
from ..mediatypes import media_type_for
from ..model import Byline, Figure, Image, Related, Source, Story, Subject
from ..patterns import LazyPattern
from . import MAX_INPUT_BYTES, REGULAR, InputFile, file_kind, open_regular

__all__ = [
    "KNOWN_KEYS",
    "SIDECAR_SUFFIXES",
    "STORY_JSON_KEYS",
    "ImageRef",
    "Metadata",
    "attach_images",
    "find_sidecar",
    "gather",
    "is_metadata_file",
    "is_web_url",
    "load_sidecar",
    "parse_byline",
    "parse_date",
    "parse_date_precision",
    "parse_metadata",
    "resolve_image",
    "split_front_matter",
]

#: Sidecar file suffixes, in the order they are looked for.
SIDECAR_SUFFIXES = (".toml", ".json", ".yaml", ".yml")

#: Front matter or sidecar files larger than this are refused (metadata is small).
MAX_METADATA_BYTES = 256 * 1024

_FRONT_MATTER_CLOSE = LazyPattern(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


class ImageRef(NamedTuple):
    """One entry of ``images:``: where the picture is, and the caption data metadata gives for it (``src``
    empty when the entry gave none: refused by :func:`gather` in one line)."""

    src: str = ""
    caption: str | None = None
    credit: str | None = None
    alt: str | None = None


class Metadata(NamedTuple):
    """Validated metadata; a field is None (or empty) when no metadata gave it (a named tuple: immutable, and
    cheaper to define at start-up than a frozen dataclass)."""

    id: str | None = None
    slug: str | None = None
    headline: str | None = None
    subheadline: str | None = None
    summary: str | None = None
    bylines: tuple[Byline, ...] | None = None
    dateline: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None
    url: str | None = None
    source: Source | None = None
    rights: str | None = None
    keywords: tuple[str, ...] | None = None
    subjects: tuple[Subject, ...] | None = None
    related: tuple[Related, ...] | None = None
    images: tuple[ImageRef, ...] = ()
    given: frozenset[str] = frozenset()
    #: the date keys given as a bare date (``published: 2024-03-14``): known only to the day
    day_only: frozenset[str] = frozenset()

    def has(self, key: str) -> bool:
        """True when metadata gave ``key`` (so the reader must not infer it)."""
        return key in self.given


# ---------------------------------------------------------------- finding metadata


def split_front_matter(text: str, name: object = None) -> tuple[dict[str, Any] | None, str]:
    """Split YAML front matter off the top of ``text``: ``(mapping or None, the rest)``.

    Front matter is recognised only when the very first line is ``---`` and a
    later line is ``---`` or ``...``; anything else is story text. Invalid YAML
    or a block that is not a mapping is refused, naming the input.

    ``text`` must be the decoded input with ``\n`` line ends but otherwise as
    written: YAML's meaning depends on indentation and on runs of spaces, so
    the caller normalises only the rest (the story text), never the block.
    """
    if not text.startswith("---"):
        return None, text
    first_end = text.find("\n")
    if first_end < 0 or text[:first_end].rstrip(" \t") != "---":
        return None, text
    close = _FRONT_MATTER_CLOSE.search(text, first_end + 1)
    if close is None:
        return None, text
    block = text[first_end + 1:close.start()]
    rest = text[close.end():].lstrip("\n")
    if len(block.encode("utf-8")) > MAX_METADATA_BYTES:
        raise InputError(f"front matter is too large (over {MAX_METADATA_BYTES} bytes)", name)
    data = _load_yaml(block, name, "front matter")
    return data, rest


#: The largest story JSON recognised as ``syndicate parse`` output beside its story (that of an input at
#: the input size limit, with room for JSON escapes); a larger ``.json`` is taken as metadata, and refused.
MAX_STORY_JSON_BYTES = 4 * MAX_INPUT_BYTES

#: Keys only a story as ``syndicate parse`` writes it has, never metadata: a ``.json`` beside a story
#: holding one of them is that story's parse output (``syndicate parse X.txt > X.json``), not its metadata.
STORY_JSON_KEYS = frozenset({"body", "inferred"})


def find_sidecar(path: Path | None) -> Path | None:
    """The metadata file beside ``path`` with the same stem, or None; two of them is an InputError.

    A file that holds no metadata is not a sidecar (:func:`is_metadata_file`): an empty one, or a
    ``.json`` that is a story written by ``syndicate parse``. So ``syndicate parse X.txt > X.json``
    (the shell makes ``X.json`` empty before parse runs) and every build after it read ``X.txt`` as if
    ``X.json`` were not there. A sidecar that is there but is no regular file (a FIFO, a socket, a
    device, a folder) refuses the story, naming it: it is never opened (opening a FIFO would hang), and
    ignoring it would build the story without the metadata its author meant it to have.
    """
    found = _find_sidecar(path)
    return found[0] if found is not None else None


def _find_sidecar(path: Path | None) -> tuple[Path, bytes | None] | None:
    """:func:`find_sidecar`, with the bytes it read to tell (None when they could not be read: loading
    the file says why), so the sidecar is read once."""
    if path is None:
        return None
    found = []
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_suffix(suffix)
        if path.suffix == suffix:
            continue
        kind = file_kind(candidate)
        if kind is None:
            continue
        if kind != REGULAR:
            raise InputError(f"metadata file {candidate.name} is not a regular file ({kind}); it was not opened",
                             path)
        raw = _read_beside(candidate)
        if raw is None or _holds_metadata(candidate, raw):
            found.append((candidate, raw))
    if len(found) > 1:
        names = ", ".join(p.name for p, _ in found)
        raise InputError(f"more than one metadata file beside it ({names}); keep one", path)
    return found[0] if found else None


def is_metadata_file(path: Path) -> bool:
    """False for a file beside a story that holds no metadata: empty (or only white space), or a
    ``.json`` object with a key only story JSON has (:data:`STORY_JSON_KEYS`). Anything else,
    unreadable or invalid files included, is metadata, so its problem is reported, not ignored."""
    raw = _read_beside(path)
    return raw is None or _holds_metadata(path, raw)


def _read_beside(path: Path) -> bytes | None:
    """A file beside a story, up to one byte past what it may hold (None when it cannot be read).

    Parse output can be larger than metadata may be: a ``.json`` is read up to a story JSON's own bound,
    so a story written there is recognised as one rather than refused as oversized metadata."""
    limit = MAX_STORY_JSON_BYTES if path.suffix.lower() == ".json" else MAX_METADATA_BYTES
    try:
        with open_regular(path) as handle:
            return handle.read(limit + 1)
    except OSError:
        return None


def _holds_metadata(path: Path, raw: bytes) -> bool:
    """:func:`is_metadata_file` on bytes already read."""
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        return False
    if path.suffix.lower() != ".json":
        return True
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return True
    return not (isinstance(data, dict) and STORY_JSON_KEYS & set(data))


def load_sidecar(path: Path, raw: bytes | None = None) -> dict[str, Any]:
    """Read a sidecar (TOML, JSON or YAML by suffix) into a mapping; refuses bad syntax or non-mappings.

    ``raw`` is its bytes when already read (by :func:`find_sidecar`'s look at it). An empty file is no
    metadata (``{}``), whatever its syntax.
    """
    if raw is None:
        try:
            with open_regular(path) as handle:
                raw = handle.read(MAX_METADATA_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read metadata: {exc.strerror or exc}", path) from None
    if len(raw) > MAX_METADATA_BYTES:
        raise InputError(f"metadata file is too large (over {MAX_METADATA_BYTES} bytes)", path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("metadata file is not UTF-8", path) from None
    if not text.strip():
        return {}
    suffix = path.suffix.lower()
    if suffix == ".toml":
        import tomllib  # the parsers load with the first file of their kind, not with every story

        return _load(tomllib.loads, "TOML", text, path, "metadata")
    if suffix == ".json":
        return _load(json.loads, "JSON", text, path, "metadata")
    return _load_yaml(text, path, "metadata")


def _load_yaml(text: str, name: object, what: str) -> dict[str, Any]:
    import yaml  # loaded with the first YAML sidecar or front matter: most scrapes have none

    return _load(yaml.safe_load, "YAML", text, name, what)  # safe_load: no arbitrary objects, no code


def _load(parse: Callable[[str], Any], syntax: str, text: str, name: object, what: str) -> dict[str, Any]:
    """Parse untrusted metadata text into a mapping; every way the parser can fail is one InputError line.

    The parsers recurse once per level of nesting, so ``[[[[…]]]]`` ends in a
    RecursionError; on hostile input they also raise plain ValueError,
    TypeError or OverflowError (YAML's ``2024-13-45`` is a ValueError from
    ``datetime``). None of those may escape as a traceback. MemoryError is
    not caught: it is the machine's problem, not the file's.
    """
    try:
        data = parse(text)
    except RecursionError:
        raise InputError(f"{syntax} in {what} is nested too deeply to read", name) from None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - see the docstring: any parser failure means "unreadable"
        raise InputError(f"invalid {syntax} in {what}{_where(exc)}: {_problem(exc)}", name) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{what} must be a mapping of keys to values, not {type(data).__name__}", name)
    return data


def _where(exc: Exception) -> str:
    """`` (line N)`` when the parser says where it failed (YAML marks, JSON and TOML line numbers)."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
    return f" (line {line})" if isinstance(line, int) else ""


def _problem(exc: Exception) -> str:
    """The parser's reason on one line (an error message must stay one line)."""
    problem = getattr(exc, "problem", None) or getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    return " ".join(str(problem).split())


def gather(source: InputFile, front_matter: Mapping[str, Any] | None = None) -> Metadata:
    """Merge the metadata of one input (explicit > sidecar > front matter, key by key) and validate it.

    Each layer is checked on its own first, so an unknown key is reported
    against the file that holds it.
    """
    sidecar, raw = _find_sidecar(source.path) or (None, None)
    layers: list[tuple[Mapping[str, Any] | None, object]] = [
        (front_matter, source.name),
        (load_sidecar(sidecar, raw) if sidecar is not None else None, sidecar),
        (source.metadata, source.name),
    ]
    merged: dict[str, Any] = {}
    for layer, name in layers:  # later layers override earlier ones
        if layer:
            parse_metadata(layer, name)
            merged.update(layer)
    if "byline" in merged and "bylines" in merged:  # the two spellings from different layers: the later wins
        later = next(k for layer, _ in reversed(layers) if layer for k in ("byline", "bylines") if k in layer)
        merged.pop("bylines" if later == "byline" else "byline")
    return parse_metadata(merged, source.name)


# ---------------------------------------------------------------- validation


def _str(value: Any, key: str, name: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"metadata {key!r} must be a non-empty string", name)
    return value.strip()


def _items(value: Any, key: str, name: object) -> list[Any]:
    """A list value; a single string or mapping counts as a list of one."""
    if isinstance(value, (str, dict)):
        return [value]
    if not isinstance(value, list):
        raise InputError(f"metadata {key!r} must be a list", name)
    return value


def _record(cls: Callable[..., Any], value: dict[str, Any], key: str, allowed: Sequence[str], name: object) -> Any:
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise InputError(f"metadata {key!r} has unknown key(s) {', '.join(unknown)} (allowed: {', '.join(allowed)})", name)
    clean = {k: _str(v, f"{key}.{k}", name) for k, v in value.items() if v is not None}
    try:
        return cls(**clean)
    except (TypeError, ModelError) as exc:
        raise InputError(f"metadata {key!r}: {exc}", name) from None


def parse_byline(text: str) -> tuple[Byline, ...]:
    """``[By] NAME [and NAME…][, ROLE]`` into bylines; all-capital names are title-cased.

    The role (``Associated Press``) applies to every name. When the part after
    the first comma itself lists names (``Jane Doe, John Roe and Ann Poe``),
    the whole line is a list of names with no role.
    """
    body = re.sub(r"^\s*by\s+", "", text.strip(), flags=re.IGNORECASE).strip()
    names_part, _, role = body.partition(",")
    role = role.strip()
    if role and re.search(r"\band\b|&", role):
        names_part, role = body, ""
    names = [n.strip() for n in re.split(r",|\band\b|&", names_part) if n.strip()]
    if not names:
        return ()
    return tuple(Byline(name=_title_if_caps(n), role=_title_if_caps(role) or None) for n in names)


def _title_if_caps(text: str) -> str:
    """``JANE DOE`` -> ``Jane Doe``; mixed case is kept as written (``Jane McDonald``)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 3 and all(c.isupper() for c in letters):
        return " ".join(w[:1].upper() + w[1:].lower() for w in text.split(" "))
    return text


def _bylines(value: Any, name: object) -> tuple[Byline, ...]:
    out: list[Byline] = []
    for item in _items(value, "bylines", name):
        if isinstance(item, dict):
            out.append(_record(Byline, item, "bylines", ("name", "role", "email", "url"), name))
        else:
            out.extend(parse_byline(_str(item, "bylines", name)))
    return tuple(out)


def _subjects(value: Any, name: object) -> tuple[Subject, ...]:
    out = []
    for item in _items(value, "subjects", name):
        subject = (_record(Subject, item, "subjects", ("name", "code", "scheme"), name) if isinstance(item, dict)
                   else Subject(_str(item, "subjects", name)))
        if subject.code and subject.code.startswith("medtop:") and subject.scheme is None:
            subject = replace(subject, scheme=MEDIATOPIC_SCHEME)
        out.append(subject)
    return tuple(out)


def _related(value: Any, name: object) -> tuple[Related, ...]:
    return tuple(_record(Related, item, "related", ("title", "url"), name) if isinstance(item, dict)
                 else Related(_str(item, "related", name)) for item in _items(value, "related", name))


def _source(value: Any, name: object) -> Source:
    if isinstance(value, dict):
        return _record(Source, value, "source", ("name", "url"), name)  # type: ignore[no-any-return]
    return Source(_str(value, "source", name))


def _keywords(value: Any, name: object) -> tuple[str, ...]:
    return tuple(_str(k, "keywords", name) for k in _items(value, "keywords", name))


def _images(value: Any, name: object) -> tuple[ImageRef, ...]:
    out = []
    for item in _items(value, "images", name):
        if isinstance(item, dict):
            out.append(_record(ImageRef, item, "images", ("src", "caption", "credit", "alt"), name))
        else:
            out.append(ImageRef(_str(item, "images", name)))
        if not out[-1].src:
            raise InputError("metadata 'images': every image needs a src", name)
    return tuple(out)


def parse_date(value: Any, key: str = "published", name: object = None) -> datetime:
    """A metadata date into an aware datetime.

    ``datetime`` values must carry an offset; a ``date`` (or a string with no
    time) is that day at 00:00 UTC; strings are read by ``dateutil``, and one
    that leaves out part of the date (``Dec. 16``) is refused rather than
    completed from the clock.
    """
    return parse_date_precision(value, key, name)[0]


def parse_date_precision(value: Any, key: str = "published", name: object = None) -> tuple[datetime, bool]:
    """:func:`parse_date`, and whether the value gave a time of day (False: known only to the day)."""
    if isinstance(value, datetime):
        parsed, has_time = value, True
    elif isinstance(value, date):
        parsed, has_time = datetime.combine(value, time()), False
    elif isinstance(value, str) and value.strip():
        parsed, has_time = _parse_date_text(value.strip(), key, name)
    else:
        raise InputError(f"metadata {key!r} must be a date or date-time", name)
    if not has_time:
        return parsed.replace(tzinfo=timezone.utc), False
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InputError(f"metadata {key!r} is a date-time without an offset ({value}); add one, e.g. +00:00", name)
    return parsed, True


def _parse_date_text(text: str, key: str, name: object) -> tuple[datetime, bool]:
    """Parse with two different defaults: what differs between them was not in the text."""
    from dateutil import parser as date_parser  # loaded with the first date given as text, not with every story

    try:
        first = date_parser.parse(text, default=datetime(2001, 1, 1, 0, 0, 0))
        second = date_parser.parse(text, default=datetime(2002, 2, 2, 1, 1, 1))
    except (ValueError, OverflowError):
        raise InputError(f"metadata {key!r} is not a date: {text!r}", name) from None
    if first.date() != second.date():
        raise InputError(f"metadata {key!r} is not a complete date (year, month and day): {text!r}", name)
    return first, first.hour == second.hour


_SCALARS: dict[str, Callable[[Any, object], Any]] = {
    "bylines": _bylines,
    "subjects": _subjects,
    "related": _related,
    "source": _source,
    "keywords": _keywords,
    "images": _images,
}

_TEXT_KEYS = ("headline", "subheadline", "summary", "dateline", "rights")

#: Every key metadata may carry (``byline`` is accepted as a synonym of ``bylines``).
KNOWN_KEYS = frozenset(
    {"id", "slug", "published", "updated", "language", "url", *_TEXT_KEYS, *_SCALARS, "byline"}
)


def parse_metadata(data: Mapping[str, Any], name: object = None) -> Metadata:
    """Validate a metadata mapping into :class:`Metadata`; unknown keys and bad values raise InputError."""
    data = dict(data)
    if "byline" in data:
        if "bylines" in data:
            raise InputError("metadata has both 'byline' and 'bylines'; keep one", name)
        data["bylines"] = data.pop("byline")
    unknown = sorted(str(k) for k in data if k not in KNOWN_KEYS)
    if unknown:
        raise InputError(f"unknown metadata key(s): {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})", name)
    values: dict[str, Any] = {}
    day_only: set[str] = set()
    for key, value in data.items():
        if value is None:
            continue  # an explicit null means "not given"
        if key in _SCALARS:
            values[key] = _SCALARS[key](value, name)
        elif key in ("published", "updated"):
            values[key], has_time = parse_date_precision(value, key, name)
            if not has_time:
                day_only.add(key)
        elif key in _MODEL_CHECKED:
            values[key] = _checked_by_model(key, _str(value, key, name), name)
        elif key == "url":
            values[key] = _str(value, key, name)
            if not is_web_url(values[key]):
                raise InputError(f"metadata 'url' must be an http(s) URL, not {values[key]!r}", name)
        else:
            values[key] = _str(value, key, name)
    return Metadata(**values, given=frozenset(values), day_only=frozenset(day_only))


#: Keys whose rules the model owns: they are checked by building a throwaway story around the value,
#: so the rule is written once (in ``Story``) and metadata can never accept what the model refuses.
_MODEL_CHECKED = ("id", "slug", "language")
_PLACEHOLDER_STORY = Story(id="tag:syndicate.invalid,2026:check", slug="check", headline="check")


def _checked_by_model(key: str, value: str, name: object) -> str:
    """``value`` if the model accepts it as the story's ``key``, else InputError with the model's reason."""
    try:
        _PLACEHOLDER_STORY.replace(**{key: value})
    except ModelError as exc:
        raise InputError(f"metadata {key!r}: {exc.message}", name) from None
    return value


def resolve_image(src: str, source: InputFile) -> tuple[Image | None, str | None]:
    """Turn an ``images:`` entry into an :class:`Image`: ``(image or None, why it is missing)``.

    A URL stays a URL (media type from its extension, size unknown). A local
    path is taken relative to the input's folder; its media type and size come
    from the file's header (Pillow opens it lazily, no pixels decoded). A photo
    that cannot be used gives ``(None, reason)``, and the figure keeps its
    caption: nothing is invented, and one bad photo never loses the story. That
    is a missing or unreadable file, one that is not a regular file (a FIFO is
    never opened), and a refused one: another scheme than http(s) (``file:``,
    ``javascript:``…), an absolute path, or a path or symbolic link leading
    out of ``source.base`` (never read, so never published).
    """
    if is_web_url(src):
        return Image(src=src, media_type=media_type_for(src)), None
    refusal = _refusal(src, source)
    if refusal is not None:
        return None, f"image {src!r} was refused: {refusal}; the figure keeps its caption without a picture"
    return _image_from_file(_local_path(src, source), source)


def _scheme(src: str) -> str:
    """The URL scheme ``src`` names (``file``, ``javascript``…), or ``""``; a drive letter (``C:``) is no scheme."""
    try:
        scheme = urlsplit(src).scheme
    except ValueError:
        return "invalid"
    return scheme if len(scheme) > 1 else ""


def _refusal(src: str, source: InputFile) -> str | None:
    """Why a local photo path may not be read (None when it may): a scheme, an absolute or Windows path,
    or a path whose real location (symbolic links followed) is not inside ``source.base``."""
    if _scheme(src):
        return "only http(s) URLs or paths inside the input folder are allowed"
    if "\\" in src or "\x00" in src or src.startswith("/") or re.match(r"^[a-zA-Z]:", src):
        return "an absolute or Windows path (use a relative path with '/' inside the input folder)"
    candidate = _local_path(src, source)
    base = Path(os.path.abspath(source.base))
    if not _inside(candidate, base) or not _inside(Path(os.path.realpath(candidate)), Path(os.path.realpath(base))):
        return "it leads outside the input folder, so it was not read"
    return None


def _local_path(src: str, source: InputFile) -> Path:
    """The absolute path a relative photo path names: relative to the input's own folder."""
    folder = source.path.parent if source.path is not None else source.base
    return Path(os.path.abspath(folder / src))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return path != folder


def _image_from_file(path: Path, source: InputFile) -> tuple[Image | None, str | None]:
    from PIL import (
        Image as PILImage,  # imported here: only stories with local images pay for Pillow
    )

    rel = PurePosixPath(path.relative_to(os.path.abspath(source.base)).as_posix())
    kind = file_kind(path)
    if kind is None:
        return None, f"image file {rel} was not found; the figure keeps its caption without a picture"
    if kind != REGULAR:
        return None, (f"image file {rel} is not a regular file ({kind}); it was not opened, "
                      "and the figure keeps its caption")
    try:
        with open_regular(path) as handle, PILImage.open(handle) as picture:  # lazy: reads the header only
            media_type = PILImage.MIME.get(picture.format or "")
            width, height = picture.size
    except Exception as exc:  # Pillow raises many types for a broken file; any means "unreadable"
        return None, f"image file {rel} could not be read ({type(exc).__name__}); the figure keeps its caption"
    return Image(src=str(rel), media_type=media_type, width=width or None, height=height or None), None


def attach_images(body: Sequence[Any], refs: Sequence[ImageRef],
                  source: InputFile) -> tuple[list[Any], list[tuple[int, str, str]]]:
    """Give the body's figures the ``images:`` of metadata, in reading order.

    Image *n* goes to figure *n*; its caption, credit and alt (when given)
    win over the text's. Images beyond the last figure become new figures at
    the end of the body. Returns the new body and ``(block index, src, reason)``
    for every image that could not be found or read.
    """
    blocks = list(body)
    figure_slots = [i for i, b in enumerate(blocks) if isinstance(b, Figure)]
    missing: list[tuple[int, str, str]] = []
    for n, ref in enumerate(refs):
        image, why = resolve_image(ref.src, source)
        if n < len(figure_slots):
            index = figure_slots[n]
            old: Figure = blocks[index]
            blocks[index] = Figure(caption=ref.caption if ref.caption is not None else old.caption,
                                   credit=ref.credit if ref.credit is not None else old.credit,
                                   alt=ref.alt if ref.alt is not None else old.alt,
                                   image=image)
        else:
            index = len(blocks)
            caption = ref.caption or ""
            if not (caption or ref.credit or image):
                caption = ref.alt or PurePosixPath(ref.src).name  # keep the only thing we know about it
            blocks.append(Figure(caption=caption, credit=ref.credit, alt=ref.alt, image=image))
        if why is not None:
            missing.append((index, ref.src, why))
    return blocks, missing
