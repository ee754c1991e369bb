"""The story model: the one normalised shape every reader produces and every exporter reads.

Everything here is a frozen dataclass built from tuples, so a ``Story`` is
immutable and hashable all the way down. ``Story.to_json()`` and
``Story.from_json()`` convert losslessly to and from the JSON of
``syndicate parse`` (DESIGN.md section 2); ``from_dict`` validates, so a story
that breaks the model is refused with a :class:`ModelError` naming the field.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections.abc import Callable, Iterable
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace
from datetime import datetime
from operator import attrgetter
from typing import Any, ClassVar, Literal, TypeVar, Union, dataclass_transform

from .errors import ModelError

__all__ = [
    "Mark",
    "Byline",
    "Source",
    "Subject",
    "Related",
    "Inferred",
    "Image",
    "Paragraph",
    "Heading",
    "Figure",
    "Quote",
    "ListBlock",
    "Block",
    "Story",
    "BLOCK_TYPES",
    "SLUG_RE",
    "MarkKind",
    "newest_first",
    "age_key",
    "plain_text",
]

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MarkKind = Literal["link", "emphasis", "strong"]
MARK_KINDS: tuple[MarkKind, ...] = ("link", "emphasis", "strong")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ModelError(message)


def _text(value: Any, name: str, *, empty: bool = True) -> str:
    _require(isinstance(value, str), f"{name} must be a string, not {type(value).__name__}")
    _require(empty or bool(value.strip()), f"{name} must not be empty")
    return value


def _opt_text(value: Any, name: str) -> str | None:
    return None if value is None else _text(value, name)


def _opt_int(value: Any, name: str) -> int | None:
    _require(value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0),
             f"{name} must be a positive integer or null")
    return value  # type: ignore[no-any-return]


def _mapping(value: Any, name: str) -> dict[str, Any]:
    _require(isinstance(value, dict), f"{name} must be an object")
    return value  # type: ignore[no-any-return]


def _sequence(value: Any, name: str) -> list[Any]:
    _require(isinstance(value, (list, tuple)), f"{name} must be a list")
    return list(value)


def _no_extra(data: dict[str, Any], allowed: set[str], name: str) -> None:
    extra = sorted(set(data) - allowed)
    _require(not extra, f"{name} has unknown field(s): {', '.join(extra)}")


class FrozenValue:
    """What the model's frozen dataclasses (and the package's other frozen settings records) share, written once
    for all of them: equality, hashing, ``repr`` and frozenness.

    Each class is declared with :func:`value_class`. ``dataclasses`` compiles each method it generates from
    source when the class is defined, which every command pays at start-up, so only ``__init__`` is generated
    and the methods that read the same way in every class are these. They behave as the generated ones:
    equal when of the same class with equal compared fields, the hash of those fields as a tuple,
    ``Name(field=value, ...)`` over the fields shown in a ``repr``, and
    :class:`~dataclasses.FrozenInstanceError` on assigning or deleting an attribute once ``__init__`` has
    set the fields.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            compared = _compared(self.__class__)
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(_compared(self.__class__)(self))

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)  # type: ignore[arg-type]
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        # the generated __init__ sets each field once; anything else is an assignment to a frozen value
        if name in self.__dict__ or name not in self.__dataclass_fields__:  # type: ignore[attr-defined]
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


_Value = TypeVar("_Value", bound=FrozenValue)


@dataclass_transform(eq_default=False, frozen_default=True, field_specifiers=(field,))
def value_class(cls: type[_Value]) -> type[_Value]:
    """Make ``cls`` (a :class:`FrozenValue`) a frozen dataclass: a dataclass to ``dataclasses`` (``fields``,
    ``replace``, ``asdict``) and to type checkers, frozen by :class:`FrozenValue`, with a generated ``__init__``."""
    return dataclass(eq=False, repr=False)(cls)


