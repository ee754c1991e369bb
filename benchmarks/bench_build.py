"""Benchmark the whole build: N generated stories with photos, from scratch, unchanged, one changed.

Usage: python benchmarks/bench_build.py [--stories 1000] [--jobs 2] [--keep DIR]

Writes N text stories (YAML front matter naming their photo files, captions
as a scrape keeps them) into a temporary input folder, then times
``syndicate.build`` three times: a full build into an empty output folder, a
no-change rebuild, and a rebuild after editing one story. Prints seconds,
stories per second and peak memory (this process and its workers).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from storygen import generate_story  # noqa: E402

import syndicate  # noqa: E402
from syndicate.model import Figure, Heading, ListBlock, Paragraph, Quote, Story  # noqa: E402


def story_as_text(story: Story) -> str:
    """The story as a scrape with front matter: what users feed the build."""
    meta = [
        "---",
        f"headline: {json.dumps(story.headline)}",  # a JSON string is a YAML string
        f"published: {story.published.isoformat() if story.published else 'null'}",
        f"bylines: [{', '.join(b.name for b in story.bylines)}]",
    ]
    images = [f.image.src for f in story.figures if f.image is not None]
    if images:
        meta.append("images: [" + ", ".join(f"images/{src}" for src in images) + "]")
    meta.append("---")
    lines = []
    for block in story.body:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Heading):
            lines.append(block.text)
        elif isinstance(block, Quote):
            lines.append(f"{block.text} {block.attribution or ''} said.".strip())
        elif isinstance(block, ListBlock):
            lines.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Figure):
            lines.append(f"{block.caption[:50]}\n{block.caption} ({block.credit})")
    return "\n".join(meta) + "\n" + "\n\n".join(lines) + "\n"


def make_input(folder: Path, n: int) -> None:
    (folder / "images").mkdir(parents=True)
    for i in range(n):
        story = generate_story(i, folder / "images")
        (folder / f"story-{i:04d}.txt").write_text(story_as_text(story), encoding="utf-8")


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def timed(label: str, n: int, input_dir: Path, output_dir: Path, jobs: int) -> None:
    started = time.perf_counter()
    report = syndicate.build(input_dir, output_dir, jobs=jobs, base_url="https://news.example.com/")
    seconds = time.perf_counter() - started
    own, children = peak_mb()
    print(f"{label:<22} {seconds:7.2f} s  {len(report.built):5d} built  {len(report.unchanged):5d} unchanged  "
          f"{n / seconds:8.1f} stories/s  {len(report.written):5d} files written  "
          f"peak RSS {own:.0f} MB (main), {children:.0f} MB (largest worker)")
    if report.rejected:
        print(f"  rejected: {report.rejected[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the input and output under this folder")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="syndicate-bench-"))
    input_dir, output_dir = base / "input", base / "output"
    started = time.perf_counter()
    make_input(input_dir, args.stories)
    photos = len(list((input_dir / "images").iterdir()))
    print(f"{args.stories} stories, {photos} photos written in {time.perf_counter() - started:.1f} s; jobs={args.jobs}")
    try:
        timed("full build", args.stories, input_dir, output_dir, args.jobs)
        timed("no-change rebuild", args.stories, input_dir, output_dir, args.jobs)
        edited = input_dir / "story-0500.txt" if args.stories > 500 else input_dir / "story-0000.txt"
        edited.write_text(edited.read_text(encoding="utf-8") + "\nA late paragraph, added by an editor.\n", encoding="utf-8")
        timed("one story changed", args.stories, input_dir, output_dir, args.jobs)
        edition = output_dir / "edition.epub"
        print(f"edition.epub: {edition.stat().st_size / 1e6:.1f} MB")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
