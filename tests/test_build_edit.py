"""A rebuild after an edit does only what the edit needs: what it reuses from the state folder (the edition's
drawn cover, the photos known to be kept as they are) never makes its outputs differ from a fresh build's,
and it loads no library it has no use for (checked on real processes, by what they import).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from storygen import draw_image
import test_build_snapshot
from test_build_snapshot import write_story

import syndicate
from syndicate.images import DRAWN_FOLDER
from syndicate.tasks import CACHE

#: the same autouse fixture: no config file where the builds run, their state folder the test's own
in_a_clean_folder = test_build_snapshot.in_a_clean_folder

#: Runs ``syndicate build ARGS`` as the command does and prints, as its last line, the modules it loaded.
RUNNER = """
import json, sys
from syndicate.cli import main
try:
    main(sys.argv[1:], prog_name="syndicate")
except SystemExit as done:
    assert not done.code, done.code
print(json.dumps(sorted(sys.modules)))
"""


def make_input(src: Path, count: int = 3) -> None:
    (src / "photos").mkdir(parents=True)
    for i in range(count):
        write_story(src, i)
        draw_image(src / "photos" / f"p{i}.png", "PNG", (40, 30), i)


def build(src: Path, out: Path, **options: object) -> syndicate.BuildReport:
    options = {"title": "Gazette", **options}
    return syndicate.build(src, out, jobs=2, base_url="https://news.example.com/", **options)


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def fresh_build(tmp_path: Path, src: Path, name: str, **options: object) -> dict[str, bytes]:
    """What a build of ``src`` into a new output folder, with a new state folder, publishes."""
    out = tmp_path / name
    syndicate.build(src, out, jobs=1, base_url="https://news.example.com/", state_dir=str(tmp_path / f"{name}-state"),
                    **{"title": "Gazette", **options})
    return files_of(out)


def test_an_edit_rebuild_loads_no_pool_no_network_and_draws_no_cover(tmp_path: Path) -> None:
    """One story edited: exported in the build's own process (no multiprocessing), no remote photo (no HTTP
    client), the edition's cover read from the cache (no Pillow drawing); the outputs are a fresh build's."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    args = [str(src), str(out), "--jobs", "2", "--quiet", "--title", "Gazette",
            "--base-url", "https://news.example.com/"]
    subprocess.run([sys.executable, "-c", RUNNER, "build", *args], check=True, capture_output=True, text=True)
    write_story(src, 1, "The council met on Tuesday. A late paragraph.")
    done = subprocess.run([sys.executable, "-c", RUNNER, "build", *args], check=True, capture_output=True, text=True)
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    loaded = sorted(m for m in modules if m.split(".")[0] in ("multiprocessing", "http", "ssl")
                    or m.startswith(("concurrent.futures.process", "PIL.ImageDraw", "PIL.ImageFont")))
    assert loaded == []
    assert files_of(out) == fresh_build(tmp_path, src, "fresh")


@pytest.mark.parametrize("change", ["title", "newest date", "language"])
def test_the_editions_cached_cover_follows_its_title_and_newest_date(tmp_path: Path, change: str) -> None:
    """The drawn cover kept in the cache is replaced when what it shows changes: the edition after the
    change is byte for byte a fresh build's (whose cover is drawn anew), and its cover differs from before."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    build(src, out)
    before = files_of(out)["edition.epub"]
    options: dict[str, object] = {}
    if change == "title":
        options = {"title": "The Harbour Gazette"}
    elif change == "language":
        options = {"language": "fr"}
    else:
        (src / "story-002.txt").write_text((src / "story-002.txt").read_text("utf-8").replace(
            "2026-02-03T08", "2026-03-09T08"), encoding="utf-8")
    build(src, out, **options)
    assert (state_cache(out) / DRAWN_FOLDER / "edition-cover").is_file()
    assert files_of(out) == fresh_build(tmp_path, src, "fresh", **options)
    assert files_of(out)["edition.epub"] != before


def test_a_kept_photo_known_from_the_cache_still_follows_its_file(tmp_path: Path) -> None:
    """A photo the cache notes as kept as it is: once replaced by another picture, every output that embeds
    or publishes it has the new one, as a fresh build has."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    build(src, out)
    write_story(src, 0, "The council met on Tuesday. Edited.")
    build(src, out)  # the photos now come from the cache's records
    draw_image(src / "photos" / "p1.png", "PNG", (48, 32), 7)
    report = build(src, out)
    assert report.built == ["story-001.txt"]
    assert files_of(out) == fresh_build(tmp_path, src, "fresh")


def state_cache(out: Path) -> Path:
    """The image cache of the (only) state folder the builds in this test's folder made."""
    caches = [p for p in Path(".syndicate").glob(f"*/{CACHE}")]
    assert len(caches) == 1, caches
    return caches[0]


