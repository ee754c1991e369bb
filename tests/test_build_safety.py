"""The build is safe to point at a real web folder: it deletes only what it wrote, keeps its state out of
the published folder, changes nothing when nothing changed, and stops cleanly on Ctrl-C (issue 11)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT
from test_build import children_of, in_a_clean_folder, run_cli, running, write_story  # noqa: F401 (fixture)

import syndicate

INPUT = ROOT / "input"


def tree(folder: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every file and folder under ``folder`` (hidden ones too) with its bytes and modification time."""
    found: dict[str, tuple[bytes | None, int]] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        found[rel] = (path.read_bytes() if path.is_file() else None, path.stat().st_mtime_ns)
    return found


def test_building_a_folder_into_itself_is_refused_and_loses_nothing(tmp_path: Path) -> None:
    shutil.copytree(INPUT, tmp_path / "s")
    before = tree(tmp_path / "s")
    for output in ("s", "s/out"):
        done = run_cli("build", "s", output, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "input" in lines[0] and "Traceback" not in done.stderr
    assert tree(tmp_path / "s") == before  # the original photos are all there, untouched


def test_a_web_folder_keeps_every_file_the_build_did_not_write(tmp_path: Path) -> None:
    web = tmp_path / "w"
    theirs = {"images/logo.png": b"\x89PNG logo", "stories/about.html": b"<p>about us</p>",
              "epub/guide.epub": b"PK guide", "newsml/feed.xml": b"<x/>", "index.html": b"<p>home</p>"}
    for rel, data in theirs.items():
        (web / rel).parent.mkdir(parents=True, exist_ok=True)
        (web / rel).write_bytes(data)
    shutil.copytree(INPUT, tmp_path / "in")
    for _ in range(2):
        done = run_cli("build", "in", "w", "--base-url", "https://news.example.com/", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "removed 0" in done.stderr
        assert {rel: (web / rel).read_bytes() for rel in theirs} == theirs
    assert (web / "epub" / "harbour-reopens.epub").is_file() and list((web / "images").glob("first-ferry-*.jpg"))
    # removing a story removes its files, and still nobody else's
    (tmp_path / "in" / "harbour-reopens.txt").unlink()
    done = run_cli("build", "in", "w", "--base-url", "https://news.example.com/", cwd=tmp_path)
    assert done.returncode == 0 and "removed 1" in done.stderr, done.stderr
    assert not (web / "epub" / "harbour-reopens.epub").exists() and not list((web / "images").glob("first-ferry-*"))
    assert {rel: (web / rel).read_bytes() for rel in theirs} == theirs


def test_a_second_build_changes_no_byte_or_time_and_output_holds_no_state(tmp_path: Path) -> None:
    shutil.copytree(INPUT, tmp_path / "in")
    first = run_cli("build", "in", "out", "--base-url", "https://news.example.com/", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = tree(tmp_path / "out")
    assert not [rel for rel in before if any(part.startswith(".") for part in rel.split("/"))]  # no lock, manifest…
    time.sleep(0.05)  # so any rewrite would show in a modification time
    second = run_cli("build", "in", "out", "--base-url", "https://news.example.com/", cwd=tmp_path)
    assert second.returncode == 0 and "nothing to do" in second.stderr, second.stderr
    assert tree(tmp_path / "out") == before
    state = tmp_path / ".syndicate"  # the default state folder: in the current folder when there is no config
    names = {p.name for p in state.rglob("*")}
    assert {".syndicate.lock", ".syndicate-manifest.json"} <= names


def test_the_output_folder_itself_keeps_its_time_on_a_no_op_build(tmp_path: Path) -> None:
    shutil.copytree(INPUT, tmp_path / "in")
    syndicate.build(tmp_path / "in", tmp_path / "out", jobs=1, state_dir=str(tmp_path / "state"))
    stamp = os.stat(tmp_path / "out").st_mtime_ns
    time.sleep(0.05)
    report = syndicate.build(tmp_path / "in", tmp_path / "out", jobs=1, state_dir=str(tmp_path / "state"))
    assert report.written == [] and report.deleted == [] and os.stat(tmp_path / "out").st_mtime_ns == stamp


def test_state_folder_is_beside_the_config_file_or_where_state_dir_says(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(INPUT, site / "in")
    (site / "syndicate.toml").write_text('base_url = "https://news.example.com/"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = run_cli("build", site / "in", site / "out", "--config", site / "syndicate.toml", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert list((site / ".syndicate").rglob(".syndicate-manifest.json")) and not list(elsewhere.iterdir())
    done = run_cli("build", site / "in", site / "out2", "--state-dir", tmp_path / "st", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "st").rglob(".syndicate-manifest.json"))
    inside = run_cli("build", site / "in", site / "out2", "--state-dir", site / "out2" / "st", cwd=elsewhere)
    assert inside.returncode == 2 and "state folder" in inside.stderr


def test_base_url_without_a_scheme_and_a_bad_id_prefix_exit_2(tmp_path: Path) -> None:
    shutil.copytree(INPUT, tmp_path / "in")
    for option in (["--base-url", "news.example.com"], ["--feed-url", "ftp://news.example.com/rss.xml"],
                   ["--id-prefix", "news.example.com"]):
        done = run_cli("build", "in", "out", *option, cwd=tmp_path)
        assert done.returncode == 2 and option[1] in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_id_prefix_from_the_config_or_derived_from_base_url(tmp_path: Path) -> None:
    shutil.copytree(INPUT, tmp_path / "in")
    syndicate.build(tmp_path / "in", tmp_path / "a", jobs=1, id_prefix="tag:gazette.example,2024:")
    syndicate.build(tmp_path / "in", tmp_path / "b", jobs=1, base_url="https://news.example.com/")
    a = syndicate.Story.from_json((tmp_path / "a" / "stories" / "aleppo-evacuation.json").read_bytes())
    b = syndicate.Story.from_json((tmp_path / "b" / "stories" / "aleppo-evacuation.json").read_bytes())
    assert a.id == "tag:gazette.example,2024:aleppo-evacuation"
    assert b.id.startswith("tag:news.example.com,") and b.id.endswith(":aleppo-evacuation")


def test_the_image_cache_is_pruned_to_the_photos_still_used(tmp_path: Path) -> None:
    shutil.copytree(INPUT, tmp_path / "in")
    state = tmp_path / "state"
    options = {"jobs": 1, "state_dir": str(state), "image_max_size": 100}  # small: every photo is re-encoded
    syndicate.build(tmp_path / "in", tmp_path / "out", **options)
    assert len(list(state.rglob("normalised/*"))) == 3  # the three photos of harbour-reopens
    (tmp_path / "in" / "harbour-reopens.txt").unlink()
    syndicate.build(tmp_path / "in", tmp_path / "out", **options)
    assert not list(state.rglob("normalised/*"))


def test_ctrl_c_exits_130_releases_the_lock_and_stops_the_workers(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(300):
        write_story(src, i)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "syndicate", "build", str(src), str(out), "--jobs", "2"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while not list((out / "stories").glob(".*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.02)  # interrupt it mid-export
    workers = children_of(proc.pid)
    assert workers
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole foreground group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    deadline = time.monotonic() + 10
    while [pid for pid in workers if running(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if running(pid)]
    assert not list(out.rglob("*.tmp"))  # its staged files are gone
    done = run_cli("build", src, out, "--jobs", "2", cwd=tmp_path)  # no --wait: the lock is free
    assert done.returncode == 0, done.stderr


def test_a_file_the_build_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    write_story(src, 1)
    write_story(src, 2)
    (tmp_path / "out" / "stories").mkdir(parents=True)
    (tmp_path / "out" / "stories" / "story-002.json").write_bytes(b"the site's own page")
    done = run_cli("build", src, tmp_path / "out", "--jobs", "1", cwd=tmp_path)
    assert done.returncode == 1 and "story-002.txt" in done.stderr and "did not write" in done.stderr, done.stderr
    assert (tmp_path / "out" / "stories" / "story-002.json").read_bytes() == b"the site's own page"
    assert (tmp_path / "out" / "stories" / "story-001.json").is_file()
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "rss.xml").write_text("<rss>the site's own feed</rss>")
    done = run_cli("build", src, tmp_path / "site", "--jobs", "1", "--base-url", "https://news.example.com/",
                   cwd=tmp_path)
    assert done.returncode == 2 and "rss.xml" in done.stderr and "not written" in done.stderr, done.stderr
    assert [p.name for p in (tmp_path / "site").iterdir()] == ["rss.xml"]  # nothing published at all
    assert (tmp_path / "site" / "rss.xml").read_text() == "<rss>the site's own feed</rss>"


def test_a_lost_state_folder_costs_a_rebuild_not_the_outputs(tmp_path: Path) -> None:
    shutil.copytree(INPUT, tmp_path / "in")
    first = run_cli("build", "in", "out", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = tree(tmp_path / "out")
    shutil.rmtree(tmp_path / ".syndicate")
    again = run_cli("build", "in", "out", cwd=tmp_path)  # identical bytes are taken as the build's own
    assert again.returncode == 0, again.stderr
    assert tree(tmp_path / "out") == before


def test_an_output_folder_of_an_older_version_is_taken_over(tmp_path: Path) -> None:
    """Upgrading: the old manifest in output/ says which files were the build's; its state leaves output/."""
    src = tmp_path / "in"
    src.mkdir()
    write_story(src, 1)
    out = tmp_path / "out"
    (out / "stories").mkdir(parents=True)
    (out / "stories" / "story-001.json").write_text("{}")  # as an older version wrote it
    (out / "stories" / "gone.json").write_text("{}")  # a story removed since
    (out / ".syndicate-manifest.json").write_text(json.dumps({"format": 3, "stories": {
        "story-001.txt": {"outputs": ["stories/story-001.json"], "published": []},
        "gone.txt": {"outputs": ["stories/gone.json"], "published": []}}, "images": []}))
    (out / ".syndicate-cache").mkdir()
    (out / ".syndicate.lock").write_text("")
    report = syndicate.build(src, out, jobs=1)
    assert report.exit_code == 0 and "stories/gone.json" in report.deleted
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_without_a_feed_name_or_site_address_no_feed_is_published_with_placeholders(tmp_path: Path) -> None:
    """A config that names nothing: the feeds are not written (one line each, naming what to set), the
    stories and the edition are; a second run is a no-op; once the config names the site, the feeds come."""
    shutil.copytree(INPUT, tmp_path / "in")
    first = run_cli("build", "in", "out", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    skipped = [line for line in first.stderr.splitlines() if "not written" in line]
    assert skipped == [
        "syndicate: warning: atom.xml not written: a feed needs a name: set --title or the config key title (or base_url)",
        "syndicate: warning: feed.json not written: a feed needs a name: set --title or the config key title (or base_url)",
        "syndicate: warning: rss.xml not written: a feed needs a name: set --title or the config key title (or base_url)",
    ], first.stderr
    out = tmp_path / "out"
    assert not any((out / name).exists() for name in ("rss.xml", "atom.xml", "feed.json"))
    assert (out / "edition.epub").is_file() and len(list((out / "epub").iterdir())) == 2
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".xml", ".json"):
            assert b"Untitled" not in path.read_bytes() and b">syndicate<" not in path.read_bytes(), path
    second = run_cli("build", "in", "out", cwd=tmp_path)
    assert second.returncode == 0 and "nothing to do" in second.stderr, second.stderr
    titled = run_cli("build", "in", "out", "--title", "Harbour Gazette", cwd=tmp_path)
    assert "rss.xml not written: RSS needs the site's address" in titled.stderr, titled.stderr
    assert (out / "atom.xml").is_file() and (out / "feed.json").is_file() and not (out / "rss.xml").exists()
    complete = run_cli("build", "in", "out", "--title", "Harbour Gazette", "--base-url", "https://news.example.com/",
                       cwd=tmp_path)
    assert complete.returncode == 0 and "not written" not in complete.stderr, complete.stderr
    assert b"<title>Harbour Gazette</title>" in (out / "rss.xml").read_bytes()
