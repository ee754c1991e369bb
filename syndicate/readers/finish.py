"""The finishing step every reader goes through: metadata, fallbacks, ids, clean text, one Story.

A reader says only what its file says, as a :class:`Draft`; :func:`finish`
does the rest in one place for every input kind (as Pelican's
``Readers.read_file`` does), so a sidecar, ``metadata=`` and the fallbacks
behave the same for ``.txt``, ``.xml`` and ``.html``:

1. metadata is gathered (``metadata=`` > sidecar > front matter, see
   :mod:`syndicate.readers.metadata`) and wins, field by field, over the draft;
   the reader's guesses for a field metadata gives are dropped from ``inferred``;
2. ``images:`` attach to the body's figures in order;
3. fallbacks fill what neither gave, each recorded in ``inferred``: the
   headline (the lead's first sentence, shortened), the summary (the lead,
   shortened), the language (``en``), the id (the id prefix and the path
   under the input folder) and the slug (the same path);
4. terminal escape sequences (whole) and C0/C1 control characters are
   removed from every text (tab and line feed kept), so a story carrying
   them is kept, cleaned, never rejected for them (a block left empty by the
   cleaning is dropped);
5. dates outside :data:`EARLIEST` .. :data:`LATEST` are refused with one line;
6. ``Story.root`` is set to the input folder, so photos resolve from anywhere.

Usage from a reader::

    draft = Draft(body=blocks, headline=title, published=when)
    return finish(draft, source)            # source: the InputFile being read
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError, ModelError
from ..model import (
    Block,
    Byline,
    Figure,
    Heading,
    Inferred,
    ListBlock,
    Mark,
    Paragraph,
    Related,
    Source,
    Story,
    Subject,
)
from ..patterns import LazyPattern
from . import InputFile, default_id, default_slug, is_id_prefix, slugify
from .metadata import Metadata, attach_images, gather

__all__ = [
    "Draft",
    "EARLIEST",
    "HEADLINE_LIMIT",
    "LATEST",
    "SUMMARY_LIMIT",
    "TERMINAL_ESCAPE",
    "strip_terminal_escapes",
    "check_date",
    "finish",
    "lead_text",
    "sentences",
    "shorten",
    "strip_controls",
]

HEADLINE_LIMIT = 100
SUMMARY_LIMIT = 300

#: The dates every output can carry. ISO 8601 covers years from 1583 (the first full Gregorian year)
#: without prior agreement, and RFC 3339 (Atom, JSON Feed) four-digit years; a day is kept free at the
#: end so the date stays inside year 9999 in every timezone an exporter may show it in.
EARLIEST = datetime(1583, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9999, 12, 30, 23, 59, 59, tzinfo=timezone.utc)

# C0 and C1 controls and DEL; tab and line feed are text (preserved whitespace, list items).
_CONTROLS = LazyPattern(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A terminal escape sequence (ECMA-48) goes as a whole, not just its ESC: CSI (ESC [ or U+009B, then
# parameters, intermediates and a final byte; a space is not taken as an intermediate, so a stray
# U+009B before a word never eats the word), OSC (ESC ] up to BEL or ST; without its terminator only the
# introducer goes, so a stray U+009D never eats the text after it), or a two-character escape.
TERMINAL_ESCAPE = LazyPattern(r"(?:\x1b\[|\x9b)[0-?]*[!-/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]{0,256}(?:\x07|\x1b\\|\x9c)"
                             r"|\x1b[@-Z\\-_]")
_UNWANTED = LazyPattern(f"{TERMINAL_ESCAPE.pattern}|{_CONTROLS.pattern}")


@dataclass(eq=False, repr=False)
class Draft:
    """What a reader found in its file, before metadata and fallbacks: fill what the file says.

    A working record, filled in and then finished, never compared nor shown: it has no generated equality
    or ``repr``, which would cost every command that defines it and serve none.

    ``inferred`` holds the reader's own guesses (with reasons); ``id`` is the
    file's own id (used when it is a ``tag:``/``urn:`` URI, e.g. a NewsML
    guid) and ``slug`` the file's own slug text (a slugline, slugified here).
    ``date_only`` says the draft's dates are known only to the day.
    """

    body: list[Block] = field(default_factory=list)
    headline: str | None = None
    subheadline: str | None = None
    summary: str | None = None
    bylines: tuple[Byline, ...] = ()
    dateline: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    date_only: bool = False
    language: str | None = None
    url: str | None = None
    source: Source | None = None
    rights: str | None = None
    keywords: tuple[str, ...] = ()
    subjects: tuple[Subject, ...] = ()
    related: tuple[Related, ...] = ()
    id: str | None = None
    slug: str | None = None
    inferred: list[Inferred] = field(default_factory=list)


def read_with(make_draft: Callable[[InputFile], Draft], source: InputFile) -> Story:
    """A reader's whole read: its draft of ``source``, finished. An error raised deep in the reader,
    which does not know the file, is given the file's name; input nested past Python's recursion
    limit is refused in one line."""
    try:
        return finish(make_draft(source), source)
    except InputError as exc:
        if exc.path is None:
            raise InputError(exc.message, source.name) from None
        raise
    except RecursionError:
        raise InputError("nested too deep to read: refused", source.name) from None


def finish(draft: Draft, source: InputFile, *, front_matter: Mapping[str, Any] | None = None,
           meta: Metadata | None = None) -> Story:
    """The story of one input: metadata over the draft, then fallbacks, cleaned and validated.

    ``front_matter`` is the mapping a text reader split off the top of its
    file; a reader that needed the metadata while parsing passes the
    :class:`Metadata` it gathered as ``meta`` (then ``front_matter`` is not
    read again). Raises :class:`InputError` naming ``source`` for anything
    refused.
    """
    try:
        return _finish(draft, source, front_matter, meta)
    except ModelError as exc:
        raise InputError(f"cannot make a story of it: {exc.message}", source.name) from None


def _finish(draft: Draft, source: InputFile, front_matter: Mapping[str, Any] | None,
            meta: Metadata | None) -> Story:
    meta = strip_controls(meta if meta is not None else gather(source, front_matter))
    draft = strip_controls(draft)
    inferred = [i for i in draft.inferred if _field_of(i) not in meta.given]
    body, missing = attach_images(draft.body, meta.images, source)
    inferred.extend(Inferred(f"body[{index}].image", src, reason) for index, src, reason in missing)
    lead = lead_text(body)

    headline = meta.headline or draft.headline
    if not headline or not headline.strip():
        headline = _derived_headline(lead, draft, source)
        inferred.append(Inferred("headline", headline, "no headline in metadata or the file; "
                                 "the first sentence of the lead, shortened"))
    summary = meta.summary if meta.summary is not None else draft.summary
    if summary is None and lead:
        summary = shorten(lead, SUMMARY_LIMIT)
        inferred.append(Inferred("summary", summary, "no summary in metadata or the file; the lead paragraph"
                                 + (", shortened at a sentence or word" if summary != lead else "")))
    language = meta.language or draft.language
    if not language:
        language = "en"
        inferred.append(Inferred("language", "en", "no language in metadata or the file; the default"))
    published, updated, date_only = _dates(draft, meta, source)
    story_id, slug = _identity(draft, meta, source, headline, inferred)

    return Story(
        id=story_id, slug=slug, headline=headline, subheadline=_pick(meta, "subheadline", draft),
        summary=summary or "", bylines=meta.bylines if meta.bylines is not None else draft.bylines,
        dateline=_pick(meta, "dateline", draft), published=published, updated=updated, language=language,
        url=_pick(meta, "url", draft), source=_pick(meta, "source", draft), rights=_pick(meta, "rights", draft),
        keywords=meta.keywords if meta.keywords is not None else draft.keywords,
        subjects=meta.subjects if meta.subjects is not None else draft.subjects,
        body=tuple(body), related=_merge_related(meta.related or (), draft.related),
        inferred=tuple(sorted(inferred, key=_inferred_order)), date_only=date_only,
        root=_root_of(source),
    )


def _pick(meta: Metadata, name: str, draft: Draft) -> Any:
    """Metadata's value for ``name`` when it gives one, else the draft's."""
    value = getattr(meta, name)
    return value if value is not None else getattr(draft, name)


def _field_of(entry: Inferred) -> str:
    """The story field an inferred entry is about (``body[3].image`` -> ``body``)."""
    return re.split(r"[.\[]", entry.field, maxsplit=1)[0]


_FIELD_ORDER = {f.name: n for n, f in enumerate(fields(Story))}


def _inferred_order(entry: Inferred) -> int:
    """Inferred entries in the order of the story's fields (a stable sort keeps each field's own order)."""
    return _FIELD_ORDER.get(_field_of(entry), len(_FIELD_ORDER))


def _root_of(source: InputFile) -> str | None:
    """The absolute folder the story's local photo paths are relative to, for inputs read from a path."""
    if source.path is None and source.root is None:
        return None
    return os.path.abspath(source.base)


