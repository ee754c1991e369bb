"""A build with nothing to do stops at the snapshot; any change to the inputs, the settings or the output
folders still runs the full build.

The fast path is told apart from the full one by what it does not do: it never reads the manifest. So
these tests damage the manifest after a build: a build that reads it would rebuild every story, a build
that stops at the snapshot rebuilds none, and a change must bring the full build back (which then, with
no usable manifest, rebuilds everything and still publishes the same bytes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from storygen import draw_image

import syndicate
from syndicate.atomic import Batch
from syndicate.build import JOURNAL
from syndicate.config import BuildSettings
from syndicate.manifest import MANIFEST
from syndicate.snapshot import SNAPSHOT

STORIES = ["story-000.txt", "story-001.txt", "story-002.txt"]


@pytest.fixture(autouse=True)
def in_a_clean_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No config file where the builds run; their state folder is the test's own."""
    monkeypatch.chdir(tmp_path)


def write_story(folder: Path, i: int, text: str = "The council met on Tuesday.") -> Path:
    path = folder / f"story-{i:03d}.txt"
    path.write_text(f"---\nheadline: Harbour plan, part {i}\npublished: 2026-02-0{1 + i}T08:00:00+01:00\n"
                    f"images: [photos/p{i}.png]\n---\n{text}\n\nResidents packed the hall.\n", encoding="utf-8")
    return path


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """Three stories with a photo each, built once; the input and output folders."""
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "photos").mkdir(parents=True)
    for i in range(3):
        write_story(src, i)
        draw_image(src / "photos" / f"p{i}.png", "PNG", (40, 30), i)
    assert build(src, out).built == STORIES
    return src, out


def build(src: Path, out: Path, **options: object) -> syndicate.BuildReport:
    return syndicate.build(src, out, jobs=1, title="Gazette", base_url="https://news.example.com/", **options)


def state_of(out: Path) -> Path:
    return BuildSettings(output_dir=out).state_folder()


def damage_manifest(out: Path) -> None:
    """Make the manifest unusable: only a build that reads it notices (and rebuilds everything)."""
    (state_of(out) / MANIFEST).write_text("not a manifest", encoding="utf-8")


