"""Benchmark one build worker's memory over a long build: is it flat in the number of stories?

Usage: python benchmarks/bench_worker.py [--stories 2000] [--photos 2] [--keep DIR]

Writes N stories with two 1200x800 photos each (as ``bench_build.py`` does),
then, in a fresh process that has forked from nothing (so none of a build
process's memory is inherited), exports them one after another through
``tasks.export_story``, as a pool worker does. It prints the resident set
after 250 stories beside the same process after 100 (its warm peer: imports
done, one story's buffers allocated) and after every further quarter, so a
slope shows as a growing ratio; issue 15 asks for a worker's peak the same
within 10 % at 250 and at 2,000 stories. What a forked worker adds to this,
the build process's own memory at the fork, is measured by ``bench_build.py``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_build import make_input  # noqa: E402

#: Exports stories 0..N-1 of the input folder in this process and prints "@@rss <stories> <MiB now> <MiB peak>".
WORKER = """
import resource, sys
from pathlib import Path
from syndicate.config import BuildSettings
from syndicate.discovery import StoryInput
from syndicate.exporters import ExportOptions
from syndicate.tasks import Job, export_story

base, n, marks = Path(sys.argv[1]), int(sys.argv[2]), {int(m) for m in sys.argv[3].split(",")}
settings = BuildSettings(input_dir=base / "input", output_dir=base / "output", state_dir=base / ".state", jobs=1,
                         export=ExportOptions(base_url="https://news.example.com/"))
for i in range(n):
    result = export_story(settings, Job(StoryInput(str(base / "input"), f"story-{i:05d}.txt")))
    assert result.error is None, result.error
    del result
    if i + 1 in marks:
        with open("/proc/self/statm") as statm:
            now = int(statm.read().split()[1]) * resource.getpagesize() / 2**20
        print(f"@@rss {i + 1} {now:.1f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--photos", type=int, default=2, help="photos per story (1200x800 JPEG)")
    parser.add_argument("--keep", type=Path, help="keep the input (and the image cache) under this folder")
    args = parser.parse_args()
    if args.stories < 250:
        parser.error("--stories must be at least 250 (the figure is compared with the peak at 250)")
    base = args.keep or Path(tempfile.mkdtemp(prefix="syndicate-bench-"))
    try:
        if not (base / "input").exists():
            make_input(base / "input", args.stories, args.photos)
        shutil.rmtree(base / ".state", ignore_errors=True)  # a first build: every photo checked and published
        marks = sorted({100, 250} | {args.stories * k // 4 for k in range(1, 5)} - {0})
        done = subprocess.run([sys.executable, "-c", WORKER, str(base), str(args.stories), ",".join(map(str, marks))],
                              capture_output=True, text=True, check=True)
        rows = [line.split()[1:] for line in done.stdout.splitlines() if line.startswith("@@rss")]
        warm = next(float(peak) for stories, _, peak in rows if stories == "100")
        print(f"one worker exporting {args.stories} stories with {args.photos} photos each (peak RSS):")
        for stories, now, peak in rows:
            print(f"  after {int(stories):6d} stories  {float(peak):6.1f} MiB  ({float(peak) / warm:5.3f}x the same "
                  f"process after 100 stories; now {float(now):.1f} MiB)")
        at_250 = next(float(peak) for stories, _, peak in rows if stories == "250")
        at_end = float(rows[-1][2])
        verdict = "OK" if at_end <= at_250 * 1.1 else "GROWS"
        print(f"{verdict}: after {args.stories} stories, {at_end / at_250:.3f}x the peak at 250 (target within 10 %)")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
