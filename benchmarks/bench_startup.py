"""Benchmark: start-up, the whole process, beside ``python -c pass`` measured in the same run.

Usage: python benchmarks/bench_startup.py [--runs 15]

Runs each command once per round, the commands one after another in every
round, so a busy moment of a shared machine falls on all of them alike; then
prints each command's median over the rounds and its ratio to
``python -c pass`` (the interpreter alone, the peer of every line).
Issue 15's target is at most 3x for ``--version`` and for ``parse`` of the
sample story. The commands run in the repository folder, as a user's would
(its ``syndicate.toml`` is read), with this interpreter (``sys.executable``)
and the ``syndicate`` script beside it.

Each command is measured twice per round: with its bytecode cached, as an
installed package runs (``pip`` compiles it; here a temporary
``PYTHONPYCACHEPREFIX``, so the working tree gets no ``__pycache__``), and
with ``PYTHONDONTWRITEBYTECODE=1``, which on a checkout without
``__pycache__`` compiles the project's own modules from source at every
start (the standard library and site-packages keep their bytecode).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "input" / "aleppo-evacuation.txt"
SHARED_SAMPLE = ROOT.parent / "shared" / "samples" / "aleppo-evacuation.txt"
#: the ratio to ``python -c pass`` issue 15 allows the commands it names
TARGET = 3.0


def commands() -> list[tuple[str, list[str], bool]]:
    """``(label, argv, has a target)`` for each command measured; the peer comes first."""
    python = sys.executable
    script = Path(python).parent / "syndicate"
    found = [
        ("python -c pass", [python, "-c", "pass"], False),
        ("python -m syndicate --version", [python, "-m", "syndicate", "--version"], True),
    ]
    if script.exists():
        found.append(("syndicate --version (console script)", [str(script), "--version"], True))
    found.append(("syndicate parse input/aleppo-evacuation.txt", [python, "-m", "syndicate", "parse", str(SAMPLE)],
                  True))
    if SHARED_SAMPLE.exists():
        found.append(("syndicate parse shared/samples/aleppo-evacuation.txt",
                      [python, "-m", "syndicate", "parse", str(SHARED_SAMPLE)], True))
    found.append(('python -c "import syndicate"', [python, "-c", "import syndicate"], False))
    return found


def environments(cache: Path) -> dict[str, dict[str, str]]:
    """The two ways a command is run: with its bytecode cached in ``cache``, and with none written."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    return {"cached bytecode": {**base, "PYTHONPYCACHEPREFIX": str(cache)},
            "no bytecode written": {**base, "PYTHONDONTWRITEBYTECODE": "1"}}


def seconds(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run of ``argv`` (its output discarded); a failing command stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr.decode()[-2000:]}")
    return took


def measure(runs: int, envs: dict[str, dict[str, str]]) -> dict[tuple[str, str], list[float]]:
    """Each command's times in each environment over ``runs`` rounds, every round running every command
    once in each (after one unmeasured round that warms the disk cache and writes the cached bytecode)."""
    measured = commands()
    times: dict[tuple[str, str], list[float]] = {(label, env): [] for label, _, _ in measured for env in envs}
    for round_ in range(runs + 1):
        for label, argv, _ in measured:
            for name, env in envs.items():
                took = seconds(argv, env)
                if round_:
                    times[label, name].append(took)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds measured (the median is printed; default 15)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-") as cache:
        envs = environments(Path(cache))
        times = measure(args.runs, envs)
    print(f"start-up, median of {args.runs} rounds, {sys.executable}; ratio = time / python -c pass's, "
          f"target at most {TARGET:g}x (*)")
    print(f"  {'':<55}" + "".join(f"  {name:>22}" for name in envs))
    for label, _, targeted in commands():
        cells = []
        for name in envs:
            median = statistics.median(times[label, name])
            ratio = median / statistics.median(times["python -c pass", name])
            mark = "" if not targeted else (" ok" if ratio <= TARGET else " !!")
            cells.append(f"{median * 1000:6.1f} ms {ratio:5.2f}x{mark:3}")
        print(f"  {label + (' *' if targeted else ''):<55}" + "".join(f"  {cell:>22}" for cell in cells))


if __name__ == "__main__":
    main()
