"""Ctrl-C: any command interrupted by SIGINT exits 130 with one line, and a build lets go of its lock (issue 11).

The build is held up for real: its story's photo comes from a local HTTP
server that accepts the request and then drips its answer a byte at a time,
so the signal lands while the build is surely in the middle of its work.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from slowserver import serving


@pytest.fixture(autouse=True)
def in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command from an empty folder, as a user would: no config file is picked up by accident
    (the repository's own syndicate.toml, when pytest runs from its root)."""
    monkeypatch.chdir(tmp_path)


class DrippingPhotoServer(ThreadingHTTPServer):
    """Answers every GET with a status line sent one byte every half second, until told to stop."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), DripHandler)
        self.asked = threading.Event()
        self.stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/photo.jpg"


class DripHandler(BaseHTTPRequestHandler):
    server: DrippingPhotoServer

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self.server.asked.set()
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n":
            if self.server.stop.wait(0.5):
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def photo_server() -> Iterator[DrippingPhotoServer]:
    server = DrippingPhotoServer()
    with serving(server, server.stop):
        yield server


def newsroom(tmp_path: Path, photo_url: str) -> tuple[Path, Path]:
    """An input folder whose one story waits on ``photo_url``, and a config that lets the build fetch it."""
    news = tmp_path / "news"
    news.mkdir()
    (news / "storm.txt").write_text("Storm closes harbour\n\nThe harbour closed on Monday after a storm.\n",
                                    encoding="utf-8")
    (news / "storm.yaml").write_text(f'images: ["{photo_url}"]\n', encoding="utf-8")
    config = tmp_path / "syndicate.toml"
    config.write_text('title = "Harbour Gazette"\nbase_url = "https://news.example.com/"\n'
                      "allow_local_hosts = true\n", encoding="utf-8")
    return news, config


@pytest.mark.parametrize(("jobs", "whom"), [(1, "group"), (2, "group"), (2, "build")])
def test_ctrl_c_exits_130_in_one_line_and_the_lock_is_free(tmp_path: Path, photo_server: DrippingPhotoServer,
                                                          jobs: int, whom: str) -> None:
    news, config = newsroom(tmp_path, photo_server.url)
    command = [sys.executable, "-m", "syndicate", "build", str(news), str(tmp_path / "out"), "--config", str(config),
               "--jobs", str(jobs)]
    # its own session, like a job on a terminal: Ctrl-C signals the whole process group, workers included
    build = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        assert photo_server.asked.wait(60), "the build never asked for the photo"
        time.sleep(0.3)  # well inside the fetch, which the server holds for many seconds
        started = time.monotonic()
        if whom == "group":
            os.killpg(build.pid, signal.SIGINT)
        else:  # `kill -INT <pid>` from a supervisor: only the build itself is told
            os.kill(build.pid, signal.SIGINT)
        out, err = build.communicate(timeout=60)
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
    assert build.returncode == 130, err.decode()
    # workers finish the story in hand (the build's choice: a worker killed mid-answer can hang the pool), and
    # a photo fetch ends by its own deadline (10 s): the build stops within that, never waits on the server
    assert time.monotonic() - started < 25, "the build waited on the photo server"
    assert b"Traceback" not in err and err.decode().splitlines() == ["syndicate: error: interrupted"]
    assert out == b""
    # right after: the next build takes the lock at once (no --wait) and builds the story without the photo
    again = subprocess.run([*command, "--offline", "--wait", "0"], cwd=tmp_path, capture_output=True, text=True,
                           check=False, timeout=120)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "out" / "stories" / "storm.json").exists()


def test_convert_waiting_on_a_fifo_nobody_reads_exits_130(tmp_path: Path) -> None:
    """`convert -o FIFO` waits for a reader, as any writer to a pipe does; Ctrl-C ends the wait with 130
    (not click's "Aborted!" and 1), and the FIFO is left as it was."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    story = tmp_path / "storm.txt"
    story.write_text("Storm closes harbour\n\nThe harbour closed on Monday after a storm.\n", encoding="utf-8")
    convert = subprocess.Popen([sys.executable, "-m", "syndicate", "convert", str(story), "--to", "json",
                                "-o", str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        time.sleep(2)  # imports, read, export: then it blocks opening the FIFO
        assert convert.poll() is None, convert.communicate()
        os.killpg(convert.pid, signal.SIGINT)
        out, err = convert.communicate(timeout=30)
    finally:
        if convert.poll() is None:
            os.killpg(convert.pid, signal.SIGKILL)
    assert convert.returncode == 130, err.decode()
    assert err.decode().splitlines() == ["syndicate: error: interrupted"] and out == b""
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "storm.txt"]


def test_debug_shows_where_the_interrupt_landed(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    story = tmp_path / "storm.txt"
    story.write_text("Storm closes harbour\n\nThe harbour closed on Monday after a storm.\n", encoding="utf-8")
    convert = subprocess.Popen([sys.executable, "-m", "syndicate", "convert", str(story), "--to", "json",
                                "-o", str(fifo), "--debug"], stderr=subprocess.PIPE, start_new_session=True)
    try:
        time.sleep(2)
        os.killpg(convert.pid, signal.SIGINT)
        _, err = convert.communicate(timeout=30)
    finally:
        if convert.poll() is None:
            os.killpg(convert.pid, signal.SIGKILL)
    assert convert.returncode == 130
    text = err.decode()
    assert "Traceback" in text and "KeyboardInterrupt" in text and text.endswith("syndicate: error: interrupted\n")
