"""The manifest: what the last build made, one typed entry per story input, so an unchanged story is skipped."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

from . import __version__
from .atomic import atomic_writer

__all__ = ["Manifest", "Entry", "EntryFiles", "SpilledRecord", "Stamps", "compact_json", "file_stats", "KEPT", "MANIFEST"]

MANIFEST = ".syndicate-manifest.json"
MANIFEST_FORMAT = 5  # a manifest of another format is ignored: everything is rebuilt
_ONE_OBJECT_FORMAT = 4  # the format before, one JSON object: still read, so an upgrade keeps its files
KEPT = "kept"  # the digest of a story kept on its last good files while its input is rejected

#: relpath -> [size, mtime_ns] of a file, or None when it is missing
Stamps = dict[str, list[int] | None]


class EntryFiles(NamedTuple):
    """An entry's file lists and stamps, decoded from the entry's compact record when the build needs them."""

    outputs: list[str]  # files under the output folder
    stats: Stamps  # of the outputs, as written
    published: list[str]  # its photos' published copies under images/
    images: Stamps  # of the local photos it uses (or named and missed), under the input folder
    sources: Stamps  # of the input and its sidecars: unchanged stamps, no reading
    cache: list[str]  # the image cache entries its photos use


@dataclass(frozen=True, slots=True)
class SpilledRecord:
    """An entry's record written to a file the build keeps open while it runs (its log of staged stories),
    read back when needed: a build of thousands of new stories then holds a few numbers for each."""

    file: IO[bytes]
    offset: int
    size: int

    def read(self) -> bytes:
        self.file.seek(self.offset)
        return self.file.read(self.size)


class Entry:
    """What one story input gave the last build: its id and slug, its files and the stamps of all it depends on.

    A build holds one per story (the manifest's, and its own), so an entry is kept small: the fields the
    build reads of every story (digest, id, slugs, date, retry) are attributes, and the file lists and
    stamps (most of its size) stay one compact JSON record, decoded when asked for (:meth:`files`) and
    written to the manifest as they are. Immutable: :meth:`but` makes a changed copy.
    """

    __slots__ = ("digest", "id", "slug", "wanted_slug", "explicit_slug", "date", "retry", "record", "read_as")

    digest: str  # of the input, its sidecars and the build's settings; KEPT for a story kept on its last good files
    id: str
    slug: str  # the slug this build gave it
    wanted_slug: str  # the slug the story asked for (a clash may have given it another)
    explicit_slug: bool  # its metadata chose the slug (it wins clashes over derived ones)
    date: str | None  # ISO 8601: its place in newest-first order without reading it
    retry: bool  # a remote photo failed this time: the next build tries the story again
    record: bytes | SpilledRecord  # its EntryFiles, as compact JSON (or where they are)
    read_as: bytes | None  # its small fields as the manifest line it was read from held them (None: made here)

    def __init__(self, digest: str, id: str, slug: str, wanted_slug: str, explicit_slug: bool,  # noqa: A002
                 date: str | None, *, outputs: Iterable[str] = (), stats: Stamps | None = None,
                 published: Iterable[str] = (), images: Stamps | None = None, sources: Stamps | None = None,
                 cache: Iterable[str] = (), retry: bool = False) -> None:
        files = EntryFiles(list(outputs), stats or {}, list(published), images or {}, sources or {}, list(cache))
        self._fill(digest, id, slug, wanted_slug, explicit_slug, date, retry, _encoded(files), None)

    def _fill(self, *values: Any) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"an Entry is immutable: use but({name}=…)")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"Entry({', '.join(f'{name}={getattr(self, name)!r}' for name in _SMALL)}, {self.files()!r})"

    def _values(self) -> tuple[Any, ...]:
        return (*(getattr(self, name) for name in _SMALL), self.record_bytes())

    def record_bytes(self) -> bytes:
        """Its record: the file lists and stamps, as compact JSON."""
        return self.record if isinstance(self.record, bytes) else self.record.read()

    def spilled(self, spill: Callable[[bytes], SpilledRecord]) -> Entry:
        """The same entry with its record handed to ``spill`` (written to a file), kept as where it is."""
        copy = Entry.__new__(Entry)
        copy._fill(*(getattr(self, name) for name in _SMALL), spill(self.record_bytes()), self.read_as)
        return copy

    def files(self) -> EntryFiles:
        """Its file lists and stamps (decoded afresh at each call: take them once for several fields)."""
        return EntryFiles(*json.loads(self.record_bytes()))

    @property
    def outputs(self) -> list[str]:
        return self.files().outputs

    @property
    def stats(self) -> Stamps:
        return self.files().stats

    @property
    def published(self) -> list[str]:
        return self.files().published

    @property
    def images(self) -> Stamps:
        return self.files().images

    @property
    def sources(self) -> Stamps:
        return self.files().sources

    @property
    def cache(self) -> list[str]:
        return self.files().cache

    @property
    def kept(self) -> bool:
        """True for a story kept on its last good files while its edited input is rejected."""
        return self.digest == KEPT

    def but(self, **changes: Any) -> Entry:
        """A copy with ``changes`` (to any field, the file lists and stamps included)."""
        small = [changes.pop(name, getattr(self, name)) for name in _SMALL]
        record = _encoded(self.files()._replace(**changes)) if changes else self.record
        copy = Entry.__new__(Entry)
        same_small = all(type(value) is type(old) and value == old  # True is no 1 to the encoder
                         for value, old in zip(small, (getattr(self, name) for name in _SMALL)))
        copy._fill(*small, record, self.read_as if same_small else None)
        return copy

    def line(self, relpath: str) -> bytes:
        """The entry as the manifest file stores it: one line, its small fields then its record (an entry read
        from a manifest line and kept as it was is written as it was read, not encoded again)."""
        small = self.read_as
        if small is None or not small.startswith(b"[" + _json_string(relpath).encode() + b","):
            small = compact_json([relpath, *(getattr(self, name) for name in _SMALL)]).encode()
        return small + b"\t" + self.record_bytes() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> tuple[str, Entry]:
        """(relpath, entry) from a line of the manifest file (a ValueError when it is not one).

        Only the small fields are decoded: a manifest holds one line per story, and a build that changed
        one story decodes the file lists of each only to compare their stamps."""
        small, tab, record = line.partition(b"\t")
        values = json.loads(small)
        if not (tab and isinstance(values, list) and len(values) == len(_SMALL) + 1 and isinstance(values[0], str)
                and record.startswith(b"[") and record.endswith(b"]")):
            raise ValueError("manifest entry of another shape")
        entry = cls.__new__(cls)
        entry._fill(*values[1:], record, small)
        return values[0], entry


#: the fields of an entry besides its record, in the order a manifest line holds them
_SMALL = Entry.__slots__[:-2]


def _encoded(files: EntryFiles) -> bytes:
    return compact_json(list(files)).encode()


class Manifest:
    """What the last build made: per input, the digest of its dependencies, its slug and its files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stories: dict[str, Entry] = {}
        self.aggregates: list[str] = []  # the feeds and the edition it wrote
        self.fingerprint: str | None = None  # the settings and version it was made with
        self.edition_limit: int | None = None  # the stories its edition could hold (not in the fingerprint: the
        # stories' own files do not depend on it, only the edition)
        self.aggregate_notices: list[str] | None = None  # what its feeds and edition warned of (None: unknown)
        try:
            data = path.read_bytes()
            end = data.find(b"\n")
            head = json.loads(data if end == -1 else data[:end])
            if head.get("format") in (MANIFEST_FORMAT, _ONE_OBJECT_FORMAT):
                self.stories = dict(_entries(data) if head["format"] == MANIFEST_FORMAT else _old_entries(head))
                self.aggregates = list(head["aggregates"])
                self.fingerprint = head["fingerprint"]
                self.edition_limit = head.get("edition_limit")
                self.aggregate_notices = head.get("notices")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.stories = {}  # no manifest, or an unreadable one: everything is rebuilt

    def same_stories(self, stories: Mapping[str, Entry]) -> bool:
        """True when ``stories`` are the very entries loaded (a build that kept every entry as it was)."""
        return stories.keys() == self.stories.keys() and all(
            stories[rel] is entry or stories[rel] == entry for rel, entry in self.stories.items())

    def files(self) -> set[str]:
        """Every file under the output folder the last build wrote: the only files a build may delete."""
        return set(self.aggregates) | {rel for e in self.stories.values() for rel in (*e.outputs, *e.published)}

    def cache_files(self) -> set[str]:
        """The image cache entries the last build's stories use."""
        return {name for e in self.stories.values() for name in e.cache}

    def save(self, fingerprint: str, stories: Mapping[str, Entry], aggregates: Iterable[str],
             edition_limit: int | None = None, notices: list[str] | None = None) -> None:
        """Record this build (atomically, and last: a build killed before this point is simply redone).

        A line of JSON for the build, then one line per story (:meth:`Entry.line`), written entry by entry:
        the build never holds the whole text (megabytes for an archive) besides the entries, and an entry
        kept from the last build is written as it was read, never decoded."""
        head = {"format": MANIFEST_FORMAT, "tool": __version__, "fingerprint": fingerprint,
                "aggregates": sorted(set(aggregates)), "edition_limit": edition_limit, "notices": notices}
        with atomic_writer(self.path) as out:
            out.write(compact_json(head).encode() + b"\n")
            for rel in sorted(stories):
                out.write(stories[rel].line(rel))
        self.stories, self.aggregates, self.fingerprint = dict(stories), sorted(set(aggregates)), fingerprint
        self.edition_limit, self.aggregate_notices = edition_limit, notices


def _entries(data: bytes) -> Iterator[tuple[str, Entry]]:
    """The (relpath, entry) of every line of a manifest file after its first, one line at a time (the file's
    text is never split into a list of lines)."""
    start = data.find(b"\n") + 1
    while start < len(data):
        end = data.find(b"\n", start)
        if end == -1:
            raise ValueError("manifest cut short")  # every line ends with one: a torn file is not trusted
        yield Entry.from_line(data[start:end])
        start = end + 1


def _old_entries(data: dict[str, Any]) -> Iterator[tuple[str, Entry]]:
    """The (relpath, entry) of a manifest of the format before (one JSON object, every entry a dict)."""
    for rel, fields in data["stories"].items():
        small = [fields.pop(name) for name in _SMALL]
        if not isinstance(rel, str) or fields.keys() != set(EntryFiles._fields):
            raise ValueError("manifest entry of another shape")
        yield rel, Entry(*small[:6], retry=small[6], **fields)


#: compact JSON, with one encoder for every record the build keeps (``json.dumps`` with options builds a new
#: one per call): manifest entries, staged stories' records, a story's stamps
compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: a string as ``compact_json`` writes it (the relpath opening a manifest line)
_json_string = json.encoder.encode_basestring


def file_stats(folder: Path, rels: Iterable[str]) -> Stamps:
    """Size and modification time of files under ``folder`` (None for a missing one): the stamps a build
    compares to tell a changed photo or a damaged output from an untouched one."""
    stats: Stamps = {}
    base = os.fspath(folder) + os.sep  # plain strings: a no-op build stats every output, so this is hot
    for rel in rels:
        try:
            st = os.stat(base + rel)
            stats[rel] = [st.st_size, st.st_mtime_ns]
        except OSError:
            stats[rel] = None
    return stats
