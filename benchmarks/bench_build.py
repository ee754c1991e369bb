"""Benchmark the whole build as cron runs it: N generated stories, each with two 1200x800 photos.

Usage: python benchmarks/bench_build.py [--stories 1000] [--photos 2] [--jobs 2] [--keep DIR]

Writes N text stories (YAML front matter naming their photo files) into a
temporary input folder, then runs ``syndicate build`` as a command: a full
build into an empty output folder, a no-change rebuild (five times, the
median printed), and a rebuild after editing one story (an older one, then the newest,
which the feeds and the edition hold). Each figure is
printed beside its peers, measured in the same run on the same machine:
``python -c pass`` and ``syndicate --version`` (a whole process that does
nothing). Peak memory is the largest resident set of the build process and
of any one worker. ``--stories 10000 --photos 0`` measures the no-change
rebuild of a large archive quickly (no photo to draw).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from storygen import generate_story, story_as_text  # noqa: E402

#: Runs the CLI and reports its own peak memory and its largest child's (a worker) as JSON on stderr's last line.
RUNNER = """
import resource, sys
from syndicate.cli import main
try:
    main(sys.argv[1:], prog_name="syndicate")
except SystemExit as done:
    code = done.code
self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"@@rss {self_mb:.1f} {child_mb:.1f}", file=sys.stderr)
sys.exit(code)
"""


def draw_photo(path: Path, seed: int) -> None:
    """A distinct 1200x800 JPEG (a gradient-free fill and two boxes placed by ``seed``)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (1200, 800), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(img)
    for _ in range(2):
        x, y = rng.randrange(1000), rng.randrange(600)
        draw.rectangle((x, y, x + 200, y + 200), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    img.save(path, "JPEG", quality=85)


def make_input(folder: Path, n: int, photos: int) -> None:
    """``n`` stories (``story-00000.txt``…) with ``photos`` photos each, named in their front matter."""
    (folder / "images").mkdir(parents=True)
    for i in range(n):
        names = [f"images/story{i:05d}-{k}.jpg" for k in range(photos)]
        for k, name in enumerate(names):
            draw_photo(folder / name, i * 10 + k)
        (folder / f"story-{i:05d}.txt").write_text(story_as_text(generate_story(i, images=False), names),
                                                   encoding="utf-8")


def add_paragraph(story: Path) -> None:
    """An editor's change to one story: a paragraph added at its end."""
    story.write_text(story.read_text(encoding="utf-8") + "\nA late paragraph, added by an editor.\n",
                     encoding="utf-8")


def run(*args: str, cwd: Path) -> tuple[float, str]:
    """Seconds one process took, and its stderr."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"failed: {args}\n{done.stderr[-2000:]}")
    return seconds, done.stderr


def best_of(times: int, *args: str, cwd: Path) -> float:
    """The median of ``times`` runs of a process (start-up is noisy on a shared machine)."""
    return statistics.median(run(*args, cwd=cwd)[0] for _ in range(times))


def build(label: str, base: Path, jobs: int, peers: dict[str, float], n: int, times: int = 1) -> float:
    """Run one build as a command (``times`` times, for a build that changes nothing and so can be repeated:
    the median, as for the peers); print its time beside the peers, its summary and its peak memory."""
    runs = [run("-c", RUNNER, "build", "input", "output", "--jobs", str(jobs), "--quiet",
                "--base-url", "https://news.example.com/", cwd=base) for _ in range(times)]
    seconds, err = statistics.median(t for t, _ in runs), runs[-1][1]
    rss = [line.split() for line in err.splitlines() if line.startswith("@@rss")][-1]
    ratios = "  ".join(f"{seconds / t:6.1f}x {name}" for name, t in peers.items())
    print(f"{label:<20} {seconds:7.3f} s  {n / seconds:8.0f} stories/s  {ratios}  "
          f"peak RSS {float(rss[1]):.1f} MiB build, {float(rss[2]):.1f} MiB largest worker")
    return seconds


def in_process_edit(base: Path, jobs: int, n: int) -> None:
    """The same edit-one rebuild from Python, in a process that has imported syndicate already (a
    long-running pipeline, or what the command costs beyond its start-up)."""
    import importlib
    import os

    import syndicate

    os.chdir(base)  # the state folder is found where the command found it
    options = {"jobs": jobs, "base_url": "https://news.example.com/"}
    syndicate.build("input", "output", **options)
    for name in syndicate.FORMATS.values():  # what a rebuild runs, loaded once as a pipeline would have it
        importlib.import_module(name.partition(":")[0])
    importlib.import_module("syndicate.readers.text")
    edited = sorted((base / "input").glob("story-*.txt"))[n // 3]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAnother late paragraph.\n", encoding="utf-8")
    started = time.perf_counter()
    report = syndicate.build("input", "output", **options)
    print(f"{'one edited, in-process':<20} {time.perf_counter() - started:7.3f} s  ({len(report.built)} built, "
          f"{len(report.unchanged)} unchanged)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=2, help="photos per story (1200x800 JPEG)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the input and output under this folder")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="syndicate-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        make_input(base / "input", args.stories, args.photos)
        print(f"{args.stories} stories, {args.stories * args.photos} photos of 1200x800 written in "
              f"{time.perf_counter() - started:.1f} s; jobs={args.jobs}")
        peers = {"python -c pass": best_of(5, "-c", "pass", cwd=base),
                 "syndicate --version": best_of(5, "-m", "syndicate", "--version", cwd=base)}
        for name, t in peers.items():
            print(f"{name:<20} {t:7.3f} s")
        build("full build", base, args.jobs, peers, args.stories)
        build("no-change rebuild", base, args.jobs, peers, args.stories, times=5)
        stories = sorted((base / "input").glob("story-*.txt"))
        add_paragraph(stories[args.stories // 2])  # an older story: the feeds and edition keep their stories
        build("one story edited", base, args.jobs, peers, args.stories)
        add_paragraph(stories[-1])  # the newest story (the highest number): the feeds and edition are remade
        build("newest one edited", base, args.jobs, peers, args.stories)
        in_process_edit(base, args.jobs, args.stories)
        edition = base / "output" / "edition.epub"
        print(f"edition.epub: {edition.stat().st_size / 1e6:.1f} MB; manifest: "
              f"{sum(p.stat().st_size for p in (base / '.syndicate').rglob('.syndicate-manifest.json')) / 1e6:.1f} MB")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