#: each model class's compared fields as a tuple (what :class:`FrozenValue` compares and hashes), made on first use
_COMPARED: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _compared(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """The function giving an instance of ``cls`` its compared fields' values as a tuple, as a generated
    ``__eq__`` and ``__hash__`` would (fields with ``compare=False`` left out)."""
    getter = _COMPARED.get(cls)
    if getter is None:
        names = [f.name for f in fields(cls) if f.compare]  # type: ignore[arg-type]
        if len(names) == 1:  # attrgetter of one name gives the value itself, not a 1-tuple
            name = names[0]
            getter = _COMPARED[cls] = lambda obj: (getattr(obj, name),)
        else:
            getter = _COMPARED[cls] = attrgetter(*names) if names else (lambda obj: ())
    return getter


class _Record(FrozenValue):
    """Shared to/from-dict plumbing for the small value records."""

    REQUIRED: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Any, name: str = "") -> Any:
        name = name or cls.__name__.lower()
        data = _mapping(data, name)
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        _no_extra(data, names, name)
        missing = [n for n in cls.REQUIRED if n not in data]
        _require(not missing, f"{name} is missing {', '.join(missing)}")
        return cls(**data)


@value_class
class Mark(_Record):
    """An inline mark over ``text[start:end]`` of a paragraph: a link or emphasis."""

    start: int
    end: int
    kind: MarkKind
    href: str | None = None

    REQUIRED: ClassVar[tuple[str, ...]] = ("start", "end", "kind")

    def __post_init__(self) -> None:
        _require(isinstance(self.start, int) and isinstance(self.end, int) and 0 <= self.start < self.end,
                 f"mark range {self.start}..{self.end} is not a non-empty range")
        _require(self.kind in MARK_KINDS, f"mark kind must be one of {', '.join(MARK_KINDS)}, not {self.kind!r}")
        _require((self.kind == "link") == (self.href is not None), "a link mark needs an href; only links have one")
        _opt_text(self.href, "mark href")


@value_class
class Byline(_Record):
    """One author credit: ``By NAME, ROLE``."""

    name: str
    role: str | None = None
    email: str | None = None
    url: str | None = None

    REQUIRED: ClassVar[tuple[str, ...]] = ("name",)

    def __post_init__(self) -> None:
        _text(self.name, "byline name", empty=False)
        for f in ("role", "email", "url"):
            _opt_text(getattr(self, f), f"byline {f}")


@value_class
class Source(_Record):
    """The publisher or provider of a story."""

    name: str
    url: str | None = None

    REQUIRED: ClassVar[tuple[str, ...]] = ("name",)

    def __post_init__(self) -> None:
        _text(self.name, "source name", empty=False)
        _opt_text(self.url, "source url")


@value_class
class Subject(_Record):
    """A subject, optionally coded in a scheme (e.g. an IPTC Media Topic ``medtop:11000000``)."""

    name: str
    code: str | None = None
    scheme: str | None = None

    REQUIRED: ClassVar[tuple[str, ...]] = ("name",)

    def __post_init__(self) -> None:
        _text(self.name, "subject name", empty=False)
        _opt_text(self.code, "subject code")
        _opt_text(self.scheme, "subject scheme")


@value_class
class Related(_Record):
    """A related story or page (``Also see: …``)."""

    title: str
    url: str | None = None

    REQUIRED: ClassVar[tuple[str, ...]] = ("title",)

    def __post_init__(self) -> None:
        _text(self.title, "related title", empty=False)
        _opt_text(self.url, "related url")


@value_class
class Inferred(_Record):
    """A value the reader guessed rather than read, and why."""

    field: str
    value: str
    reason: str

    REQUIRED: ClassVar[tuple[str, ...]] = ("field", "value", "reason")

    def __post_init__(self) -> None:
        _text(self.field, "inferred field", empty=False)
        _text(self.value, "inferred value")
        _text(self.reason, "inferred reason", empty=False)


@value_class
class Image(_Record):
    """A photo's file: ``src`` is an http(s) URL or a path relative to the input folder."""

    src: str
    media_type: str | None = None
    width: int | None = None
    height: int | None = None

    REQUIRED: ClassVar[tuple[str, ...]] = ("src",)

    def __post_init__(self) -> None:
        _text(self.src, "image src", empty=False)
        _opt_text(self.media_type, "image media_type")
        _opt_int(self.width, "image width")
        _opt_int(self.height, "image height")

    @property
    def is_remote(self) -> bool:
        """True when ``src`` is an http(s) URL rather than a local file."""
        return self.src.lower().startswith(("http://", "https://"))


