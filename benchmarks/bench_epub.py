"""Benchmark: EPUB books, each figure printed beside its peer measured in the same run.

Run: ``python benchmarks/bench_epub.py``. On 2 cores, ratios rather than
absolute times are what to compare between machines.

1. One story with five 1200x800 photos, **cold, in-process** (a fresh
   resolver, so every photo is read and checked as on a first build), beside
   - a **zip only** of the same files: the five photo files read from disk and
     stored, and the chapter's XHTML deflated, into an in-memory zip: the
     least any EPUB writer must do (target: ours at most 3x this);
   - **ebooklib** writing the same book (the same chapter and photos, read
     from disk) into memory: the field's library.
   Then the warm figure (photos memoised, as when a build makes the edition
   after the story books; target under 10 ms).
2. A 100-story edition, warm, and pandoc (when on PATH) making the same
   stories from HTML, as a separate process.
3. Peak traced memory of editions of 100 and 1,000 stories read lazily from
   JSON files and written into a file (``write_edition``), as a build does:
   the book's bytes are not held, so the peak is what the exporter keeps
   (about 4 KB a story: navigation entries, photo names, zip entry records).
"""

from __future__ import annotations

import html
import io
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import overload

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from storygen import best_of, five_photo_story, generate_stories  # noqa: E402

from syndicate.exporters import ExportOptions  # noqa: E402
from syndicate.exporters.epub import export_epub, write_edition  # noqa: E402
from syndicate.html import render_body  # noqa: E402
from syndicate.images import ImageResolver  # noqa: E402
from syndicate.model import Story  # noqa: E402

STORY_TARGET_SECONDS = 0.010
ZIP_RATIO_TARGET = 3.0


def peak_memory(action: Callable[[], object]) -> int:
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def measure(label: str, stories: list[Story], folder: Path, runs: int) -> float:
    options = ExportOptions(title="Benchmark Edition")
    start = time.perf_counter()
    resolver = ImageResolver(folder)
    data = export_epub(stories, options, resolver)
    cold = time.perf_counter() - start
    warm = best_of(runs, lambda: export_epub(stories, options, resolver))
    peak = peak_memory(lambda: export_epub(stories, options, resolver))
    per_story = warm / len(stories)
    print(f"{label:28} first {cold * 1000:8.1f} ms   warm {warm * 1000:7.2f} ms "
          f"({per_story * 1000:5.2f} ms/story, {1 / per_story:7.0f} stories/s)   "
          f"{len(data) / 1e6:6.2f} MB   peak {peak / 1e6:6.1f} MB")
    return warm


class StoryFiles(Sequence[Story]):
    """Stories stored as JSON files, each parsed again on every access (nothing cached), like a build's."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, index: int) -> Story: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Story]: ...

    def __getitem__(self, index: int | slice) -> Story | Sequence[Story]:
        if isinstance(index, slice):
            return StoryFiles(self.paths[index])
        return Story.from_json(self.paths[index].read_bytes())


def measure_lazy_memory(folder: Path, sizes: tuple[int, ...]) -> None:
    """Peak traced memory of editions read lazily from JSON files and written into a file (resolver warm)."""
    stories = generate_stories(max(sizes), folder)
    paths = []
    for story in stories:
        path = folder / f"{story.slug}.json"
        path.write_text(story.to_json(), encoding="utf-8")
        paths.append(path)
    del stories  # only the files remain
    options = ExportOptions(title="Benchmark Edition")
    target = folder / "edition.epub"
    for size in sizes:
        resolver = ImageResolver(folder)
        export_epub(StoryFiles(paths[:size]), options, resolver)  # photos normalised once
        start = time.perf_counter()
        with open(target, "wb") as out:
            write_edition(StoryFiles(paths[:size]), options, resolver, out)
        seconds = time.perf_counter() - start
        with open(target, "wb") as out:
            tracemalloc.start()
            write_edition(StoryFiles(paths[:size]), options, resolver, out)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        book = target.stat().st_size
        print(f"{f'lazy edition, {size} stories':28} warm {seconds * 1000:8.1f} ms   {book / 1e6:6.2f} MB on disk   "
              f"peak {peak / 1e6:6.2f} MB ({peak / size / 1e3:4.1f} KB/story)")


def chapter_xhtml(story: Story) -> str:
    """The story as one XHTML chapter with its photos (the same for the zip-only and ebooklib peers)."""
    body = render_body(story, lambda image: f"images/{image.src}")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>'
            f"{html.escape(story.headline)}</title></head><body><h1>{html.escape(story.headline)}</h1>{body}"
            "</body></html>")


def zip_only(story: Story, folder: Path) -> bytes:
    """The floor: mimetype, the chapter deflated and the photo files read from disk and stored, in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        archive.writestr("OEBPS/story.xhtml", chapter_xhtml(story), zipfile.ZIP_DEFLATED)
        for figure in story.figures:
            assert figure.image is not None
            archive.writestr(f"OEBPS/images/{figure.image.src}", (folder / figure.image.src).read_bytes(),
                             zipfile.ZIP_STORED)
    return buffer.getvalue()


