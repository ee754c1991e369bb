"""Benchmark: the image resolver beside the plain work on the same files, measured in the same run.

Run: ``python benchmarks/bench_images.py``. It writes five photo-like
1200x800 JPEGs (already right for a book: no EXIF, within ``image_max_size``)
and prints, each the best of several cold runs (a fresh resolver every time,
no on-disk cache):

- ``read + sha256``: reading and hashing the five files, the least any
  resolver must do;
- ``zip (stored)``: writing them into an in-memory zip, as an EPUB stores
  photos (issue 15's "zip-only limit"), and ``zip (deflated)``, the same
  with the zip tool's default compression, for comparison;
- ``resolve``: :meth:`ImageResolver.resolve` of each, cold (the original bytes
  are kept, so no pixel should be decoded);
- ``published``: :meth:`ImageResolver.published` of each, cold (a process that
  has published none of them: locate, read, check, hash) and then warm (a
  memo hit: one ``stat``, no hashing);
- ``EPUB, one story``: the whole book of a story with the five photos, cold,
  and the same story without its photos (what the book costs besides them).

Each line gives the ratio to ``zip (stored)``; issue 15's target is the EPUB
within 3x of it. Exit status 1 when it is not.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from storygen import best_of, five_photo_story  # noqa: E402

from syndicate.exporters import ExportOptions  # noqa: E402
from syndicate.exporters.epub import export_epub  # noqa: E402
from syndicate.images import ImageResolver, forget_published_records  # noqa: E402
from syndicate.model import Figure, Image  # noqa: E402

RUNS = 30
TARGET_RATIO = 3.0


def read_and_hash(paths: list[Path]) -> None:
    for path in paths:
        hashlib.sha256(path.read_bytes()).hexdigest()


def zip_files(paths: list[Path], method: int = zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(io.BytesIO(), "w", method) as archive:
        for path in paths:
            archive.writestr(path.name, path.read_bytes())


def resolve_cold(folder: Path, images: list[Image]) -> None:
    resolver = ImageResolver(folder)
    for image in images:
        assert resolver.resolve(image) is not None, resolver.problems


def published_cold(folder: Path, images: list[Image]) -> ImageResolver:
    forget_published_records()  # cold: as in a process that has published none of them (else a stat each)
    resolver = ImageResolver(folder)
    for image in images:
        assert resolver.published(image) is not None, resolver.problems
    return resolver


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        story = five_photo_story(folder)
        images = [b.image for b in story.body if isinstance(b, Figure) and b.image is not None]
        paths = [folder / image.src for image in images]
        options = ExportOptions(title="Benchmark")
        text_only = story.replace(body=tuple(b for b in story.body if not isinstance(b, Figure)))
        warm_resolver = published_cold(folder, images)
        results = {
            "read + sha256, 5 photos": best_of(RUNS, lambda: read_and_hash(paths)),
            "zip (stored), 5 photos": best_of(RUNS, lambda: zip_files(paths)),
            "zip (deflated), 5 photos": best_of(3, lambda: zip_files(paths, zipfile.ZIP_DEFLATED)),
            "resolve, cold": best_of(RUNS, lambda: resolve_cold(folder, images)),
            "published, cold": best_of(RUNS, lambda: published_cold(folder, images)),
            "published, warm": best_of(RUNS, lambda: [warm_resolver.published(i) for i in images]),
            "EPUB, one story, cold": best_of(RUNS, lambda: export_epub([story], options, ImageResolver(folder))),
            "EPUB, same without photos": best_of(RUNS, lambda: export_epub([text_only], options, ImageResolver(folder))),
        }
    zip_time = results["zip (stored), 5 photos"]
    for label, seconds in results.items():
        print(f"{label:28} {seconds * 1000:8.3f} ms   {seconds / zip_time:6.2f}x zip")
    ratio = results["EPUB, one story, cold"] / zip_time
    ok = ratio <= TARGET_RATIO
    print(f"{'OK' if ok else 'SLOW'}: EPUB of one story with five 1200x800 photos, cold, is {ratio:.2f}x "
          f"the zip of its photos (target {TARGET_RATIO:g}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
