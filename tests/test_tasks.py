"""A worker exporting stories one after another (issue 15): what it learns of a story's photos goes with the
story, a photo several stories share is published under one name, the name NewsML-G2 and ninjs link, and a
photo that is already right goes into the EPUB as its own bytes."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

from syndicate.config import BuildSettings
from syndicate.discovery import StoryInput
from syndicate.exporters import ExportOptions
from syndicate.tasks import CACHE, Exported, Job, export_story, worker_resolver

from storygen import generate_story, photo, story_as_text


def build_settings(tmp_path: Path) -> BuildSettings:
    return BuildSettings(input_dir=tmp_path / "input", output_dir=tmp_path / "output",
                         state_dir=tmp_path / ".syndicate", jobs=1,
                         export=ExportOptions(base_url="https://news.example.com/"))


def write_story(folder: Path, i: int, photos: list[str]) -> str:
    """Story ``i`` naming ``photos`` (paths under ``folder``); returns its path relative to ``folder``."""
    relpath = f"story-{i:03d}.txt"
    (folder / relpath).write_text(story_as_text(generate_story(i, images=False), photos), encoding="utf-8")
    return relpath


def export(settings: BuildSettings, relpath: str) -> Exported:
    result = export_story(settings, Job(StoryInput(str(settings.input_dir), relpath)))
    assert result.error is None, result.error
    return result


def test_a_worker_holds_none_of_a_story_s_photos_once_the_story_is_exported(tmp_path: Path) -> None:
    settings = build_settings(tmp_path)
    images = settings.input_dir / "images"
    images.mkdir(parents=True)
    photo(images / "shared.jpg", 0, (300, 200))
    for i in range(12):
        photo(images / f"own-{i}.jpg", i + 1, (300, 200))
        result = export(settings, write_story(settings.input_dir, i, ["images/shared.jpg", f"images/own-{i}.jpg"]))
        assert len(result.photos) == 2 and all(result.photos.values())
        # the story's formats shared its photos while it was exported; none of them outlives it in the worker
        assert worker_resolver(settings, settings.state_folder() / CACHE).held_bytes == 0


def test_a_shared_photo_is_published_under_the_name_newsml_and_ninjs_link(tmp_path: Path) -> None:
    settings = build_settings(tmp_path)
    images = settings.input_dir / "images"
    images.mkdir(parents=True)
    photo(images / "shared.jpg", 3, (300, 200))
    photo(images / "own.jpg", 4, (300, 200))
    first = export(settings, write_story(settings.input_dir, 0, ["images/shared.jpg"]))
    second = export(settings, write_story(settings.input_dir, 1, ["images/own.jpg", "images/shared.jpg"]))
    (shared,) = first.photos
    assert shared in second.photos and second.photos[shared] == first.photos[shared]
    for result in (first, second):
        for rel, data in result.files.items():
            if rel.startswith(("newsml/", "ninjs/")):
                linked = {name for name in result.photos if name.encode() in data}
                assert linked == set(result.photos), (rel, linked)


def test_an_epub_stores_a_photo_already_right_byte_for_byte(tmp_path: Path) -> None:
    settings = build_settings(tmp_path)
    images = settings.input_dir / "images"
    images.mkdir(parents=True)
    photo(images / "quay.jpg", 5)  # 1200x800 plain JPEG: within the 1600 px limit, nothing private in it
    original = (images / "quay.jpg").read_bytes()
    result = export(settings, write_story(settings.input_dir, 0, ["images/quay.jpg"]))
    epub = next(data for rel, data in result.files.items() if rel.endswith(".epub"))
    with zipfile.ZipFile(io.BytesIO(epub)) as book:
        stored = [book.read(info) for info in book.infolist() if info.filename.endswith(".jpg")]
    assert stored == [original]
    assert list(result.photos.values()) == [original]


def test_each_worker_thread_has_its_own_resolver(tmp_path: Path) -> None:
    # a Dask worker runs several stories at once: one story's end must not clear another's photos and problems
    settings = build_settings(tmp_path)
    cache = settings.state_folder() / CACHE
    found: list[object] = []
    thread = threading.Thread(target=lambda: found.append(worker_resolver(settings, cache)))
    thread.start()
    thread.join()
    assert found[0] is not worker_resolver(settings, cache)
    assert worker_resolver(settings, cache) is worker_resolver(settings, cache)