# ---------------------------------------------------------------- fallbacks


def _derived_headline(lead: str, draft: Draft, source: InputFile) -> str:
    text = lead or next((r.title for r in draft.related), "")
    if not text.strip():
        raise InputError("no headline, and no text to take one from", source.name)
    first = sentences(text)
    return shorten(first[0] if first else text, HEADLINE_LIMIT)


def _identity(draft: Draft, meta: Metadata, source: InputFile, headline: str,
              inferred: list[Inferred]) -> tuple[str, str]:
    """The story's id and slug: metadata's, else the file's own, else from its path (or headline)."""
    fallback = headline if source.path is None else "story"
    origin = "the file's path under the input folder" if source.path is not None else "the headline (no file name)"
    story_id = meta.id or (draft.id if draft.id and is_id_prefix(draft.id) else None)
    if story_id is None:
        story_id = default_id(source, fallback)
        inferred.append(Inferred("id", story_id, f"no id in metadata or the file; from {origin}"))
    slug = meta.slug or (slugify(draft.slug) if draft.slug and draft.slug.strip() else None)
    if slug is None:
        slug = default_slug(source, fallback)
        inferred.append(Inferred("slug", slug, f"no slug in metadata or the file; from {origin}"))
    return story_id, slug


def _merge_related(given: Sequence[Related], found: Sequence[Related]) -> tuple[Related, ...]:
    """Metadata's related links first, then the file's (those with a title metadata does not already give)."""
    titles = {r.title.casefold() for r in given}
    return tuple(given) + tuple(r for r in found if r.title.casefold() not in titles)


