"""The manifest's entries: small fields as attributes, file lists and stamps as one record, written back as
read, and equal whether their record is held in memory or spilled to a file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from syndicate.manifest import Entry, Manifest, SpilledRecord


def an_entry(**changes: object) -> Entry:
    entry = Entry("d" * 64, "tag:x,2026:a", "a", "a", False, "2026-02-01T08:00:00+01:00",
                  outputs=["stories/a.json", "epub/a.epub"], stats={"stories/a.json": [10, 1], "epub/a.epub": [20, 2]},
                  published=["images/p-0123456789.jpg"], images={"photos/p.jpg": [5, 3]},
                  sources={"a.txt": [7, 4]}, cache=["normalised/ab", "published/cd"], retry=False)
    return entry.but(**changes) if changes else entry


def test_an_entry_is_written_and_read_back_as_it_was(tmp_path: Path) -> None:
    entries = {"a.txt": an_entry(), "sub/b\tc.txt": an_entry(id="tag:x,2026:b", slug="b", sources={"x": None})}
    manifest = Manifest(tmp_path / "m.json")
    manifest.save("fp", entries, ["rss.xml"], 50)
    again = Manifest(tmp_path / "m.json")
    assert again.stories == entries and again.fingerprint == "fp" and again.aggregates == ["rss.xml"]
    assert again.stories["sub/b\tc.txt"].files().sources == {"x": None}
    assert again.stories["a.txt"].line("a.txt") == entries["a.txt"].line("a.txt")


def test_changing_a_file_list_changes_the_record_only_then() -> None:
    entry = an_entry()
    assert entry.but(slug="b").record is entry.record and entry.but(slug="b").slug == "b"
    moved = entry.but(outputs=["stories/b.json"])
    assert moved.outputs == ["stories/b.json"] and moved.stats == entry.stats and moved != entry
    with pytest.raises(AttributeError):
        entry.slug = "c"  # type: ignore[misc]


def test_a_spilled_record_reads_back_the_same_entry() -> None:
    entry = an_entry()
    with tempfile.TemporaryFile() as store:
        def spill(record: bytes) -> SpilledRecord:
            store.write(b"something before")
            offset = store.tell()
            store.write(record)
            return SpilledRecord(store, offset, len(record))

        spilled = entry.spilled(spill)
        assert not isinstance(spilled.record, bytes)
        assert spilled == entry and spilled.files() == entry.files() and spilled.line("a") == entry.line("a")


def test_an_entry_kept_as_read_is_written_as_read_and_a_changed_one_afresh(tmp_path: Path) -> None:
    """A manifest line's small fields are written back as the bytes read (here spaced as no build writes them,
    so a line encoded again would differ), unless the entry changed or is filed under another relpath."""
    path = tmp_path / "manifest.json"
    head = b'{"format":5,"fingerprint":"f","aggregates":[]}\n'
    record = b'[["a.json"],{},[],{},{},[]]'
    path.write_bytes(head + b'["a.txt", "d", "id", "a", "a", false, null, false]\t' + record + b"\n")
    entry = Manifest(path).stories["a.txt"]
    assert entry.line("a.txt") == b'["a.txt", "d", "id", "a", "a", false, null, false]\t' + record + b"\n"
    assert entry.but(sources={"a.txt": [1, 2]}).line("a.txt").startswith(b'["a.txt", "d",')
    assert entry.but(slug="b").line("a.txt").startswith(b'["a.txt","d","id","b","a",false,null,false]\t')
    assert entry.but(retry=0).line("a.txt").endswith(b',null,0]\t' + record + b"\n")
    assert entry.line("b.txt").startswith(b'["b.txt","d","id","a","a",false,null,false]\t')
    manifest = Manifest(path)
    manifest.save("f", manifest.stories, [])
    assert path.read_bytes().endswith(b'\n["a.txt", "d", "id", "a", "a", false, null, false]\t' + record + b"\n")
