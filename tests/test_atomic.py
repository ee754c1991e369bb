"""Batch.stage_stream: a file written as it is made (the edition), with the guarantees of Batch.stage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from syndicate.atomic import Batch, recover, same_file


def batch_in(tmp_path: Path) -> tuple[Batch, Path, Path]:
    root, journal = tmp_path / "out", tmp_path / "state" / "journal"
    root.mkdir()
    return Batch(root, journal), root, journal


def temporaries(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(".*"))


def test_a_streamed_file_is_published_on_commit_only(tmp_path: Path) -> None:
    batch, root, _ = batch_in(tmp_path)
    (root / "edition.epub").write_bytes(b"old")
    with batch.stage_stream("edition.epub") as out:
        for part in (b"new ", b"edition"):
            out.write(part)
    assert batch.is_staged("edition.epub")
    assert (root / "edition.epub").read_bytes() == b"old"  # nothing published before the commit
    assert batch.commit() == ["edition.epub"]
    assert (root / "edition.epub").read_bytes() == b"new edition" and temporaries(root) == []


def test_a_streamed_file_identical_to_the_published_one_is_dropped_and_keeps_its_time(tmp_path: Path) -> None:
    batch, root, _ = batch_in(tmp_path)
    (root / "edition.epub").write_bytes(b"same bytes")
    before = (root / "edition.epub").stat().st_mtime_ns
    with batch.stage_stream("edition.epub") as out:
        out.write(b"same bytes")
    assert not batch.is_staged("edition.epub") and temporaries(root) == []
    assert batch.commit() == []
    assert (root / "edition.epub").stat().st_mtime_ns == before


def test_a_stream_that_fails_leaves_nothing_staged(tmp_path: Path) -> None:
    batch, root, _ = batch_in(tmp_path)
    with pytest.raises(RuntimeError), batch.stage_stream("books/edition.epub") as out:
        out.write(b"half a book")
        raise RuntimeError("the exporter failed")
    assert not batch.is_staged("books/edition.epub") and temporaries(root) == []
    batch.abandon()
    assert not (root / "books").exists()  # the folder made for it goes too


def test_same_file_compares_bytes_not_names_or_times(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"x" * 3_000_000)
    b.write_bytes(b"x" * 2_999_999 + b"y")
    assert not same_file(a, b)
    b.write_bytes(b"x" * 3_000_000)
    assert same_file(a, b)
    assert not same_file(tmp_path, b) and not same_file(tmp_path / "missing", b)


STREAMER = """
import sys, time
from pathlib import Path
from syndicate.atomic import Batch
batch = Batch(Path(sys.argv[1]), Path(sys.argv[2]))
with batch.stage_stream("edition.epub") as out:
    out.write(b"part of a book")
    out.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def test_a_build_killed_while_streaming_leaves_the_old_file_and_a_temporary_the_journal_names(tmp_path: Path) -> None:
    _, root, journal = batch_in(tmp_path)
    (root / "edition.epub").write_bytes(b"old")
    child = subprocess.Popen([sys.executable, "-c", STREAMER, str(root), str(journal)], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline() == b"writing\n"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert (root / "edition.epub").read_bytes() == b"old" and len(temporaries(root)) == 1
    assert recover(root, journal) == {"edition.epub"}
    assert temporaries(root) == [] and (root / "edition.epub").read_bytes() == b"old"