def test_a_removed_story_takes_its_own_files_and_leaves_a_photo_another_story_shares(tmp_path: Path) -> None:
    """The sweep compares only the entries that changed: the removed story's outputs go, the photo it shared
    with a story carried over as it was stays, and the output folder is a fresh build's."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    shared = (src / "story-002.txt").read_text("utf-8").replace("photos/p2.png", "photos/p0.png")
    (src / "story-002.txt").write_text(shared, encoding="utf-8")
    build(src, out)
    photo = [rel for rel in files_of(out) if rel.startswith("images/p0-")]
    assert len(photo) == 1
    (src / "story-002.txt").unlink()
    report = build(src, out)
    assert report.removed == ["story-002.txt"] and "epub/story-002.epub" in report.deleted
    assert photo[0] in files_of(out)
    assert files_of(out) == fresh_build(tmp_path, src, "fresh")


def test_a_manifest_cut_short_is_not_trusted(tmp_path: Path) -> None:
    """A manifest whose last line is torn (a disk that lost its end) is no manifest: every story is built
    again (each file found holding its very bytes is taken as the build's), and the outputs are a fresh
    build's."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    build(src, out)
    manifest = next(Path(".syndicate").glob("*/.syndicate-manifest.json"))
    manifest.write_bytes(manifest.read_bytes()[:-40])
    (src / "photos" / "p0.png").touch()  # something changed: the snapshot does not stop the build
    assert build(src, out).built == ["story-000.txt", "story-001.txt", "story-002.txt"]
    assert files_of(out) == fresh_build(tmp_path, src, "fresh")


def test_the_cache_keeps_what_an_edit_uses_and_loses_a_replaced_photos_entries(tmp_path: Path) -> None:
    """An edit that keeps every photo leaves the image cache as it was; a replaced photo's entries go."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    build(src, out)
    write_story(src, 0, "The council met on Tuesday. Edited.")
    build(src, out)
    cache = state_cache(out)
    before = {p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()}
    write_story(src, 1, "The council met on Tuesday. Edited.")
    build(src, out)
    assert {p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()} == before
    draw_image(src / "photos" / "p1.png", "PNG", (48, 32), 7)
    build(src, out)
    after = {p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()}
    assert len(before - after) == 2 and len(after - before) == 2  # the photo's normalised and published entries


def test_a_manifest_of_the_format_before_is_read(tmp_path: Path) -> None:
    """Upgrading keeps the last build's record: a manifest in the one-object format of before (written here
    from the entries) is read, so an edit after the upgrade rebuilds that story only, and no file of the
    build is taken for someone else's."""
    from syndicate.manifest import _SMALL, Manifest

    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src)
    build(src, out)
    path = next(Path(".syndicate").glob("*/.syndicate-manifest.json"))
    manifest = Manifest(path)
    stories = {rel: {**{name: getattr(entry, name) for name in _SMALL}, **entry.files()._asdict()}
               for rel, entry in manifest.stories.items()}
    path.write_text(json.dumps({"format": 4, "tool": "0.1.0", "fingerprint": manifest.fingerprint,
                                "aggregates": manifest.aggregates, "edition_limit": manifest.edition_limit,
                                "stories": stories}), encoding="utf-8")
    write_story(src, 1, "The council met on Tuesday. Edited after the upgrade.")
    report = build(src, out)
    assert report.built == ["story-001.txt"] and not report.rejected
    assert Manifest(path).stories == manifest.stories | {"story-001.txt": Manifest(path).stories["story-001.txt"]}
    assert files_of(out) == fresh_build(tmp_path, src, "fresh")


def test_the_feeds_and_edition_are_made_again_only_when_their_newest_stories_change(tmp_path: Path) -> None:
    """Feeds of the 2 newest stories, an edition of 2: an edit of an older story leaves them as they are
    without making them (the feeds' module is not even loaded) and repeats their warnings; an edit of a
    newest story, or its removal, makes them again. After each build the output folder is a fresh build's."""
    src, out = tmp_path / "in", tmp_path / "out"
    make_input(src, count=4)
    args = [str(src), str(out), "--jobs", "2", "--limit", "2", "--base-url", "https://news.example.com/"]

    def rebuild() -> tuple[set[str], str]:
        done = subprocess.run([sys.executable, "-c", RUNNER, "build", *args], check=True, capture_output=True,
                              text=True)
        assert files_of(out) == fresh_build(tmp_path, src, f"fresh-{len(list(tmp_path.iterdir()))}", title=None,
                                            limit=2)
        return set(json.loads(done.stdout.splitlines()[-1])), done.stderr

    _, first = rebuild()
    assert "no title set" in first
    write_story(src, 0, "The council met on Tuesday. Corrected.")
    modules, said = rebuild()
    assert "syndicate.exporters.feeds" not in modules and "no title set" in said
    write_story(src, 3, "The council met on Tuesday. Corrected.")
    modules, said = rebuild()
    assert "syndicate.exporters.feeds" in modules and "no title set" in said
    (src / "story-002.txt").unlink()
    modules, _ = rebuild()
    assert "syndicate.exporters.feeds" in modules
