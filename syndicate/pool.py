"""Worker pools: where the build's per-story tasks run.

A task is a pure function of the build's settings and one input, returning a
picklable result; it never touches the output folder, the lock or the
manifest, which stay with the one build process. So any pool that can call
``task(settings, item)`` somewhere and hand the result back will do: this
module has the local one (forked processes, or the build's own process for
``jobs=1``); a cluster scheduler can sit beside it behind the same
:class:`Pool` interface.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, TypeVar

from .config import BuildSettings
from .lock import release_inherited_lock

if TYPE_CHECKING:
    import concurrent.futures

__all__ = ["Pool", "LocalPool", "Task", "make_pool"]

T = TypeVar("T")
R = TypeVar("R")
Task = Callable[[BuildSettings, T], R]


class Pool(Protocol):
    """Runs tasks somewhere and yields their results as they finish (in any order)."""

    def __enter__(self) -> Pool: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...

    def map_unordered(self, task: Task[T, R], items: Iterable[T],
                      lost: Callable[[T, str], R] | None = None) -> Iterator[R]:
        """``task(settings, item)`` for every item, results as they come; ``lost(item, reason)`` stands in
        for the result of an item the pool gave up on (its task kept crashing the workers that ran it)."""
        ...


def make_pool(settings: BuildSettings) -> Pool:
    """The pool a build runs its stories in: the Dask cluster at ``settings.scheduler``, else local workers."""
    if settings.scheduler:
        from .cluster import ClusterPool, absolute_settings  # only here: a local build never imports dask

        return ClusterPool(absolute_settings(settings), settings.scheduler)
    return LocalPool(settings)


class LocalPool:
    """``jobs`` forked worker processes on this machine, or the build's own process when ``jobs`` is 1."""

    def __init__(self, settings: BuildSettings) -> None:
        self.settings = settings
        self.executor: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalPool:
        if self.settings.jobs > 1:
            # loaded only for workers: a build exporting one story (an edit) runs it here and never loads them
            import concurrent.futures
            import multiprocessing

            # fork: workers start at once and need no `if __name__ == "__main__"` guard in the caller's script
            context = multiprocessing.get_context("fork")
            self.executor = concurrent.futures.ProcessPoolExecutor(
                self.settings.jobs, mp_context=context, initializer=_init_forked_worker, initargs=(os.getpid(),))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.executor is None:
            return
        # Interrupted or not, the stories not started are cancelled and those in hand finish (each is short,
        # remote photos have a deadline). Terminating a worker mid-answer could leave half a result in the
        # pipe, and the executor would then wait for the rest forever.
        self.executor.shutdown(wait=True, cancel_futures=True)

    def map_unordered(self, task: Task[T, R], items: Iterable[T],
                      lost: Callable[[T, str], R] | None = None) -> Iterator[R]:
        """``task(settings, item)`` for every item, in the workers; results in the order they finish.
        (A local worker that crashes breaks the whole pool, so ``lost`` is never called here.)"""
        if self.executor is None:
            return (task(self.settings, item) for item in items)
        return self._windowed(task, iter(items))

    def _windowed(self, task: Task[T, R], items: Iterator[T]) -> Iterator[R]:
        """Keep a few tasks per worker in flight and forget each as its result is handed on: memory stays
        flat however many stories there are (a result holds a story's files), and Ctrl-C has little to
        cancel."""
        import concurrent.futures

        assert self.executor is not None
        window = 4 * self.settings.jobs
        pending: set[concurrent.futures.Future[R]] = set()
        while True:
            for item in itertools.islice(items, window - len(pending)):
                pending.add(self.executor.submit(task, self.settings, item))
            if not pending:
                return
            done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            while done:
                yield done.pop().result()


def _init_forked_worker(build_pid: int) -> None:
    """A forked worker lets go of the build's lock (so the lock dies with the build, not with the last
    worker), leaves Ctrl-C to the build (which stops the pool), and exits by itself if the build dies
    (its task queue would never close: it holds both ends)."""
    release_inherited_lock()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(build_pid,), daemon=True).start()


def _exit_with(build_pid: int) -> None:
    while os.getppid() == build_pid:
        time.sleep(0.5)
    os._exit(1)  # the build is gone: nothing this worker makes would be recorded
