"""Benchmark a build on a Dask cluster beside the same build on local workers, in the same run.

Usage: python benchmarks/bench_dask.py [--stories 10000] [--workers 2] [--jobs 2] [--no-photos] [--keep DIR]

Writes N generated stories (with photos unless ``--no-photos``) into a
temporary input folder, then builds them three ways into fresh output
folders: ``--jobs 1`` in one process, ``--jobs N`` on local forked workers,
and ``--scheduler`` on a cluster of one ``dask scheduler`` process and
``--workers`` ``dask worker`` processes (one thread each) on this machine. Prints seconds and stories/s for each,
and checks that the three output folders are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from storygen import write_inputs  # noqa: E402

import syndicate  # noqa: E402

BASE_URL = "https://news.example.com/"


def digest(folder: Path) -> str:
    """One hash of every file's path and bytes: equal digests, identical folders."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def timed(label: str, n: int, input_dir: Path, output_dir: Path, **options: object) -> tuple[float, str]:
    started = time.perf_counter()
    report = syndicate.build(input_dir, output_dir, base_url=BASE_URL, quiet=True,
                             state_dir=str(output_dir.parent / f".state-{output_dir.name}"), **options)
    seconds = time.perf_counter() - started
    assert report.exit_code == 0, report.rejected[:3]
    print(f"{label:<34} {seconds:8.2f} s  {n / seconds:8.1f} stories/s", flush=True)
    return seconds, digest(output_dir)


@contextmanager
def cluster_processes(workers: int, folder: Path) -> Iterator[str]:
    """A ``dask scheduler`` and ``dask worker`` processes on this machine, as on a real cluster (the
    scheduler in its own process, not in the build's); yields the scheduler's address."""
    dask = Path(sys.executable).with_name("dask")
    info = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen([dask, "scheduler", "--port", "0", "--no-dashboard", "--scheduler-file", info],
                                 **quiet)  # type: ignore[call-overload]
    worker = subprocess.Popen([dask, "worker", "--scheduler-file", info, "--nworkers", str(workers),
                               "--nthreads", "1", "--no-dashboard"], **quiet)  # type: ignore[call-overload]
    try:
        deadline = time.monotonic() + 60
        while not info.exists():
            if time.monotonic() > deadline:
                raise SystemExit("the dask scheduler did not start")
            time.sleep(0.1)
        from distributed import Client

        address = json.loads(info.read_text())["address"]
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)
        yield address
    finally:
        for process in (worker, scheduler):
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="dask worker processes")
    parser.add_argument("--jobs", type=int, default=2, help="local worker processes")
    parser.add_argument("--no-photos", action="store_true", help="stories without photos (text and XML only)")
    parser.add_argument("--keep", type=Path, help="keep the input and outputs under this folder")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="syndicate-bench-dask-"))
    input_dir = base / "input"
    started = time.perf_counter()
    write_inputs(input_dir, args.stories, images=not args.no_photos)
    photos = len(list((input_dir / "images").iterdir()))
    print(f"{args.stories} stories, {photos} photos written in {time.perf_counter() - started:.1f} s")
    try:
        one, reference = timed("local, --jobs 1", args.stories, input_dir, base / "one", jobs=1)
        many, local = timed(f"local, --jobs {args.jobs}", args.stories, input_dir, base / "local", jobs=args.jobs)
        with cluster_processes(args.workers, base) as address:
            on, remote = timed(f"dask scheduler + {args.workers} workers", args.stories, input_dir,
                               base / "cluster", scheduler=address)
        print(f"cluster / local --jobs {args.jobs}: {many / on:.2f}x the throughput; "
              f"per worker: {args.stories / on / args.workers:.1f} stories/s "
              f"(local --jobs 1: {args.stories / one:.1f})")
        print("outputs identical:", reference == local == remote)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
