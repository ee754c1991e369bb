"""Builds on a real Dask cluster (``--scheduler``): the same bytes as a local build, and lost workers survived.

A ``distributed.LocalCluster`` with two worker processes stands in for the
user's cluster: the build talks to it over TCP exactly as it would to a
scheduler on another machine.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from storygen import generate_stories, write_inputs

import syndicate
from syndicate.cluster import ClusterPool, absolute_settings
from syndicate.config import BuildSettings
from syndicate.exporters import ExportOptions

distributed = pytest.importorskip("distributed")  # a test dependency: only a bare `pip install -e .` lacks it

STORIES = 200
BASE_URL = "https://news.example.com/"


def run_build(input_dir: Path, output_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``syndicate build`` as a user runs it, with its own state folder."""
    state = output_dir.parent / f".state-{output_dir.name}"
    return subprocess.run([sys.executable, "-m", "syndicate", "build", str(input_dir), str(output_dir),
                           "--base-url", BASE_URL, "--state-dir", str(state), "--quiet", *extra],
                          capture_output=True, text=True, timeout=600, check=False)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of an output folder, by path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    import dask

    # a story is rejected once it has crashed two workers (the README's recommended setting)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None, silence_logs=40) as local:
        yield local


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("archive") / "input"
    write_inputs(folder, STORIES)
    return folder


@pytest.fixture(scope="module")
def local_build(inputs: Path) -> Path:
    out = inputs.parent / "local"
    done = run_build(inputs, out, "--jobs", "1")
    assert done.returncode == 0, done.stderr
    return out


def test_a_cluster_build_gives_the_bytes_of_a_local_one_and_so_does_a_rebuild_after_an_edit(
        cluster: distributed.LocalCluster, inputs: Path, local_build: Path) -> None:
    out = inputs.parent / "cluster"
    done = run_build(inputs, out, "--scheduler", cluster.scheduler_address)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    expected = tree(local_build)
    assert len([p for p in expected if p.startswith("epub/")]) == STORIES
    assert any(p.startswith("images/") for p in expected)  # the photos went through the workers too
    assert tree(out) == expected

    edited = inputs / "story-0007.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA paragraph an editor added late.\n", encoding="utf-8")
    assert run_build(inputs, local_build, "--jobs", "1").returncode == 0
    again = run_build(inputs, out, "--scheduler", cluster.scheduler_address)
    assert again.returncode == 0, again.stderr
    after = tree(local_build)
    assert after != expected and b"A paragraph an editor added late." in after["stories/story-0007.json"]
    assert tree(out) == after


def test_a_worker_killed_mid_build_loses_no_story(cluster: distributed.LocalCluster, inputs: Path,
                                                 local_build: Path) -> None:
    out = inputs.parent / "killed"
    state = out.parent / f".state-{out.name}"
    build = subprocess.Popen([sys.executable, "-m", "syndicate", "build", str(inputs), str(out), "--quiet",
                              "--base-url", BASE_URL, "--state-dir", str(state),
                              "--scheduler", cluster.scheduler_address],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        deadline = time.monotonic() + 120
        while not any(client.processing().values()):  # the build's stories are running on the workers
            assert build.poll() is None and time.monotonic() < deadline, "the build never reached the cluster"
            time.sleep(0.05)
        victim = min(client.run(os.getpid).values())
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = build.communicate(timeout=600)
        assert build.returncode == 0, stderr
        client.wait_for_workers(2, timeout=240)  # the nanny brought it back for the next test
    assert not Path(f"/proc/{victim}").exists() or "Z" in Path(f"/proc/{victim}/stat").read_text().split()[2]
    assert tree(out) == tree(local_build)


def crash_on_three(settings: BuildSettings, item: int) -> str:
    """A task whose item 3 kills the worker that runs it, as a poisonous input would."""
    if item == 3:
        os._exit(1)
    return f"built {item}"


def test_a_story_that_crashes_its_workers_is_rejected_and_the_rest_are_built(
        cluster: distributed.LocalCluster, tmp_path: Path) -> None:
    settings = absolute_settings(BuildSettings(input_dir=tmp_path))
    with ClusterPool(settings, cluster.scheduler_address) as pool:
        results = sorted(pool.map_unordered(crash_on_three, range(8), lambda item, why: f"rejected {item}: {why}"))
    assert results[:3] == ["built 0", "built 1", "built 2"]
    assert results[3:7] == ["built 4", "built 5", "built 6", "built 7"]
    assert results[7].startswith("rejected 3: crashed the Dask workers")
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=240)


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_inputs(src, 1, images=False)
    done = subprocess.run([sys.executable, "-m", "syndicate", "build", str(src), str(tmp_path / "out"),
                           "--state-dir", str(tmp_path / "state"), "--scheduler", "tcp://127.0.0.1:9"],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "tcp://127.0.0.1:9" in lines[0], done.stderr
    assert not (tmp_path / "out" / "rss.xml").exists()


def test_a_local_build_never_imports_dask(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_inputs(src, 2, images=False)
    code = ("import sys, syndicate\n"
            f"report = syndicate.build({str(src)!r}, {str(tmp_path / 'out')!r}, jobs=1, "
            f"state_dir={str(tmp_path / 'state')!r})\n"
            "assert report.exit_code == 0, report.rejected\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def export_in_a_fresh_process(story_bytes: bytes, options_bytes: bytes) -> bytes:
    """Unpickle a story and options in another interpreter and export them (as a dask.bag task would)."""
    story, options = pickle.loads(story_bytes), pickle.loads(options_bytes)
    return syndicate.export([story], "ninjs", options) + syndicate.export([story], "rss", options)


def test_stories_and_options_cross_process_boundaries_unchanged(tmp_path: Path) -> None:
    stories = generate_stories(5, tmp_path / "images", images=False)
    options = ExportOptions(title="Harbour Gazette", base_url=BASE_URL, author="Newsroom", limit=10)
    for story in stories:
        back = pickle.loads(pickle.dumps(story))
        assert back == story and back.to_json() == story.to_json()
    assert pickle.loads(pickle.dumps(options)) == options
    read = syndicate.read(Path(__file__).resolve().parent.parent / "input" / "harbour-reopens.txt")
    assert read.root is not None and pickle.loads(pickle.dumps(read)).root == read.root  # photos still resolve
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as other:  # a fresh interpreter, like a worker
        remote = list(other.map(export_in_a_fresh_process, [pickle.dumps(s) for s in stories],
                                [pickle.dumps(options)] * len(stories)))
    assert remote == [export_in_a_fresh_process(pickle.dumps(s), pickle.dumps(options)) for s in stories]


def test_ctrl_c_stops_a_cluster_build_with_130_and_frees_the_lock(cluster: distributed.LocalCluster, inputs: Path,
                                                                   local_build: Path) -> None:
    out = inputs.parent / "interrupted"
    state = out.parent / f".state-{out.name}"
    args = [sys.executable, "-m", "syndicate", "build", str(inputs), str(out), "--base-url", BASE_URL,
            "--state-dir", str(state), "--scheduler", cluster.scheduler_address]
    build = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        deadline = time.monotonic() + 120
        while not any(client.processing().values()):
            assert build.poll() is None and time.monotonic() < deadline, "the build never reached the cluster"
            time.sleep(0.05)
    build.send_signal(signal.SIGINT)
    _, stderr = build.communicate(timeout=120)
    assert build.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["syndicate: error: interrupted"], stderr
    again = subprocess.run([*args, "--wait", "0", "--quiet"], capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr  # the lock was freed, and the next run finishes the job
    assert tree(out) == tree(local_build)
