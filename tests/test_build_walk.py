"""One walk of the input folder per build: its table of stamps finds the stories and tells an unchanged
story's photos from changed ones, without a second walk or a ``stat`` of each photo; what the table cannot
know (a file changed after the walk, a photo that was missing, one behind a link) is still seen."""

from __future__ import annotations

import os
from pathlib import Path

from storygen import draw_image
import test_build_snapshot
from test_build_edit import build, files_of, fresh_build, make_input
from test_build_snapshot import write_story

from syndicate.build import BuildReport, snapshot_key
from syndicate.config import BuildSettings
from syndicate.discovery import scan
from syndicate.pipeline import FullBuild
from syndicate.snapshot import SNAPSHOT, input_digest, walk_input

#: the same autouse fixture: no config file where the builds run, their state folder the test's own
in_a_clean_folder = test_build_snapshot.in_a_clean_folder


def test_a_photo_changed_after_the_walk_is_seen_by_the_next_build(tmp_path: Path) -> None:
    """A build walks, then a photo changes before the check reads the walk's stamps: that build keeps the story
    (it saw the folder as it was), and its snapshot names the folder as it was, so the next build rebuilds it."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    build(src, out)
    write_story(src, 0, "The council met on Tuesday. Edited.")
    settings = BuildSettings.from_mapping({"input_dir": str(src), "output_dir": str(out), "jobs": 2,
                                           "title": "Gazette", "base_url": "https://news.example.com/"})
    walk = walk_input(src, skip=settings.state_dir)
    draw_image(src / "photos" / "p1.png", "PNG", (48, 32), 7)  # after the walk, before the check
    report = BuildReport()
    full = FullBuild(settings, report, False, walk)
    full.run()
    assert report.built == ["story-000.txt"]
    snapshot = full.snapshot(snapshot_key(settings), walk.digest)
    assert snapshot is not None
    snapshot.save(settings.state_folder() / SNAPSHOT)
    assert build(src, out).built == ["story-001.txt"]
    assert files_of(out) == fresh_build(tmp_path, src, "fresh")


def test_a_missing_photo_that_appears_rebuilds_its_story(tmp_path: Path) -> None:
    """A photo named but missing is in no walk's table: once it is there, its story is rebuilt."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    (src / "photos" / "p2.png").unlink()
    build(src, out)
    draw_image(src / "photos" / "p2.png", "PNG", (40, 30), 2)
    assert build(src, out).built == ["story-002.txt"]
    assert files_of(out) == fresh_build(tmp_path, src, "fresh")


def test_a_linked_photo_follows_what_it_leads_to(tmp_path: Path) -> None:
    """A photo that is a symbolic link counts with the stamps of its target: a new target rebuilds the story."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    (src / "photos" / "p1.png").replace(src / "photos" / "real.png")
    os.symlink("real.png", src / "photos" / "p1.png")
    build(src, out)
    draw_image(src / "photos" / "real.png", "PNG", (48, 32), 7)
    assert build(src, out).built == ["story-001.txt"]
    assert files_of(out) == fresh_build(tmp_path, src, "fresh")


def test_discovery_from_the_walk_keeps_the_walks_order_and_refusals(tmp_path: Path) -> None:
    """Stories come folder by folder in name order (``a/x`` before ``a-b``); hidden folders and files are not
    stories; a sidecar linked out of the folder refuses its story; a folder named like a sidecar is none."""
    src = tmp_path / "in"
    (src / "a").mkdir(parents=True)
    (src / ".hidden").mkdir()
    for rel in ("a-b.txt", "a/x.txt", "b.txt", ".hidden/c.txt", ".d.txt"):
        (src / rel).write_text("---\nheadline: A story\n---\nText.\n", encoding="utf-8")
    (tmp_path / "elsewhere.yaml").write_text("headline: Elsewhere\n", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere.yaml", src / "b.yaml")
    (src / "a-b.yaml").mkdir()
    found = scan(src, walk_input(src).files())
    assert [item.relpath for item in found.stories] == ["a/x.txt", "a-b.txt"]
    assert found.stories[1].sidecar_names == ()
    assert [(r.relpath, r.reason) for r in found.refused] == [
        ("b.txt", "its metadata file b.yaml: a symbolic link to a file outside the input folder; refused")]
    assert scan(src).stories == found.stories  # scan walks the folder itself when given no table


def test_the_walks_digest_is_the_snapshots(tmp_path: Path) -> None:
    """The walk's digest is the one a snapshot compares, and changes with any file's stamps."""
    src = tmp_path / "in"
    make_input(src)
    before = walk_input(src)
    assert before.digest == input_digest(src)
    assert set(before.files()) == {"story-000.txt", "story-001.txt", "story-002.txt",
                                 "photos/p0.png", "photos/p1.png", "photos/p2.png"}
    write_story(src, 1, "Another text, of another size.")
    assert walk_input(src).digest != before.digest