def lead_text(body: Sequence[Block]) -> str:
    """The lead paragraph's text, else the first text any block carries."""
    for block in body:
        if isinstance(block, Paragraph):
            return block.text
    for block in body:
        if isinstance(block, Heading):
            texts: Sequence[str] = (block.text,)
        elif isinstance(block, Figure):
            texts = (block.caption, block.credit or "")
        elif isinstance(block, ListBlock):
            texts = block.items
        else:
            texts = (block.text,)
        for text in texts:
            if text.strip():
                return text
    return ""


_ABBREVIATIONS = {"U.S", "U.K", "U.N", "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Gen", "Sen", "Rep", "Gov", "Lt",
                  "Col", "Sgt", "Capt", "Prof", "No", "vs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
                  "Sept", "Oct", "Nov", "Dec", "Inc", "Corp", "Co", "Ltd", "Ave", "Mt", "Ft", "a.m", "p.m"}
_SENTENCE_END = LazyPattern(r"[.!?][\"”’')]*(?=\s+[\"“‘'(]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Split prose into sentences, not after abbreviations (``U.S.``, ``Dec.``) or initials."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        word = text[start:match.start()].rsplit(" ", 1)[-1].lstrip("\"“‘'(")
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            continue
        out.append(text[start:match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    return out + ([rest] if rest else [])


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters: whole sentences if they fit, else at a word, with ``…``."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in sentences(text):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    cut = text[:limit - 1]
    cut = cut[:cut.rfind(" ")] if " " in cut[limit // 2:] else cut
    return cut.rstrip(" ,;:-–—") + "…"


# ---------------------------------------------------------------- dates


def _dates(draft: Draft, meta: Metadata, source: InputFile) -> tuple[datetime | None, datetime | None, bool]:
    """``published``, ``updated`` (metadata's, else the draft's), checked, and whether both are day-only."""
    chosen: dict[str, tuple[datetime | None, bool]] = {}
    for name in ("published", "updated"):
        if getattr(meta, name) is not None:
            chosen[name] = (getattr(meta, name), name in meta.day_only)
        else:
            chosen[name] = (getattr(draft, name), draft.date_only)
    known = [(value, day) for value, day in chosen.values() if value is not None]
    for name, (value, _) in chosen.items():
        if value is not None:
            check_date(value, name, source.name)
    return chosen["published"][0], chosen["updated"][0], bool(known) and all(day for _, day in known)


def check_date(value: datetime, name: str, where: object = None) -> datetime:
    """``value`` if every output format can carry it (:data:`EARLIEST` .. :data:`LATEST`), else InputError."""
    try:
        instant = value.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # 9999-12-31T23:59:59-12:00 is past the last instant Python has
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        raise InputError(f"{name} {value.isoformat()} is outside the dates every format can carry "
                         f"({EARLIEST.date().isoformat()} to {LATEST.date().isoformat()}, UTC)", where)
    return value


# ---------------------------------------------------------------- control characters


class _Dropped:
    """Marks a record the cleaning emptied (a paragraph that was only control characters)."""


_DROPPED = _Dropped()


def strip_controls(value: Any) -> Any:
    """``value`` with terminal escape sequences and C0/C1 control characters removed from every string
    inside it (tab and line feed kept).

    Works through strings, tuples, lists and dataclasses (blocks, bylines,
    metadata, a :class:`Draft`); a paragraph's marks move with its text. A
    record the cleaning leaves invalid (only controls) is dropped from its
    list. Returns ``value`` itself when nothing changed.
    """
    cleaned = _clean(value)
    return None if cleaned is _DROPPED else cleaned


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _UNWANTED.sub("", value) if _may_be_unwanted(value) else value
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple (metadata): a record, field by field
        record: Any = value
        return _clean_fields(record, record._fields, record._replace)
    if isinstance(value, (tuple, list)):
        items = [_clean(v) for v in value]
        if all(new is old for new, old in zip(items, value)):
            return value
        kept = [v for v in items if v is not _DROPPED]
        return tuple(kept) if isinstance(value, tuple) else kept
    if isinstance(value, Paragraph):
        return _clean_paragraph(value)
    if is_dataclass(value) and not isinstance(value, type):
        return _clean_fields(value, [f.name for f in fields(value) if f.init],
                             lambda **changes: replace(value, **changes))
    return value


def _clean_fields(record: Any, names: Sequence[str], rebuild: Callable[..., Any]) -> Any:
    """``record`` with its fields ``names`` cleaned, remade by ``rebuild(**changes)`` when any changed; a record
    the cleaning emptied (a source whose name was only controls) is refused by the model, and dropped."""
    changes = {name: _clean(getattr(record, name)) for name in names}
    changes = {k: (None if v is _DROPPED else v) for k, v in changes.items() if v is not getattr(record, k)}
    if not changes:
        return record
    try:
        return rebuild(**changes)
    except ModelError:
        return _DROPPED


def _may_be_unwanted(text: str) -> bool:
    """False when ``text`` certainly holds nothing :data:`_UNWANTED` removes: every such character (an escape
    sequence's introducer, a control) is a control character, which a printable string has none of. Most
    strings are printable, and are then never given to the pattern (nor is it compiled for them)."""
    return not text.isprintable()


def _has_unwanted(text: str) -> bool:
    """True when ``text`` holds an escape sequence or a control character to remove."""
    return _may_be_unwanted(text) and _UNWANTED.search(text) is not None


def strip_terminal_escapes(text: str) -> str:
    """``text`` without terminal escape sequences (:data:`TERMINAL_ESCAPE`); a text with none of their
    introducers (ESC, CSI, OSC) is returned as it is, without compiling the pattern."""
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        return TERMINAL_ESCAPE.sub("", text)
    return text


def _clean_paragraph(paragraph: Paragraph) -> Paragraph | _Dropped:
    """The paragraph without escape sequences and controls; each mark keeps covering the same characters."""
    if not _has_unwanted(paragraph.text) and not any(m.href and _has_unwanted(m.href) for m in paragraph.marks):
        return paragraph
    removed = bytearray(len(paragraph.text))
    for match in _UNWANTED.finditer(paragraph.text):
        removed[match.start():match.end()] = b"\x01" * (match.end() - match.start())
    kept_before = [0]  # kept_before[i]: how many kept characters precede position i
    for gone in removed:
        kept_before.append(kept_before[-1] + (0 if gone else 1))
    text = "".join(c for c, gone in zip(paragraph.text, removed) if not gone)
    marks = []
    for mark in paragraph.marks:
        start, end = kept_before[mark.start], kept_before[mark.end]
        if start < end:
            marks.append(Mark(start, end, mark.kind, _UNWANTED.sub("", mark.href) if mark.href else None))
    if not text.strip():
        return _DROPPED
    return Paragraph(text, tuple(marks))