# ---------------------------------------------------------------- blocks


@value_class
class Paragraph(FrozenValue):
    """A paragraph of plain text, with the inline marks (links, emphasis) the source had."""

    text: str
    marks: tuple[Mark, ...] = ()
    type: ClassVar[str] = "paragraph"

    def __post_init__(self) -> None:
        _text(self.text, "paragraph text", empty=False)
        for mark in self.marks:
            _require(isinstance(mark, Mark), "paragraph marks must be Mark records")
            _require(mark.end <= len(self.text), f"mark {mark.start}..{mark.end} runs past the paragraph text")


@value_class
class Heading(FrozenValue):
    """A subheading inside the body; ``level`` 2–4 (the headline is level 1)."""

    text: str
    level: int = 2
    type: ClassVar[str] = "heading"

    def __post_init__(self) -> None:
        _text(self.text, "heading text", empty=False)
        _require(type(self.level) is int and self.level in (2, 3, 4), f"heading level must be 2, 3 or 4, not {self.level!r}")


@value_class
class Figure(FrozenValue):
    """A photo with its caption and credit; ``image`` is None when the picture itself is not available."""

    caption: str = ""
    credit: str | None = None
    alt: str | None = None
    image: Image | None = None
    type: ClassVar[str] = "figure"

    def __post_init__(self) -> None:
        _text(self.caption, "figure caption")
        _opt_text(self.credit, "figure credit")
        _opt_text(self.alt, "figure alt")
        _require(self.image is None or isinstance(self.image, Image), "figure image must be an Image or null")
        _require(bool(self.caption.strip() or self.credit or self.image),
                 "a figure needs a caption, a credit or an image")


@value_class
class Quote(FrozenValue):
    """A block quotation and who said it."""

    text: str
    attribution: str | None = None
    type: ClassVar[str] = "quote"

    def __post_init__(self) -> None:
        _text(self.text, "quote text", empty=False)
        _opt_text(self.attribution, "quote attribution")


@value_class
class ListBlock(FrozenValue):
    """A bulleted (``ordered=False``) or numbered list of plain-text items."""

    items: tuple[str, ...]
    ordered: bool = False
    start: int = 1  # the number of a numbered list's first item (a list continued after a paragraph)
    type: ClassVar[str] = "list"

    def __post_init__(self) -> None:
        _require(isinstance(self.items, tuple) and len(self.items) > 0, "a list needs at least one item")
        for item in self.items:
            _text(item, "list item", empty=False)
        _require(isinstance(self.ordered, bool), "list ordered must be true or false")
        _require(isinstance(self.start, int) and not isinstance(self.start, bool) and 0 <= self.start < 10**9,
                 "list start must be a whole number from 0")
        _require(self.ordered or self.start == 1, "only a numbered list has a start number")


Block = Union[Paragraph, Heading, Figure, Quote, ListBlock]
BLOCK_TYPES: dict[str, type] = {cls.type: cls for cls in (Paragraph, Heading, Figure, Quote, ListBlock)}


def block_to_dict(block: Block) -> dict[str, Any]:
    """The JSON object of one block, ``type`` first."""
    out: dict[str, Any] = {"type": block.type}
    for f in fields(block):
        value = getattr(block, f.name)
        if f.name == "marks":
            value = [m.to_dict() for m in value]
        elif f.name == "items":
            value = list(value)
        elif f.name == "image":
            value = value.to_dict() if value is not None else None
        elif f.name == "start" and value == 1:
            continue  # the usual start is left out, so lists that start at 1 read as they always have
        out[f.name] = value
    return out