def ebooklib_book(story: Story, folder: Path) -> bytes:
    """The same book written by ebooklib (chapter, photos from disk, navigation), in memory."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier(story.id)
    book.set_title(story.headline)
    book.set_language(story.language)
    chapter = epub.EpubHtml(title=story.headline, file_name="story.xhtml", lang=story.language)
    chapter.content = f"<h1>{html.escape(story.headline)}</h1>" + render_body(story, lambda i: f"images/{i.src}")
    book.add_item(chapter)
    for figure in story.figures:
        assert figure.image is not None
        book.add_item(epub.EpubImage(uid=figure.image.src, file_name=f"images/{figure.image.src}",
                                     media_type="image/jpeg", content=(folder / figure.image.src).read_bytes()))
    book.toc = [chapter]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", chapter]
    buffer = io.BytesIO()
    epub.write_epub(buffer, book)
    return buffer.getvalue()


def measure_cold_story(story: Story, folder: Path, runs: int) -> float:
    """One story with five photos, cold, beside the zip-only floor and ebooklib; returns ours/zip."""
    options = ExportOptions(title="Benchmark")
    ours = best_of(runs, lambda: export_epub([story], options, ImageResolver(folder)))  # a fresh resolver: cold
    floor = best_of(runs, lambda: zip_only(story, folder))
    peer = best_of(runs, lambda: ebooklib_book(story, folder))
    size = len(export_epub([story], options, ImageResolver(folder)))
    images = [f.image for f in story.figures if f.image is not None]
    resolving = best_of(runs, lambda: [ImageResolver(folder).resolve(image) for image in images])
    print(f"{'story, 5 photos, cold':28} ours {ours * 1000:7.2f} ms   zip only {floor * 1000:6.2f} ms "
          f"({ours / floor:4.1f}x, target <= {ZIP_RATIO_TARGET:.0f}x)   ebooklib {peer * 1000:7.2f} ms "
          f"(ours {ours / peer:4.2f}x ebooklib)   {size / 1e6:5.2f} MB")
    print(f"{'  of which photos resolved':28} {resolving * 1000:7.2f} ms (images.py: read, check, normalise); "
          f"the rest {(ours - resolving) * 1000:5.2f} ms ({(ours - resolving) / floor:4.1f}x the zip only)")
    return ours / floor


def pandoc_html(stories: list[Story], folder: Path) -> Path:
    """The same stories as one HTML file (headline, by-line, body with local photos) for pandoc."""
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'/><title>Bench</title></head><body>"]
    for story in stories:
        parts.append(f"<h1>{html.escape(story.headline)}</h1>")
        if story.bylines:
            parts.append(f"<p>By {html.escape(', '.join(b.name for b in story.bylines))}</p>")
        parts.append(render_body(story, lambda image: str(folder / image.src)))
    parts.append("</body></html>")
    path = folder / "pandoc-input.html"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def measure_pandoc(label: str, stories: list[Story], folder: Path, runs: int) -> None:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        print(f"{'pandoc ' + label:28} skipped: pandoc is not on PATH")
        return
    source = pandoc_html(stories, folder)
    out = folder / "pandoc.epub"
    command = [pandoc, str(source), "-f", "html", "-t", "epub3", "-o", str(out), "--resource-path", str(folder),
               "--metadata", "title=Bench"]
    seconds = best_of(runs, lambda: subprocess.run(command, check=True, capture_output=True))
    print(f"{'pandoc ' + label:28} best  {seconds * 1000:8.1f} ms "
          f"({seconds / len(stories) * 1000:5.2f} ms/story)   {out.stat().st_size / 1e6:6.2f} MB   (separate process)")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        story = five_photo_story(folder)
        edition = generate_stories(100, folder)
        ratio = measure_cold_story(story, folder, 30)
        warm = measure("story, 5 photos 1200x800", [story], folder, 50)
        measure("edition, 100 stories", edition, folder, 5)
        measure_pandoc("story, 5 photos", [story], folder, 3)
        measure_pandoc("edition, 100 stories", edition, folder, 3)
        measure_lazy_memory(folder / "lazy", (100, 1000))
        if shutil.which("pandoc"):
            version = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
            print(f"({version})")
    ok = warm < STORY_TARGET_SECONDS and ratio <= ZIP_RATIO_TARGET
    print(f"{'OK' if ok else 'SLOW'}: cold {ratio:.1f}x the zip-only floor (target {ZIP_RATIO_TARGET:.0f}x); "
          f"warm {warm * 1000:.2f} ms (target 10 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
