"""Benchmark: RSS, Atom and JSON Feed of 1,000 generated stories (target: under 1 s per feed).

Run: ``python benchmarks/bench_feeds.py [N]``. Stories come from ``tests/storygen.py``
(with local image files, so every feed links photos); the time is the best of
three exports, and the peak is the memory tracemalloc sees during one export.
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from storygen import generate_stories  # noqa: E402

from syndicate.exporters import ExportOptions, get_exporter  # noqa: E402
from syndicate.model import Story  # noqa: E402

FORMATS = ("rss", "atom", "jsonfeed")
TARGET_SECONDS = 1.0


def measure(fmt: str, stories: list[Story], options: ExportOptions) -> tuple[float, int, int]:
    """Best-of-three seconds, output bytes, and tracemalloc peak bytes for one format."""
    exporter = get_exporter(fmt)
    best = float("inf")
    size = 0
    for _ in range(3):
        start = time.perf_counter()
        size = len(exporter(stories, options, None))  # type: ignore[arg-type]  # feeds never use the resolver
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    exporter(stories, options, None)  # type: ignore[arg-type]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, size, peak


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 1000
    with tempfile.TemporaryDirectory() as tmp:
        stories = generate_stories(n, Path(tmp) / "images")
    options = ExportOptions(title="Benchmark News", base_url="https://example.com/news/", limit=n)
    figures = sum(len(s.figures) for s in stories)
    print(f"{n} stories, {figures} figures")
    slow = False
    for fmt in FORMATS:
        seconds, size, peak = measure(fmt, stories, options)
        slow |= seconds >= TARGET_SECONDS
        print(f"{fmt:9} {seconds * 1000:7.1f} ms  {n / seconds:8.0f} stories/s  "
              f"{size / 1e6:6.2f} MB out  peak {peak / 1e6:6.1f} MB (tracemalloc)")
    print("OK: every feed under 1 s" if not slow else "SLOW: a feed took 1 s or more")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