def block_from_dict(data: Any, where: str = "block") -> Block:
    """Build and validate one block from its JSON object."""
    data = dict(_mapping(data, where))
    kind = data.pop("type", None)
    _require(kind in BLOCK_TYPES, f"{where} has unknown type {kind!r} (expected one of {', '.join(BLOCK_TYPES)})")
    cls = BLOCK_TYPES[kind]
    _no_extra(data, {f.name for f in fields(cls)}, f"{where} ({kind})")
    if "marks" in data:
        data["marks"] = tuple(Mark.from_dict(m, f"{where} mark") for m in _sequence(data["marks"], f"{where} marks"))
    if "items" in data:
        data["items"] = tuple(_sequence(data["items"], f"{where} items"))
    if data.get("image") is not None:
        data["image"] = Image.from_dict(data["image"], f"{where} image")
    try:
        return cls(**data)  # type: ignore[no-any-return]
    except TypeError as exc:  # a required field is missing
        raise ModelError(f"{where} ({kind}): {exc}") from None


# ---------------------------------------------------------------- story


def _aware(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ModelError(f"{name} is not an ISO 8601 date-time: {value!r}") from None
    _require(isinstance(value, datetime), f"{name} must be a date-time")
    _require(value.tzinfo is not None and value.utcoffset() is not None,
             f"{name} must be timezone-aware (it has no offset): {value.isoformat()}")
    return value


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


#: Story fields that are about where the story was read from, not the story: never in its JSON.
_NOT_IN_JSON = frozenset({"root"})

#: A story's language: a BCP 47 tag (``en``, ``pt-BR``, ``zh-Hant``), checked for shape only.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")

_LIST_FIELDS: dict[str, type] = {
    "bylines": Byline,
    "keywords": str,
    "subjects": Subject,
    "related": Related,
    "inferred": Inferred,
}


@value_class
class Story(FrozenValue):
    """One normalised news story (DESIGN.md section 2).

    Lists are tuples so the story is immutable; ``published``/``updated`` are
    always timezone-aware. Build one with keyword arguments, or from JSON with
    :meth:`from_json`; either way it is validated.
    """

    id: str
    slug: str
    headline: str
    subheadline: str | None = None
    summary: str = ""
    bylines: tuple[Byline, ...] = ()
    dateline: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str = "en"
    url: str | None = None
    source: Source | None = None
    rights: str | None = None
    keywords: tuple[str, ...] = ()
    subjects: tuple[Subject, ...] = ()
    body: tuple[Block, ...] = ()
    related: tuple[Related, ...] = ()
    inferred: tuple[Inferred, ...] = ()
    #: True when the dates are known only to the day (a bare date in metadata, or a date inferred with no
    #: time): human-readable dates then show no time. JSON key ``date_only``, written only when true.
    date_only: bool = False
    #: The absolute folder local image ``src`` paths are relative to (set by the readers for stories read
    #: from a path). Where the story came from is not what it says: never in its JSON, never compared,
    #: but it survives pickling (build workers) and :meth:`replace`.
    root: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        _text(self.id, "id", empty=False)
        _require(re.match(r"^(tag|urn):\S+$", self.id) is not None, f"id must be a tag: or urn: URI, not {self.id!r}")
        _text(self.slug, "slug")
        _require(SLUG_RE.match(self.slug) is not None, f"slug must be lowercase a-z0-9 and hyphens, not {self.slug!r}")
        _text(self.headline, "headline", empty=False)
        _opt_text(self.subheadline, "subheadline")
        _text(self.summary, "summary")
        _opt_text(self.dateline, "dateline")
        for name in ("published", "updated"):
            value = getattr(self, name)
            _require(value is None or isinstance(value, datetime),
                     f"{name} must be a datetime (Story.from_dict reads ISO 8601 text), not {type(value).__name__}")
            _aware(value, name)
        _text(self.language, "language", empty=False)
        _require(LANGUAGE_TAG.match(self.language) is not None,
                 f"language must be a BCP 47 tag, not {self.language!r}")
        _opt_text(self.url, "url")
        _opt_text(self.rights, "rights")
        _require(self.source is None or isinstance(self.source, Source), "source must be a Source or null")
        _require(isinstance(self.body, tuple), "body must be a tuple of blocks")
        for block in self.body:
            _require(type(block) in BLOCK_TYPES.values(), f"unknown block type {type(block).__name__}")
        for name, kind in _LIST_FIELDS.items():
            value = getattr(self, name)
            _require(isinstance(value, tuple), f"{name} must be a tuple")
            for item in value:
                _require(isinstance(item, kind), f"{name} must hold {kind.__name__} values")
        _require(isinstance(self.date_only, bool), "date_only must be true or false")
        _require(self.root is None or isinstance(self.root, str), "root must be a folder path or None")

    # -- convenience views the exporters share

    @property
    def figures(self) -> tuple[Figure, ...]:
        """The body's figures, in reading order."""
        return tuple(b for b in self.body if isinstance(b, Figure))

    @property
    def lead_image(self) -> Figure | None:
        """The first figure that has an image: the story's lead photo."""
        return next((f for f in self.figures if f.image is not None), None)

    @property
    def date(self) -> datetime | None:
        """The story's latest known date: ``updated``, else ``published``."""
        return self.updated or self.published

    def replace(self, **changes: Any) -> Story:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    # -- JSON

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``syndicate parse``, keys in the model's order."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in _NOT_IN_JSON or (f.name == "date_only" and not self.date_only):
                continue  # date_only is written only when true, so older story JSON stays byte-identical
            value = getattr(self, f.name)
            if f.name == "body":
                value = [block_to_dict(b) for b in value]
            elif f.name in ("published", "updated"):
                value = _iso(value)
            elif f.name == "source":
                value = value.to_dict() if value is not None else None
            elif f.name == "keywords":
                value = list(value)
            elif f.name in _LIST_FIELDS:
                value = [item.to_dict() for item in value]
            out[f.name] = value
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        """Serialise to JSON text (UTF-8 safe, stable key order, newline at the end)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> Story:
        """Build and validate a story from its JSON object; raises :class:`ModelError`."""
        data = dict(_mapping(data, "story"))
        _no_extra(data, {f.name for f in fields(cls)} - _NOT_IN_JSON, "story")
        for required in ("id", "slug", "headline"):
            _require(required in data, f"story is missing {required}")
        data["body"] = tuple(block_from_dict(b, f"body[{i}]") for i, b in enumerate(_sequence(data.get("body", []), "body")))
        for name in ("published", "updated"):
            data[name] = _aware(data.get(name), name)
        if data.get("source") is not None:
            data["source"] = Source.from_dict(data["source"], "source")
        for name, kind in _LIST_FIELDS.items():
            items = _sequence(data.get(name, []), name)
            if kind is str:
                data[name] = tuple(_text(k, f"{name} item", empty=False) for k in items)
            else:
                data[name] = tuple(kind.from_dict(item, f"{name} item") for item in items)  # type: ignore[attr-defined]
        try:
            return cls(**data)
        except TypeError as exc:
            raise ModelError(f"story: {exc}") from None

    @classmethod
    def from_json(cls, text: str | bytes) -> Story:
        """Parse JSON text made by :meth:`to_json`; raises :class:`ModelError` on bad JSON or a bad story."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ModelError(f"not valid JSON: {exc}") from None
        return cls.from_dict(data)


def age_key(date: datetime | None, story_id: str) -> tuple[bool, float, str]:
    """The sort key of :func:`newest_first`, from a story's date and id alone (a build orders its
    stories from its manifest without loading them)."""
    return (date is None, -date.timestamp() if date is not None else 0.0, story_id)


def newest_first(stories: Iterable[Story], limit: int | None = None) -> list[Story]:
    """Stories newest first by :attr:`Story.date`; equal dates by id; undated stories last, by id.

    Every feed, edition and build uses this one order, so it never depends on input order. With
    ``limit``, only the newest ``limit`` are kept, and never more than that many are held at once.
    """
    def key(story: Story) -> tuple[bool, float, str]:
        return age_key(story.date, story.id)

    if limit is None:
        return sorted(stories, key=key)
    import heapq  # here, not at the top: only feeds and editions keep the newest few, and reading a story needs none

    return heapq.nsmallest(limit, stories, key=key)


def plain_text(block: Block) -> list[str]:
    """Every piece of text a block carries (for summaries, search and "nothing lost" checks)."""
    if isinstance(block, (Paragraph, Heading)):
        return [block.text]
    if isinstance(block, Quote):
        return [block.text] + ([block.attribution] if block.attribution else [])
    if isinstance(block, ListBlock):
        return list(block.items)
    return [t for t in (block.caption, block.credit) if t]

