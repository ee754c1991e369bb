"""The manifest: what the last build made, one typed entry per story input, so an unchanged story is skipped."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import atomic_writer

__all__ = ["Manifest", "Entry", "Stamps", "file_stats", "KEPT", "MANIFEST"]

MANIFEST = ".syndicate-manifest.json"
MANIFEST_FORMAT = 4  # a manifest of another format is ignored: everything is rebuilt
KEPT = "kept"  # the digest of a story kept on its last good files while its input is rejected

#: relpath -> [size, mtime_ns] of a file, or None when it is missing
Stamps = dict[str, list[int] | None]


@dataclass(frozen=True)
class Entry:
    """What one story input gave the last build: its id and slug, its files and the stamps of all it depends on."""

    digest: str  # of the input, its sidecars and the build's settings; KEPT for a story kept on its last good files
    id: str
    slug: str  # the slug this build gave it
    wanted_slug: str  # the slug the story asked for (a clash may have given it another)
    explicit_slug: bool  # its metadata chose the slug (it wins clashes over derived ones)
    date: str | None  # ISO 8601: its place in newest-first order without reading it
    outputs: list[str] = field(default_factory=list)  # files under the output folder
    stats: Stamps = field(default_factory=dict)  # of the outputs, as written
    published: list[str] = field(default_factory=list)  # its photos' published copies under images/
    images: Stamps = field(default_factory=dict)  # of the local photos it uses (or named and missed), under the input
    sources: Stamps = field(default_factory=dict)  # of the input and its sidecars: unchanged stamps, no reading
    cache: list[str] = field(default_factory=list)  # the image cache entries its photos use
    retry: bool = False  # a remote photo failed this time: the next build tries the story again

    @property
    def kept(self) -> bool:
        """True for a story kept on its last good files while its edited input is rejected."""
        return self.digest == KEPT

    def but(self, **changes: Any) -> Entry:
        """A copy with ``changes``."""
        return replace(self, **changes)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        """An entry as the manifest file stores it (a ValueError when its fields are not this record's).

        Filled in directly rather than through ``__init__``: a manifest holds one entry per story, and a
        build that changed nothing still loads them all."""
        if data.keys() != _FIELDS:
            raise ValueError("manifest entry of another shape")
        entry = cls.__new__(cls)
        entry.__dict__.update(data)
        return entry


_FIELDS = {f.name for f in fields(Entry)}


class Manifest:
    """What the last build made: per input, the digest of its dependencies, its slug and its files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stories: dict[str, Entry] = {}
        self.aggregates: list[str] = []  # the feeds and the edition it wrote
        self.fingerprint: str | None = None  # the settings and version it was made with
        self.edition_limit: int | None = None  # the stories its edition could hold (not in the fingerprint: the
        # stories' own files do not depend on it, only the edition)
        try:
            data = json.loads(path.read_bytes())
            if data.get("format") == MANIFEST_FORMAT:
                self.stories = {rel: Entry.from_json(e) for rel, e in data["stories"].items()}
                self.aggregates = list(data["aggregates"])
                self.fingerprint = data["fingerprint"]
                self.edition_limit = data.get("edition_limit")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no manifest, or an unreadable one: everything is rebuilt

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
             edition_limit: int | None = None) -> None:
        """Record this build (atomically, and last: a build killed before this point is simply redone).

        Compact JSON, so the C encoder writes it and the C decoder reads it back quickly; written entry by
        entry, so the build never holds the whole text (megabytes for an archive) besides the entries."""
        head = {"format": MANIFEST_FORMAT, "tool": __version__, "fingerprint": fingerprint,
                "aggregates": sorted(set(aggregates)), "edition_limit": edition_limit}
        with atomic_writer(self.path) as out:
            out.write(_compact(head)[:-1].encode() + b',"stories":{')
            for n, rel in enumerate(sorted(stories)):
                out.write(f"{',' if n else ''}{_compact(rel)}:{_compact(vars(stories[rel]))}".encode())
            out.write(b"}}\n")
        self.stories, self.aggregates, self.fingerprint = dict(stories), sorted(set(aggregates)), fingerprint
        self.edition_limit = edition_limit


#: one encoder for every entry (``json.dumps`` with options builds a new one per call)
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


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