def published(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def test_a_build_with_nothing_to_do_reads_no_manifest_and_touches_nothing(built: tuple[Path, Path]) -> None:
    src, out = built
    before = mtimes(out)
    damage_manifest(out)
    report = build(src, out)
    assert (report.built, report.unchanged, report.written, report.deleted) == ([], STORIES, [], [])
    assert "nothing to do" in report.summary()
    assert mtimes(out) == before
    assert (state_of(out) / MANIFEST).read_text(encoding="utf-8") == "not a manifest"  # not read, not rewritten


def test_verify_reads_the_manifest_and_checks_every_output(built: tuple[Path, Path]) -> None:
    src, out = built
    damage_manifest(out)
    assert build(src, out, verify=True).built == STORIES


def same_size_edit(src: Path, out: Path) -> list[str]:
    # the same number of bytes: only the modification time tells (as for rsync's quick check)
    path = src / "story-001.txt"
    size = path.stat().st_size
    path.write_text(path.read_text(encoding="utf-8").replace("Tuesday", "Thursay"), encoding="utf-8")
    assert path.stat().st_size == size
    return ["story-001.txt"]


def edited_story(src: Path, out: Path) -> list[str]:
    write_story(src, 1, "The council met on Wednesday instead.")
    return ["story-001.txt"]


def new_sidecar(src: Path, out: Path) -> list[str]:
    (src / "story-002.yaml").write_text("keywords: [harbour]\n", encoding="utf-8")
    return ["story-002.txt"]


def replaced_photo(src: Path, out: Path) -> list[str]:
    draw_image(src / "photos" / "p0.png", "PNG", (40, 30), 99)
    return ["story-000.txt"]


def new_story(src: Path, out: Path) -> list[str]:
    write_story(src, 3)
    draw_image(src / "photos" / "p3.png", "PNG", (40, 30), 3)
    return ["story-003.txt"]


def deleted_story(src: Path, out: Path) -> list[str]:
    (src / "story-002.txt").unlink()
    return []


def new_file_in_a_hidden_folder(src: Path, out: Path) -> list[str]:
    # any file counts (a photo may live anywhere under the input folder): the full build runs, finds no story
    (src / ".drafts").mkdir()
    (src / ".drafts" / "note.txt").write_text("draft\n", encoding="utf-8")
    return []


@pytest.mark.parametrize("change", [same_size_edit, edited_story, new_sidecar, replaced_photo, new_story,
                                    deleted_story, new_file_in_a_hidden_folder])
def test_every_input_change_runs_the_full_build(built: tuple[Path, Path], tmp_path: Path, change) -> None:
    src, out = built
    assert build(src, out).built == []
    expected = change(src, out)
    report = build(src, out)
    assert report.built == expected
    assert report.removed == ([] if change is not deleted_story else ["story-002.txt"])
    assert build(src, out).built == []  # and the next one has nothing to do again
    assert published(out) == published(build_fresh(src, tmp_path))


def build_fresh(src: Path, tmp_path: Path) -> Path:
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    assert not build(src, fresh).rejected
    return fresh


def test_new_settings_or_a_new_version_run_the_full_build(built: tuple[Path, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    src, out = built
    edition = (out / "edition.epub").read_bytes()
    smaller = build(src, out, edition_limit=2)  # the edition's size shapes the edition only
    assert smaller.built == [] and smaller.written == ["edition.epub"]
    assert len((out / "edition.epub").read_bytes()) < len(edition)
    assert build(src, out, edition_limit=2).written == []
    version = syndicate.config.__version__
    monkeypatch.setattr("syndicate.config.__version__", "999.0")
    assert build(src, out, edition_limit=2).built == STORIES
    assert syndicate.build(src, out, jobs=1, title="Gazette", edition_limit=2).built == STORIES  # no base URL
    monkeypatch.setattr("syndicate.config.__version__", version)
    assert build(src, out).built == STORIES
    assert (out / "edition.epub").read_bytes() == edition


@pytest.mark.parametrize("how", ["deleted", "renamed over", "folder removed"])
def test_an_output_file_replaced_or_removed_is_rebuilt(built: tuple[Path, Path], tmp_path: Path, how: str) -> None:
    src, out = built
    target = out / "ninjs" / "story-001.json"
    assert target.is_file()
    if how == "deleted":
        target.unlink()
    elif how == "renamed over":  # how editors and rsync replace a file: the folder's time moves
        (tmp := target.with_name(".edit")).write_text("{}", encoding="utf-8")
        os.replace(tmp, target)
    else:
        shutil.rmtree(out / "ninjs")  # every story had a file in it
    assert build(src, out).built == (STORIES if how == "folder removed" else ["story-001.txt"])
    assert published(out) == published(build_fresh(src, tmp_path))


def test_a_killed_builds_temporaries_are_removed_even_when_nothing_changed(built: tuple[Path, Path]) -> None:
    src, out = built
    batch = Batch(out, state_of(out) / JOURNAL)  # what a build killed after staging a file leaves
    batch.stage("stories/story-000.json", b"half")
    batch.close()
    temporaries = [p for p in (out / "stories").iterdir() if p.name.startswith(".")]
    assert temporaries
    assert build(src, out).built == []
    assert not [p for p in (out / "stories").iterdir() if p.name.startswith(".")]
    assert not (state_of(out) / JOURNAL).exists()


def test_a_rejected_input_is_named_by_every_build(built: tuple[Path, Path]) -> None:
    src, out = built
    (src / "broken.txt").write_bytes(b"")
    for _ in range(2):
        report = build(src, out)
        assert [Path(p).name for p, _ in report.rejected] == ["broken.txt"] and report.exit_code == 1
    assert not (state_of(out) / SNAPSHOT).exists()


def test_a_state_folder_inside_the_input_folder_does_not_count_as_a_change(built: tuple[Path, Path]) -> None:
    src, out = built
    state = src / ".state"
    assert build(src, out, state_dir=str(state)).built == STORIES  # a new state folder: a full build
    manifest = BuildSettings(output_dir=out, state_dir=state).state_folder() / MANIFEST
    manifest.write_text("not a manifest", encoding="utf-8")  # only a build that reads it would notice
    assert build(src, out, state_dir=str(state)).built == []


def test_the_command_line_takes_verify(built: tuple[Path, Path], tmp_path: Path) -> None:
    src, out = built
    (out / "stories" / "story-002.json").write_text("{}", encoding="utf-8")  # damaged in place
    command = [sys.executable, "-m", "syndicate", "build", str(src), str(out), "--jobs", "1", "--title", "Gazette",
               "--base-url", "https://news.example.com/"]
    plain = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=120)
    assert plain.returncode == 0 and "built 0, unchanged 3" in plain.stderr, plain.stderr
    checked = subprocess.run([*command, "--verify"], capture_output=True, text=True, cwd=tmp_path, check=False,
                             timeout=120)
    assert checked.returncode == 0 and "built 1, unchanged 2" in checked.stderr, checked.stderr
    assert published(out) == published(build_fresh(src, tmp_path))
