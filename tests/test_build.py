"""`syndicate build`: the whole layout, incremental, atomic under SIGKILL, locked, deterministic, forgiving."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from conftest import ROOT, published_photo
from storygen import draw_image

import syndicate
from syndicate.build import MANIFEST, BuildSettings, discover
from syndicate.errors import ConfigError

INPUT = ROOT / "input"
LAYOUT = ["rss.xml", "atom.xml", "feed.json", "edition.epub"]
SITE = ("--title", "Harbour Gazette", "--base-url", "https://news.example.com/")  # what the feeds need


@pytest.fixture(scope="module", autouse=True)
def sample_input(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The shipped stories, copied where no config file lies beside them: a build of the repository's own
    ``input/`` reads the repository's ``syndicate.toml`` (its project folder's) and keeps its state there."""
    global INPUT
    INPUT = tmp_path_factory.mktemp("sample") / "input"
    shutil.copytree(ROOT / "input", INPUT)


@pytest.fixture(autouse=True)
def in_a_clean_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds run where no config file lies (the repository ships one), and keep their state folder
    (``.syndicate/`` in the current folder) in the test's own temporary folder, for library and CLI alike."""
    monkeypatch.chdir(tmp_path)


def run_cli(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syndicate", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, check=False, timeout=300)


def write_story(folder: Path, i: int, *, edit: str = "") -> Path:
    """A realistic text story with YAML front matter."""
    path = folder / f"story-{i:03d}.txt"
    day = 1 + i % 28
    path.write_text(
        "---\n"
        f"headline: Council votes on harbour plan, part {i}{edit}\n"
        f"published: 2026-02-{day:02d}T{i % 24:02d}:15:00+01:00\n"
        "bylines: [Jane Doe]\n"
        "subjects: [{name: politics, code: 'medtop:11000000', scheme: 'http://cv.iptc.org/newscodes/mediatopic/'}]\n"
        "---\n"
        f"PORTSMOUTH, England — The council met on Tuesday to vote on plan number {i}{edit}.\n\n"
        "Residents packed the hall, and the debate ran past midnight.\n\n"
        "What comes next\n\n"
        f"“We will listen to everyone,” the mayor said of the {i}th proposal.\n",
        encoding="utf-8",
    )
    return path


def stories_in(tmp_path: Path, count: int) -> tuple[Path, Path]:
    """An input folder holding ``count`` written stories, and the output folder to build it into."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(count):
        write_story(src, i)
    return src, tmp_path / "out"


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every published file of an output folder by relative path.

    Hidden files are the build's bookkeeping (lock, manifest, cache) and the
    temporaries a killed build leaves; nobody publishes them, and the next run
    removes the temporaries (asserted below).
    """
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def mtimes(folder: Path) -> dict[str, int]:
    """Modification times of every file (the lock, which records each run's holder, is in the state folder)."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "output"
    done = run_cli("build", INPUT, out, "--base-url", "https://news.example.com/", "--jobs", "2", cwd=out.parent)
    assert done.returncode == 0, done.stderr
    return out


def test_build_writes_the_whole_layout_for_the_shipped_input(shipped_build: Path) -> None:
    stories = discover(INPUT)
    assert len(stories) >= 2
    for name in LAYOUT:
        assert (shipped_build / name).is_file(), name
    slugs = sorted(json.loads(p.read_text())["slug"] for p in (shipped_build / "stories").glob("*.json"))
    assert len(slugs) == len(stories)
    for slug in slugs:
        for rel in (f"newsml/{slug}.xml", f"ninjs/{slug}.json", f"epub/{slug}.epub", f"stories/{slug}.json"):
            assert (shipped_build / rel).is_file(), rel
    rss = feedparser.parse((shipped_build / "rss.xml").read_bytes())
    assert not rss.bozo and len(rss.entries) == len(stories)
    with zipfile.ZipFile(shipped_build / "edition.epub") as book:
        assert book.namelist()[0] == "mimetype"


def test_second_run_rewrites_nothing_and_says_so(shipped_build: Path) -> None:
    before = mtimes(shipped_build)
    done = run_cli("build", INPUT, shipped_build, "--base-url", "https://news.example.com/", cwd=shipped_build.parent)
    assert done.returncode == 0, done.stderr
    assert mtimes(shipped_build) == before
    assert "nothing to do" in done.stderr and f"unchanged {len(discover(INPUT))}" in done.stderr


def test_fresh_build_is_byte_identical_whatever_the_jobs_and_timezone(shipped_build: Path, tmp_path: Path) -> None:
    reference = snapshot(shipped_build)
    for jobs, tz in (("1", "Asia/Tokyo"), ("2", "UTC")):
        out = tmp_path / f"out-{jobs}"
        done = run_cli("build", INPUT, out, "--base-url", "https://news.example.com/", "--jobs", jobs, env={"TZ": tz})
        assert done.returncode == 0, done.stderr
        assert snapshot(out) == reference


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    done = run_cli("build", INPUT, tmp_path / "out", "--quiet", "--jobs", "1")
    assert done.returncode == 0 and done.stderr == "" and done.stdout == ""


def test_broken_input_is_named_and_the_good_ones_are_built(tmp_path: Path) -> None:
    src, _ = stories_in(tmp_path, 3)
    (src / "broken.txt").write_bytes(b"\x00\x01\x02\xff\xfe binary \x00" * 50)
    (src / "empty.txt").write_bytes(b"")
    done = run_cli("build", src, tmp_path / "out", "--jobs", "2")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 2
    assert any("broken.txt" in line for line in errors) and any("empty.txt" in line for line in errors)
    assert "Traceback" not in done.stderr
    assert len(list((tmp_path / "out" / "stories").glob("*.json"))) == 3


def test_every_input_rejected_still_exits_1(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_text("   \n")
    assert run_cli("build", src, tmp_path / "out").returncode == 1


def test_usage_problems_exit_2_with_one_line(tmp_path: Path) -> None:
    missing = run_cli("build", tmp_path / "nope", tmp_path / "out")
    assert missing.returncode == 2 and "input folder not found" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    (tmp_path / "syndicate.toml").write_text('title = "Daily"\ncolour = "red"\n')
    bad = run_cli("build", INPUT, tmp_path / "out", cwd=tmp_path)
    assert bad.returncode == 2 and "colour" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "syndicate.toml").write_text('title = [\n')
    broken = run_cli("build", INPUT, tmp_path / "out", cwd=tmp_path)
    assert broken.returncode == 2 and "syndicate.toml" in broken.stderr


def test_config_file_and_pyproject_are_read_and_the_command_line_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.syndicate]\ntitle = "From pyproject"\nlimit = 1\n'
                                             'base_url = "https://news.example.com/"\n')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        settings = BuildSettings.load(None, overrides={"limit": 5})
    finally:
        os.chdir(cwd)
    assert settings.export.title == "From pyproject" and settings.export.limit == 5
    with pytest.raises(ConfigError, match="limit must be int"):
        BuildSettings.from_mapping({"limit": "ten"})
    out = tmp_path / "out"
    done = run_cli("build", INPUT, out, "--title", "From the command line", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rss = feedparser.parse((out / "rss.xml").read_bytes())
    assert rss.feed.title == "From the command line" and len(rss.entries) == 1


def test_editing_one_input_rebuilds_only_that_story_and_what_contains_it(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 6)
    assert syndicate.build(src, out, jobs=2).exit_code == 0
    before = mtimes(out)
    time.sleep(0.01)
    write_story(src, 3, edit=" (amended)")
    report = syndicate.build(src, out, jobs=2)
    assert report.built == ["story-003.txt"]
    changed = {rel for rel, t in mtimes(out).items() if before.get(rel) != t}
    story_files = {"stories/story-003.json", "newsml/story-003.xml", "ninjs/story-003.json", "epub/story-003.epub"}
    assert story_files <= changed
    assert changed - story_files <= {"rss.xml", "atom.xml", "feed.json", "edition.epub", MANIFEST}
    assert "edition.epub" in changed
    fresh = tmp_path / "fresh"
    syndicate.build(src, fresh, jobs=1)
    assert snapshot(out) == snapshot(fresh)


def test_removed_input_loses_its_files_and_leaves_the_feeds(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 3)
    syndicate.build(src, out, jobs=1, title="Gazette")
    (src / "story-001.txt").unlink()
    report = syndicate.build(src, out, jobs=1, title="Gazette")
    assert report.removed == ["story-001.txt"]
    assert not (out / "stories" / "story-001.json").exists() and not (out / "epub" / "story-001.epub").exists()
    titles = [e.title for e in feedparser.parse((out / "atom.xml").read_bytes()).entries]
    assert len(titles) == 2 and not any("part 1" == t[-6:] for t in titles)


def test_slug_clash_is_resolved_deterministically_and_reported(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    for folder in ("a", "b"):
        (src / folder / "story.txt").write_text("---\nslug: same\nheadline: Same slug\n---\nA paragraph of text.\n")
    report = syndicate.build(src, out, jobs=1)
    assert sorted(p.name for p in (out / "stories").glob("*.json")) == ["same-2.json", "same.json"]
    assert any("same" in w and "taken" in w for w in report.warnings)
    assert json.loads((out / "stories" / "same.json").read_text())["id"].endswith("a/story")


def test_hidden_backup_and_sidecar_files_are_not_stories(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / ".git").mkdir(parents=True)
    write_story(src, 1)
    (src / "story-001.yaml").write_text("headline: From the sidecar\n")
    (src / ".hidden.txt").write_text("Hidden story.\n")
    (src / ".git" / "x.txt").write_text("Not a story.\n")
    (src / "story-002.txt~").write_text("Backup.\n")
    (src / "notes.txt.bak").write_text("Backup.\n")
    assert [s.relpath for s in discover(src)] == ["story-001.txt"]


def test_two_builds_at_once_one_waits_or_exits_2_and_the_output_is_whole(tmp_path: Path) -> None:
    src, _ = stories_in(tmp_path, 40)
    out = tmp_path / "out"
    procs = [subprocess.Popen([sys.executable, "-m", "syndicate", "build", str(src), str(out), "--jobs", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2])
    if codes == [0, 2]:
        assert any("locked by" in err and "pid" in err for _, err in results)
    reference = tmp_path / "ref"
    syndicate.build(src, reference, jobs=1)
    assert snapshot(out) == snapshot(reference)
    waited = subprocess.Popen([sys.executable, "-m", "syndicate", "build", str(src), str(tmp_path / "o2"), "--jobs", "1",
                               "--wait", "120"], stderr=subprocess.PIPE, text=True)
    second = run_cli("build", src, tmp_path / "o2", "--jobs", "1", "--wait", "120")
    assert waited.wait(timeout=300) == 0 and second.returncode == 0


def test_sigkill_at_random_moments_leaves_only_whole_files_and_the_next_run_repairs(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 200)
    old_ref, new_ref = tmp_path / "old", tmp_path / "new"
    assert syndicate.build(src, out, jobs=2).exit_code == 0  # its manifest (in the state folder) knows its files
    shutil.copytree(out, old_ref)
    for i in range(0, 200, 2):
        write_story(src, i, edit=" (revised)")
    (src / "story-199.txt").unlink()
    assert syndicate.build(src, new_ref, jobs=2).exit_code == 0
    old, new = snapshot(old_ref), snapshot(new_ref)
    rng = random.Random(7)
    started = time.monotonic()
    full = subprocess.run([sys.executable, "-m", "syndicate", "build", str(src), str(tmp_path / "timing"), "--jobs", "2"],
                          capture_output=True, check=True)
    duration = time.monotonic() - started
    assert full.returncode == 0
    for _ in range(20):
        proc = subprocess.Popen([sys.executable, "-m", "syndicate", "build", str(src), str(out), "--jobs", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.05, duration))
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its workers, all at once
        proc.wait()
        for rel, data in snapshot(out).items():
            assert data == old.get(rel) or data == new.get(rel), f"{rel} is neither the old nor the new file"
    assert run_cli("build", src, out, "--jobs", "2").returncode == 0
    assert snapshot(out) == new
    assert not [p for p in out.rglob("*.tmp")]


def test_a_killed_build_never_leaves_its_lock_held_by_orphaned_workers(tmp_path: Path) -> None:
    """Kill only the build process (as an OOM killer would): its workers must not keep the output locked."""
    src, out = stories_in(tmp_path, 120)
    proc = subprocess.Popen([sys.executable, "-m", "syndicate", "build", str(src), str(out), "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list((out / "stories").glob(".*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.02)  # kill it mid-export, once the workers' first stories are staged
    workers = children_of(proc.pid)
    assert workers, "a --jobs 2 build runs worker processes"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = run_cli("build", src, out, "--jobs", "2")  # no --wait: the lock must already be free
    assert done.returncode == 0, done.stderr
    # and the orphaned workers end by themselves (they would otherwise wait forever on their task queue)
    deadline = time.monotonic() + 10
    while [pid for pid in workers if running(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if running(pid)]
    reference = tmp_path / "ref"
    syndicate.build(src, reference, jobs=1)
    assert snapshot(out) == snapshot(reference)


def test_a_photo_added_later_rebuilds_its_story(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "photos").mkdir(parents=True)
    (src / "ferry.txt").write_text("---\nheadline: Ferry returns\nimages: [photos/ferry.jpg]\n---\n"
                                   "The ferry returned on Monday.\n\nThe ferry at the quay on Monday.\n"
                                   "The ferry at the quay on Monday. (Photo: Lena Moe/Gazette)\n", encoding="utf-8")
    syndicate.build(src, out, jobs=1)
    first = json.loads((out / "stories" / "ferry.json").read_text())
    assert [b["image"] for b in first["body"] if b["type"] == "figure"] == [None]
    assert syndicate.build(src, out, jobs=1).built == []
    draw_image(src / "photos" / "ferry.jpg", "JPEG", (320, 200), 3)
    assert syndicate.build(src, out, jobs=1).built == ["ferry.txt"]
    figure = next(b for b in json.loads((out / "stories" / "ferry.json").read_text())["body"] if b["type"] == "figure")
    assert figure["image"]["src"] == "photos/ferry.jpg" and len(list((out / "images").glob("ferry-*.jpg"))) == 1


def test_formats_option_builds_only_those_and_removes_the_rest(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 0)
    write_story(src, 1)
    syndicate.build(src, out, jobs=1)
    assert (out / "epub" / "story-001.epub").is_file() and (out / "edition.epub").is_file()
    syndicate.build(src, out, jobs=1, formats=["rss", "newsml"], base_url="https://news.example.com/")
    published = set(snapshot(out))
    assert published == {"rss.xml", "newsml/story-001.xml", "stories/story-001.json"}


def test_a_progress_bar_is_shown_on_a_terminal_only(tmp_path: Path) -> None:
    import pty

    src, _ = stories_in(tmp_path, 10)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "syndicate", "build", str(src), str(tmp_path / "tty"), "--jobs", "1"],
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the build is over
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=120) == 0
    os.close(leader)
    assert b"Building" in seen and b"100%" in seen
    piped = run_cli("build", src, tmp_path / "pipe", "--jobs", "1")
    assert "Building" not in piped.stderr and "built 10" in piped.stderr


def story_with_slug(folder: Path, name: str, slug: str | None, headline: str) -> None:
    meta = f"slug: {slug}\n" if slug else ""
    (folder / name).write_text(f"---\n{meta}headline: {headline}\npublished: 2026-02-01T10:00:00+00:00\n---\n"
                               f"{headline} happened on Sunday, officials said.\n", encoding="utf-8")


def test_slugs_handed_between_stories_keep_every_file(tmp_path: Path) -> None:
    """Swapping two slugs, or a clash winner disappearing, must leave each new owner's files in place."""
    src, out = stories_in(tmp_path, 0)
    story_with_slug(src, "a.txt", "p", "Alpha")
    story_with_slug(src, "b.txt", "q", "Bravo")
    syndicate.build(src, out, jobs=1)
    story_with_slug(src, "a.txt", "q", "Alpha")
    story_with_slug(src, "b.txt", "p", "Bravo")
    assert syndicate.build(src, out, jobs=1).exit_code == 0
    fresh = tmp_path / "fresh"
    syndicate.build(src, fresh, jobs=1)
    assert snapshot(out) == snapshot(fresh)
    assert json.loads((out / "stories" / "q.json").read_text())["headline"] == "Alpha"
    # a clash: x.txt holds "x", y.txt gets "x-2"; delete x.txt and y.txt keeps the "x-2" it published
    # (slugs are stable once published: readers' links to x-2 still lead to Yankee, none to x does)
    story_with_slug(src, "x.txt", "x", "Xray")
    story_with_slug(src, "y.txt", "x", "Yankee")
    syndicate.build(src, out, jobs=1)
    (src / "x.txt").unlink()
    report = syndicate.build(src, out, jobs=1)
    assert report.removed == ["x.txt"] and report.exit_code == 0
    assert json.loads((out / "stories" / "x-2.json").read_text())["headline"] == "Yankee"
    assert (out / "epub" / "x-2.epub").is_file() and not (out / "stories" / "x.json").exists()
    assert not (out / "epub" / "x.epub").exists()


def test_a_slug_chosen_in_metadata_wins_over_a_derived_one(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 0)
    story_with_slug(src, "harbour.txt", None, "Derived")  # slug "harbour" from the file name
    story_with_slug(src, "later.txt", "harbour", "Chosen")  # asks for "harbour" explicitly
    report = syndicate.build(src, out, jobs=1)
    assert json.loads((out / "stories" / "harbour.json").read_text())["headline"] == "Chosen"
    assert json.loads((out / "stories" / "harbour-2.json").read_text())["headline"] == "Derived"
    assert any("harbour.txt" in w for w in report.warnings)


def test_duplicate_ids_reject_the_later_story(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 0)
    (src / "story.txt").write_text("Storm closes harbour\n\nThe harbour closed on Monday.\n", encoding="utf-8")
    (src / "story.text").write_text("Storm reopens harbour\n\nThe harbour reopened on Friday.\n", encoding="utf-8")
    done = run_cli("build", src, out, "--jobs", "1", "--title", "Gazette")
    # path order decides: "story.text" sorts before "story.txt"
    assert done.returncode == 1 and "story.txt: id" in done.stderr and "already used by story.text" in done.stderr
    ids = [e.id for e in feedparser.parse((out / "atom.xml").read_bytes()).entries]
    assert len(ids) == len(set(ids)) == 1


def test_a_damaged_story_cache_is_rebuilt_not_fatal(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 3)
    syndicate.build(src, out, jobs=1)
    fresh = tmp_path / "fresh"
    syndicate.build(src, fresh, jobs=1)
    damaged = out / "stories" / "story-001.json"
    # a file overwritten in place leaves its folder's time alone, so a build with nothing else to do does not
    # look at it (that would cost a stat per output file); verify checks every file against the manifest:
    # one hand-edited no longer matches the size and time the build recorded, and is rebuilt at once
    damaged.write_text('{"bad": true}')
    assert syndicate.build(src, out, jobs=1).built == []
    assert syndicate.build(src, out, jobs=1, verify=True).built == ["story-001.txt"]
    assert snapshot(out) == snapshot(fresh)
    # so does any build with other work to do: here a new file in the input folder
    damaged.write_text('{"bad": true}')
    (src / "notes.md").write_text("not a story\n", encoding="utf-8")
    assert syndicate.build(src, out, jobs=1).built == ["story-001.txt"]
    assert snapshot(out) == snapshot(fresh)
    # damage that keeps the size and time (a disk fault) is found when the feeds read the story back
    stamp = damaged.stat()
    damaged.write_bytes(b"{" + b" " * (stamp.st_size - 2) + b"}")
    os.utime(damaged, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    write_story(src, 2, edit=" (revised)")  # a change, so the feeds need every story again
    done = run_cli("build", src, out, "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "story-001.json" in done.stderr and "rebuilt" in done.stderr
    write_story(src, 2)
    syndicate.build(src, out, jobs=1)
    assert snapshot(out) == snapshot(fresh)


def test_input_and_output_folders_that_overlap_are_refused_with_exit_2(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    write_story(src, 1)
    for output in (src, src / "out", tmp_path):
        done = run_cli("build", src, output, "--jobs", "1", cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "input" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in src.iterdir()) == ["story-001.txt"]  # nothing written into the input


def test_an_edited_input_that_is_now_broken_keeps_its_last_good_files(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 2)
    syndicate.build(src, out, jobs=1)
    good = snapshot(out)
    (src / "story-001.txt").write_bytes(b"\x00\xff" * 100)
    done = run_cli("build", src, out, "--jobs", "1")
    assert done.returncode == 1 and "story-001.txt" in done.stderr
    assert snapshot(out) == good  # nothing lost while the input is broken
    write_story(src, 1)
    assert run_cli("build", src, out, "--jobs", "1").returncode == 0


def test_feeds_describe_photos_as_published(tmp_path: Path) -> None:
    """A WebP photo is published re-encoded; the feeds must name the file, type and size that exist."""
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "photos").mkdir(parents=True)
    draw_image(src / "photos" / "quay.webp", "WEBP", (2400, 1600), 5)
    (src / "photos" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (src / "quay.txt").write_text("---\nheadline: The quay\nimages: [photos/quay.webp, photos/broken.jpg]\n---\n"
                                  "The quay reopened.\n\nThe quay at dawn.\nThe quay at dawn. (Photo: Ana Lima/Gazette)\n\n"
                                  "More text here.\n\nA broken photo.\nA broken photo. (Photo: Ana Lima/Gazette)\n",
                                  encoding="utf-8")
    report = syndicate.build(src, out, jobs=1, base_url="https://news.example.com/")
    assert any("broken.jpg" in w for w in report.warnings)
    rss = etree.parse(str(out / "rss.xml")).getroot()
    media = rss.findall(".//{http://search.yahoo.com/mrss/}content")
    assert [(m.get("type"), m.get("width"), m.get("height")) for m in media] == [("image/jpeg", "1600", "1067")]
    found = published_photo(media[0].get("url"), "https://news.example.com/", "photos/quay.webp")
    assert found is not None
    published = out / "images" / found[0]
    from PIL import Image as PILImage

    with PILImage.open(published) as photo:
        assert (photo.format, photo.size) == ("JPEG", (1600, 1067))
    assert sorted(p.name for p in (out / "images").iterdir()) == [found[0]]  # the broken photo is not published
    caption_text = (out / "rss.xml").read_text(encoding="utf-8")
    assert "A broken photo." in caption_text  # its figure keeps its caption, with no picture


def test_photos_from_this_machine_are_fetched_only_when_allowed(tmp_path: Path) -> None:
    from test_images import ImageServer

    src = tmp_path / "in"
    src.mkdir()
    with ImageServer() as base_url:
        (src / "remote.txt").write_text(f"---\nheadline: Remote photo\nimages: ['{base_url}/good.jpg']\n---\n"
                                        "The ferry returned.\n\nThe ferry at the quay.\nThe ferry at the quay. (Photo: Ana Lima/Gazette)\n",
                                        encoding="utf-8")
        refused = syndicate.build(src, tmp_path / "refused", jobs=1)
        allowed = syndicate.build(src, tmp_path / "allowed", jobs=1, allow_local_hosts=True)
    assert any("local address" in w for w in refused.warnings)
    assert not [w for w in allowed.warnings if "good.jpg" in w]
    with zipfile.ZipFile(tmp_path / "refused" / "epub" / "remote.epub") as book:
        assert not [n for n in book.namelist() if n.startswith("OEBPS/images/img-")]
    with zipfile.ZipFile(tmp_path / "allowed" / "epub" / "remote.epub") as book:
        assert [n for n in book.namelist() if n.startswith("OEBPS/images/img-")]


def test_files_the_build_did_not_write_are_never_deleted(tmp_path: Path) -> None:
    """A web folder's own files, even in the build's folders and named like its outputs, survive every build."""
    src, out = stories_in(tmp_path, 0)
    write_story(src, 1)
    theirs = {"epub/story-009.epub": b"PK theirs", "images/sub/photo-0123456789.jpg": b"\xff\xd8",
              "images/logo.png": b"x", "stories/about.html": b"x", "index.html": b"the site's own page"}
    for rel, data in theirs.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    syndicate.build(src, out, jobs=1)
    (src / "story-001.txt").unlink()  # its files go; nobody else's do
    report = syndicate.build(src, out, jobs=1)
    assert report.removed == ["story-001.txt"] and "stories/story-001.json" in report.deleted
    assert {rel: (out / rel).read_bytes() for rel in theirs} == theirs
    assert not (out / "stories" / "story-001.json").exists() and not (out / "rss.xml").exists()


def test_kept_stories_yield_their_slug_and_drop_formats_no_longer_built(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 0)
    story_with_slug(src, "a.txt", "shared", "Alpha")
    story_with_slug(src, "b.txt", None, "Bravo")
    syndicate.build(src, out, jobs=1)
    (src / "b.txt").write_text("")  # b is now rejected, and keeps its last good files
    done = run_cli("build", src, out, "--jobs", "1", "--formats", "rss,epub")
    assert done.returncode == 1 and done.stderr.count("b.txt") == 1
    assert (out / "stories" / "b.json").is_file() and (out / "epub" / "b.epub").is_file()
    assert not (out / "newsml" / "b.xml").exists() and not (out / "ninjs" / "b.json").exists()
    (src / "a.txt").write_text("")  # a is rejected too; c asks for a's slug
    story_with_slug(src, "c.txt", "shared", "Charlie")
    done = run_cli("build", src, out, "--jobs", "1", "--formats", "rss,epub")
    assert done.returncode == 1 and done.stderr.count("a.txt") == 1 and "rejected 2" in done.stderr
    assert json.loads((out / "stories" / "shared.json").read_text())["headline"] == "Charlie"
    assert not (out / "stories" / "shared-2.json").exists()


def test_two_photos_with_one_file_name_are_both_published(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    for folder, seed in (("a", 1), ("b", 2)):
        (src / folder).mkdir(parents=True)
        draw_image(src / folder / "photo.jpg", "JPEG", (320, 200), seed)
        (src / folder / "story.txt").write_text(
            f"---\nheadline: Story {folder}\nimages: [photo.jpg]\n---\nText of {folder}.\n\n"
            f"A photo.\nA photo. (Photo: Ana Lima/Gazette)\n", encoding="utf-8")
    syndicate.build(src, out, jobs=2, base_url="https://news.example.com/")
    published = sorted(p.name for p in (out / "images").iterdir())
    assert len(published) == 2 and all(name.startswith("photo-") for name in published)
    links = {json.loads((out / "ninjs" / f"{f}-story.json").read_text())["associations"][0]["renditions"][0]["href"]
             for f in ("a", "b")}
    assert links == {f"https://news.example.com/images/{name}" for name in published}


def test_a_build_inside_a_multiprocessing_child_keeps_its_lock(tmp_path: Path) -> None:
    import multiprocessing

    src = tmp_path / "in"
    src.mkdir()
    write_story(src, 1)
    child = multiprocessing.get_context("fork").Process(target=syndicate.build, args=(src, tmp_path / "out"),
                                                        kwargs={"jobs": 1})
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 0 and (tmp_path / "out" / "stories" / "story-001.json").is_file()


def test_the_edition_of_a_single_story_is_still_an_edition(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 0)
    write_story(src, 1)
    syndicate.build(src, out, jobs=1, edition_title="The Harbour Gazette")
    titles = []
    for book in (out / "edition.epub", out / "epub" / "story-001.epub"):
        with zipfile.ZipFile(book) as epub:
            opf = etree.fromstring(epub.read("OEBPS/content.opf"))
        titles.append(opf.findtext(".//{http://purl.org/dc/elements/1.1/}title"))
    assert titles == ["The Harbour Gazette", "Council votes on harbour plan, part 1"]


def test_the_edition_holds_only_the_newest_edition_limit_stories(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 8)
    syndicate.build(src, out, jobs=1, edition_limit=3, limit=5, base_url="https://news.example.com/")
    with zipfile.ZipFile(out / "edition.epub") as book:
        chapters = [n for n in book.namelist() if n.startswith("OEBPS/story-")]
        headlines = [book.read(n).decode() for n in chapters]
    assert len(chapters) == 3
    newest = sorted((json.loads(p.read_text()) for p in (out / "stories").glob("*.json")),
                    key=lambda s: s["published"], reverse=True)[:3]
    assert all(any(story["headline"] in page for page in headlines) for story in newest)
    assert len(feedparser.parse((out / "rss.xml").read_bytes()).entries) == 5  # the feeds keep their own limit


NEWSROOM_CONFIG = ('title = "Harbour Gazette"\nbase_url = "https://news.example.com/"\n'
                   'author = "Harbour Gazette newsroom"\nid_prefix = "tag:news.example.com,2024:"\n')


def newsroom(tmp_path: Path) -> Path:
    """A project folder as the README sets one up: the sample stories in input/ and a syndicate.toml."""
    project = tmp_path / "news"
    shutil.copytree(ROOT / "input", project / "input")
    (project / "syndicate.toml").write_text(NEWSROOM_CONFIG, encoding="utf-8")
    return project


def test_the_library_build_reads_the_config_the_cli_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = newsroom(tmp_path)
    monkeypatch.chdir(project)
    assert run_cli("build", "input", "output", "--jobs", "1", cwd=project).returncode == 0
    before = snapshot(project / "output")
    report = syndicate.build("input", "output", jobs=2)  # the README's snippet, from the same folder
    assert report.exit_code == 0 and report.written == [] and report.deleted == []
    assert snapshot(project / "output") == before
    rss = feedparser.parse(before["rss.xml"])
    assert rss.feed.title == "Harbour Gazette"
    assert all(e.id.startswith("tag:news.example.com,2024:") for e in rss.entries)
    # an explicit config file, and options that win over it
    other = tmp_path / "other.toml"
    other.write_text('title = "Other Gazette"\nid_prefix = "urn:example:other:"\n'
                     'base_url = "https://other.example.com/"\n', encoding="utf-8")
    syndicate.build("input", tmp_path / "out2", config=other, jobs=1, limit=1)
    rss2 = feedparser.parse((tmp_path / "out2" / "rss.xml").read_bytes())
    assert rss2.feed.title == "Other Gazette" and len(rss2.entries) == 1
    assert rss2.entries[0].id.startswith("urn:example:other:")
    # config=False reads no file: the fallback id authority, and no feed (nothing names it)
    report = syndicate.build("input", tmp_path / "out3", config=False, jobs=1)
    assert not (tmp_path / "out3" / "rss.xml").exists() and any("rss.xml not written" in w for w in report.warnings)
    stored = json.loads(next((tmp_path / "out3" / "stories").glob("*.json")).read_text(encoding="utf-8"))
    assert stored["id"].startswith("tag:syndicate.invalid,")


def test_a_build_run_from_another_folder_finds_the_project_config(tmp_path: Path) -> None:
    project = newsroom(tmp_path)
    assert run_cli("build", "input", "output", "--jobs", "1", cwd=project).returncode == 0
    before, times = snapshot(project / "output"), mtimes(project / "output")
    elsewhere = tmp_path / "cron"
    elsewhere.mkdir()
    done = run_cli("build", project / "input", project / "output", "--jobs", "1", cwd=elsewhere)  # no cd
    assert done.returncode == 0, done.stderr
    assert "nothing to do" in done.stderr  # same settings, same state folder: not one file rewritten
    assert snapshot(project / "output") == before and mtimes(project / "output") == times
    assert list(elsewhere.iterdir()) == []  # no second state folder
    # the config's own folders are read from the project folder too (not /tmp/output for `output`)
    with (project / "syndicate.toml").open("a", encoding="utf-8") as config:
        config.write('output_dir = "output"\n')
    done = run_cli("build", project / "input", "--jobs", "1", cwd=elsewhere)
    assert done.returncode == 0 and "nothing to do" in done.stderr, done.stderr
    assert list(elsewhere.iterdir()) == [] and mtimes(project / "output") == times


def test_a_build_with_other_settings_and_a_new_state_folder_replaces_nothing(tmp_path: Path) -> None:
    """A lost or second state folder has no manifest: files of another build whose bytes differ are not the
    build's to replace, so it stops naming one rather than republish every story under other ids."""
    project = newsroom(tmp_path)
    assert run_cli("build", "input", "output", "--jobs", "1", cwd=project).returncode == 0
    before, times = snapshot(project / "output"), mtimes(project / "output")
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    done = run_cli("build", project / "input", project / "output", "--jobs", "1", "--config", empty,
                   "--state-dir", tmp_path / "state", cwd=tmp_path)
    # every story is refused, named with the file it would have replaced; with no story left, no feed is made
    assert done.returncode == 1, done.stderr
    refused = [line for line in done.stderr.splitlines() if "would replace a file the build did not write" in line]
    assert len(refused) == 2 and "stories/harbour-reopens.json" in refused[1] and "Traceback" not in done.stderr
    assert snapshot(project / "output") == before and mtimes(project / "output") == times


def headline_of(out: Path, slug: str) -> str:
    return json.loads((out / "stories" / f"{slug}.json").read_text())["headline"]


def test_a_new_story_never_takes_the_published_slug_of_another(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 0)
    (src / "world").mkdir()
    story_with_slug(src / "world", "storm.txt", None, "Storm")  # slug world-storm, from its path
    story_with_slug(src, "harbour.txt", None, "Harbour")
    syndicate.build(src, out, jobs=1)
    published = snapshot(out)
    story_with_slug(src, "world-storm.txt", None, "Newcomer")  # derives world-storm too, and sorts first
    story_with_slug(src, "late.txt", "harbour", "Chosen")  # a metadata slug asks for a published one
    report = syndicate.build(src, out, jobs=1)
    assert report.exit_code == 0 and sorted(report.built) == ["late.txt", "world-storm.txt"]
    assert headline_of(out, "world-storm") == "Storm" and headline_of(out, "world-storm-2") == "Newcomer"
    assert headline_of(out, "harbour") == "Harbour" and headline_of(out, "harbour-2") == "Chosen"
    for rel, data in published.items():  # the published stories' own files did not move or change
        if rel.split("/")[0] in ("stories", "newsml", "ninjs", "epub"):
            assert (out / rel).read_bytes() == data, rel
    assert any("late.txt" in w and "'harbour-2'" in w for w in report.warnings)
    # a published story whose own metadata slug changes gets the new slug when it is free
    story_with_slug(src, "harbour.txt", "harbour-news", "Harbour")
    syndicate.build(src, out, jobs=1)
    assert headline_of(out, "harbour-news") == "Harbour" and headline_of(out, "harbour-2") == "Chosen"
    assert not (out / "stories" / "harbour.json").exists()


def summary_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.strip().splitlines()[-1]


def test_the_summary_counts_the_files_deleted_and_says_what_happened(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 3)
    first = run_cli("build", src, out, "--jobs", "1", *SITE)
    # each story's JSON, NewsML-G2, ninjs and EPUB, then RSS, Atom, JSON Feed and the edition
    assert summary_line(first).endswith("(16 files written, 0 files deleted)"), first.stderr
    before = set(snapshot(out))
    fewer = run_cli("build", src, out, "--jobs", "1", "--formats", "rss,epub", *SITE)
    gone = before - set(snapshot(out))
    assert len(gone) == 3 * 2 + 3  # each story's NewsML-G2 and ninjs, Atom, JSON Feed and the edition
    assert summary_line(fewer).endswith(f"(0 files written, {len(gone)} files deleted)"), fewer.stderr
    # an edit that changes no output: the story is rebuilt, and the line says no file changed
    story = src / "story-001.txt"
    story.write_text(story.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    edited = run_cli("build", src, out, "--jobs", "1", "--formats", "rss,epub", *SITE)
    assert "built 1, unchanged 2" in summary_line(edited) and "nothing to do" not in edited.stderr
    assert summary_line(edited).endswith("; no file changed: the rebuilt stories came out byte for byte the same")
    idle = run_cli("build", src, out, "--jobs", "1", "--formats", "rss,epub", *SITE)
    assert "built 0, unchanged 3, removed 0, rejected 0 in " in summary_line(idle)
    assert summary_line(idle).endswith(" s; nothing to do, no file rewritten")


def test_warnings_are_sorted_by_story_and_undated_stories_are_one_line(tmp_path: Path) -> None:
    src, out = stories_in(tmp_path, 0)
    for i in range(10, 22):  # undated: NewsML-G2 and Atom need a date, and use the fallback
        (src / f"good{i}.txt").write_text(f"Headline number {i}\n\nThe harbour closed, story {i}.\n", encoding="utf-8")
    shutil.copytree(ROOT / "input", src / "mp")
    (src / "mp" / "images" / "harbour-map.png").unlink()
    (src / "a-clash.txt").write_text("---\nslug: mp-harbour-reopens\npublished: 2026-02-01\n---\nA clash.\n")
    runs = []
    for n in (1, 2):
        done = run_cli("build", src, tmp_path / f"out{n}", "--jobs", "2", *SITE)
        assert done.returncode == 0, done.stderr
        runs.append([line for line in done.stderr.splitlines() if line.startswith("syndicate: warning: ")])
    assert runs[0] == runs[1]  # the same lines in the same order, whatever order the workers finished in
    lines = [line.removeprefix("syndicate: warning: ") for line in runs[0]]
    assert not any("has no date" in line for line in lines)
    undated = [line for line in lines if "no date" in line and "stories" in line]
    assert undated == ["12 stories have no date: Atom updated and NewsML-G2 versionCreated use the fallback date "
                       "2026-01-01 (from the story ids); good10.txt, good11.txt, good12.txt, good13.txt, good14.txt "
                       "and 7 more"]
    about = [line for line in lines if line.startswith(("a-clash.txt:", "mp/"))]
    # a-clash.txt chose the slug in its metadata, so it wins it on a fresh build
    assert about == ["mp/harbour-reopens.txt: slug 'mp-harbour-reopens' is taken by another story; using "
                     "'mp-harbour-reopens-2'",
                     "mp/harbour-reopens.txt: image file mp/images/harbour-map.png was not found; the figure keeps "
                     "its caption without a picture"]
    assert lines.index(undated[0]) < lines.index(about[0])  # build-wide lines first, then story by story
    # convert names the missing photo once too, relative to the root it reads the story against
    converted = run_cli("convert", src / "mp" / "harbour-reopens.txt", "--root", src, "--to", "json",
                        "-o", tmp_path / "x.json")
    assert f"{src}/mp/harbour-reopens.txt: image file mp/images/harbour-map.png was not found" in converted.stderr
    assert converted.stderr.count("harbour-map.png") == 1
