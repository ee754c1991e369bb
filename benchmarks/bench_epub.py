"""Benchmark: EPUB of one story with 5 photos (1200x800) and a 100-story edition; pandoc side by side;
peak memory of 100- and 1,000-story editions read lazily from disk.

Run: ``python benchmarks/bench_epub.py``. For each book it prints the first
build (photos normalised by a fresh resolver), the warm build (photos already
memoised, as when a build makes the edition and the per-story books with one
resolver; target under 10 ms for a story), throughput, output size and the
peak memory tracemalloc sees during a warm build. When ``pandoc`` is on PATH it
makes the same book from the same text and photos (an HTML file of the
stories) and its time is printed beside ours; otherwise that line says it was
skipped.

Then it builds editions of 100 and 1,000 stories (about two photos each) from
a sequence that parses each story's JSON file on every access, as a build
hands them over, and prints the peak traced memory, the book's size and the
peak less the book (the book's own bytes are in memory by design): that last
figure is what the exporter holds besides its output, and should grow far
more slowly than the stories (about 4 KB a story: each chapter's navigation
entry, each photo's name and size, zipfile's entry records).
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import overload

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from storygen import generate_stories, generate_story  # noqa: E402

from syndicate.exporters import ExportOptions  # noqa: E402
from syndicate.exporters.epub import export_epub  # noqa: E402
from syndicate.html import render_body  # noqa: E402
from syndicate.images import ImageResolver  # noqa: E402
from syndicate.model import Figure, Image, Story  # noqa: E402

STORY_TARGET_SECONDS = 0.010


def photo(path: Path, seed: int, size: tuple[int, int] = (1200, 800)) -> None:
    """A photo-like 1200x800 JPEG: noise over a gradient, so it compresses like a real picture (~300 KB)."""
    from PIL import Image as PILImage

    noise = PILImage.effect_noise(size, 40 + seed).convert("L")
    gradient = PILImage.linear_gradient("L").resize(size)
    PILImage.merge("RGB", (noise, gradient, PILImage.blend(noise, gradient, 0.5))).save(path, "JPEG", quality=88)


def five_photo_story(folder: Path) -> Story:
    """A generated story with five 1200x800 photos, each after a paragraph."""
    base = generate_story(1, images=False)
    body: list = [b for b in base.body if not isinstance(b, Figure)]
    for n in range(5):
        photo(folder / f"photo-{n}.jpg", n)
        body.insert(min(len(body), 2 * n + 1), Figure(f"Photo {n}: the scene.", "Photo: Bench/Agency",
                                                     f"Photo {n}", Image(f"photo-{n}.jpg", "image/jpeg", 1200, 800)))
    return replace(base, body=tuple(body))


def best_of(runs: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


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
    """Peak traced memory of editions read lazily from JSON files (resolver warm, as in a build)."""
    stories = generate_stories(max(sizes), folder)
    paths = []
    for story in stories:
        path = folder / f"{story.slug}.json"
        path.write_text(story.to_json(), encoding="utf-8")
        paths.append(path)
    del stories  # only the files remain
    options = ExportOptions(title="Benchmark Edition")
    for size in sizes:
        resolver = ImageResolver(folder)
        export_epub(StoryFiles(paths[:size]), options, resolver)  # photos normalised once
        start = time.perf_counter()
        data = export_epub(StoryFiles(paths[:size]), options, resolver)
        seconds = time.perf_counter() - start
        tracemalloc.start()
        export_epub(StoryFiles(paths[:size]), options, resolver)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{f'lazy edition, {size} stories':28} warm {seconds * 1000:8.1f} ms   {len(data) / 1e6:6.2f} MB   "
              f"peak {peak / 1e6:6.1f} MB   peak less the book {(peak - len(data)) / 1e6:5.1f} MB "
              f"({(peak - len(data)) / size / 1e3:4.1f} KB/story)")


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
        warm = measure("story, 5 photos 1200x800", [story], folder, 50)
        measure("edition, 100 stories", edition, folder, 5)
        measure_pandoc("story, 5 photos", [story], folder, 3)
        measure_pandoc("edition, 100 stories", edition, folder, 3)
        measure_lazy_memory(folder / "lazy", (100, 1000))
        if shutil.which("pandoc"):
            version = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
            print(f"({version})")
    ok = warm < STORY_TARGET_SECONDS
    print(f"{'OK' if ok else 'SLOW'}: a story with its photos memoised builds in {warm * 1000:.2f} ms (target 10 ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
