"""Run a build's stories on a Dask cluster (``syndicate build --scheduler tcp://HOST:8786``).

The :class:`ClusterPool` is the :class:`~syndicate.pool.Pool` that sends each
per-story task (a pure function of the build's settings and one input, see
:mod:`syndicate.tasks`) to a ``dask.distributed`` scheduler and hands the
results (the files' bytes) back to the one build process, which alone holds
the lock, stages and renames files and writes the manifest, the feeds and the
edition. Workers write nothing: a killed build or a lost worker leaves the
output folder as the local build would, old files or new ones.

Workers read the inputs from the same absolute path as the build process, so
the input folder (and the state folder, whose image cache they share) must be
on a filesystem every worker sees at the same path, and every worker must run
the same version of syndicate (checked on connecting). A task lost with its
worker is run again by the scheduler; a story that keeps killing workers
(the scheduler's ``allowed-failures``, 1 in the README's deployment) is
rejected and named like any bad input, and the build goes on.

Nothing here is imported unless a scheduler is set, so a build without the
``dask`` extra never imports dask.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from . import __version__
from .config import BuildSettings
from .errors import ConfigError

__all__ = ["ClusterPool", "absolute_settings"]

T = TypeVar("T")
R = TypeVar("R")

#: How long connecting to the scheduler may take before the build gives up (exit 2).
CONNECT_TIMEOUT = 30.0
#: Stories kept in flight per worker thread: enough to keep the cluster busy, few enough that a huge
#: archive never sits in the scheduler's memory all at once.
IN_FLIGHT_PER_THREAD = 16
#: Stories per task: a task costs the scheduler about a millisecond, a story a worker about twenty.
CHUNK = 8


def absolute_settings(settings: BuildSettings) -> BuildSettings:
    """The settings with every folder made absolute, as a worker in another folder or on another machine
    (with the same shared filesystem) needs them."""
    return replace(settings, input_dir=Path(os.path.abspath(settings.input_dir)),
                   output_dir=Path(os.path.abspath(settings.output_dir)),
                   state_dir=Path(os.path.abspath(settings.state_dir)))


class ClusterPool:
    """Per-story tasks on the ``dask.distributed`` scheduler at ``address``; see the module docstring.

    ``lost(item, reason)`` makes the result for an item whose task the cluster
    gave up on (it killed its workers); without it the error is raised.
    """

    def __init__(self, settings: BuildSettings, address: str) -> None:
        self.settings = settings
        self.address = address
        self.client: Any = None
        self._running: dict[Any, Any] = {}  # future -> its item, while it runs

    def __enter__(self) -> ClusterPool:
        try:
            from distributed import Client
        except ImportError:
            raise ConfigError("--scheduler needs the dask extra: pip install 'syndicate[dask]'") from None
        try:
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
        try:
            self._check_workers()
        except BaseException:
            self.client.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.client is None:
            return
        if self._running:
            # interrupted or failed: nothing still running would be recorded
            self.client.cancel(list(self._running), force=True)
            self._running.clear()
        self.client.close()
        self.client = None

    def _check_workers(self) -> None:
        """Refuse a cluster whose workers run another syndicate or cannot see the input folder."""
        folder = str(self.settings.input_dir)
        report = self.client.run(_worker_view, folder)
        if not report:
            raise ConfigError(f"the Dask scheduler at {self.address} has no workers")
        for worker, (version, sees_input) in sorted(report.items()):
            if version != __version__:
                raise ConfigError(f"Dask worker {worker} runs syndicate {version}, this build {__version__}: "
                                  "every worker needs the same version for the same bytes")
            if not sees_input:
                raise ConfigError(f"Dask worker {worker} cannot see the input folder {folder}: put it on a "
                                  "filesystem every worker mounts at the same path")

    def _threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def map_unordered(self, task: Callable[[BuildSettings, T], R], items: Iterable[T],
                      lost: Callable[[T, str], R] | None = None) -> Iterator[R]:
        """``task(settings, item)`` for every item, on the cluster; results in the order they finish.

        Items travel in chunks of :data:`CHUNK` (one task each), so the scheduler's cost per task is
        shared by several stories; a chunk that was on a dying worker is run again by the scheduler.
        """
        from distributed import as_completed

        chunks = _chunked(items, CHUNK)
        window = max(2, self._threads() * IN_FLIGHT_PER_THREAD // CHUNK)
        running = self._running
        done = as_completed(loop=self.client.loop)

        def submit_next() -> bool:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            # pure=False: the same input may be submitted again by a later build and must really run
            # (the settings travel with each task: a few hundred bytes, and unlike scattered data they
            # survive the loss of any worker)
            future = self.client.submit(run_chunk, task, self.settings, chunk, pure=False)
            running[future] = chunk
            done.add(future)
            return True

        while len(running) < window and submit_next():
            pass
        suspects: list[T] = []  # items whose workers died under them, perhaps for another item's sake
        for future in done:
            chunk = running.pop(future)
            results = self._result(future)
            future.release()
            submit_next()
            if results is _KILLED:
                suspects.extend(chunk)
            else:
                yield from results
        # Run each suspect again on its own, so a story that was only beside the one that crashes its
        # workers is built, and the one that crashes them is rejected.
        for item in suspects:
            future = self.client.submit(run_chunk, task, self.settings, [item], pure=False)
            running[future] = [item]
            results = self._result(future)
            running.pop(future)
            if results is not _KILLED:
                yield from results
            elif lost is None:
                raise ConfigError(f"{item} crashed the Dask workers that ran it")
            else:
                yield lost(item, "crashed the Dask workers that ran it (twice); the build goes on without it")

    @staticmethod
    def _result(future: Any) -> Any:
        """The task's result, or :data:`_KILLED` when the scheduler gave up on it after its workers died."""
        from distributed.scheduler import KilledWorker

        try:
            return future.result()
        except KilledWorker:
            return _KILLED


_KILLED: Any = object()


def run_chunk(task: Callable[[BuildSettings, T], R], settings: BuildSettings, chunk: list[T]) -> list[R]:
    """Run on a worker: ``task`` for each item of one chunk."""
    return [task(settings, item) for item in chunk]


def _chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _worker_view(folder: str) -> tuple[str, bool]:
    """Run on each worker: its syndicate version, and whether it sees the input folder."""
    return __version__, os.path.isdir(folder)
