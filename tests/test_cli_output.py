"""`convert -o`: what each kind of target becomes (issue 11).

A regular file is replaced atomically (a rename, so a reader holding the old
file keeps reading the old bytes); a symlink stays a link and its target is
updated; `-`, a FIFO and a device are written as a stream and never replaced.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE

import syndicate

#: the sample story's known shape (README, tests/test_cli.py): 28 paragraphs, 4 subheadings, 5 photos
SAMPLE_SHAPE = (28, 4, 5)


@pytest.fixture(autouse=True)
def in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command from an empty folder, as a user would: no config file is picked up by accident
    (the repository's own syndicate.toml, when pytest runs from its root)."""
    monkeypatch.chdir(tmp_path)


def convert(output: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """`syndicate convert SAMPLE --to json -o OUTPUT`, as a user runs it; stdout and stderr as bytes."""
    if "stdout" not in kwargs:
        kwargs["capture_output"] = True
    return subprocess.run([sys.executable, "-m", "syndicate", "convert", str(SAMPLE), "--to", "json", "-o", str(output)],
                          check=False, timeout=120, **kwargs)


def assert_is_the_sample_json(data: bytes) -> None:
    """The bytes are the sample story as JSON (checked against the sample's known shape, not the program)."""
    story = json.loads(data)
    kinds = [block["type"] for block in story["body"]]
    assert (kinds.count("paragraph"), kinds.count("heading"), kinds.count("figure")) == SAMPLE_SHAPE
    assert syndicate.Story.from_dict(story).headline == syndicate.read(SAMPLE).headline


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write left behind."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_regular_file_is_replaced_by_a_rename(tmp_path: Path) -> None:
    target = tmp_path / "story.json"
    target.write_bytes(b"old bytes\n")
    with open(target, "rb") as reader_of_the_old_file:
        done = convert(target)
        assert done.returncode == 0, done.stderr
        # a rename leaves the old file intact for whoever had it open; writing in place would not
        assert reader_of_the_old_file.read() == b"old bytes\n"
    assert_is_the_sample_json(target.read_bytes())
    assert leftovers(tmp_path) == [] and done.stdout == b""


def test_a_symlink_stays_a_link_and_its_target_is_updated(tmp_path: Path) -> None:
    (tmp_path / "published").mkdir()
    target = tmp_path / "published" / "story.json"
    target.write_bytes(b"old bytes\n")
    link = tmp_path / "latest.json"
    link.symlink_to(Path("published") / "story.json")  # relative, as people make them
    done = convert(link)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == os.path.join("published", "story.json")
    assert_is_the_sample_json(target.read_bytes())
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "published") == []


def test_a_dangling_symlink_gets_its_target_created(tmp_path: Path) -> None:
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "story.json")
    assert convert(link).returncode == 0
    assert link.is_symlink()
    assert_is_the_sample_json((tmp_path / "story.json").read_bytes())


def test_a_fifo_is_written_as_a_stream_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read_the_pipe() -> None:
        with open(fifo, "rb") as stream:  # blocks until the writer opens its end
            received.append(stream.read())

    reader = threading.Thread(target=read_the_pipe, daemon=True)
    reader.start()
    done = convert(fifo)
    if done.returncode != 0:  # the writer never came: let the reader go before reporting why
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert not reader.is_alive() and len(received) == 1
    assert_is_the_sample_json(received[0])
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_dev_null_is_written_to_and_stays_a_device() -> None:
    before = os.stat("/dev/null")
    done = convert("/dev/null")
    assert done.returncode == 0, done.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert done.stdout == b"" and done.stderr == b""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_device_is_one_line_exit_2_and_stays_a_device() -> None:
    done = convert("/dev/full")
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "/dev/full" in lines[0] and "No space left" in lines[0]
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_dash_writes_to_stdout() -> None:
    done = convert("-")
    assert done.returncode == 0, done.stderr
    assert_is_the_sample_json(done.stdout)
    assert not Path("-").exists()


def test_dev_stdout_onto_a_pipe_and_onto_a_file(tmp_path: Path) -> None:
    piped = convert("/dev/stdout")
    assert piped.returncode == 0, piped.stderr
    assert_is_the_sample_json(piped.stdout)
    # `syndicate convert … -o /dev/stdout > file`: the file the shell opened gets the bytes and stays that file
    redirected = tmp_path / "out.json"
    with open(redirected, "wb") as shell_redirect:
        inode = os.fstat(shell_redirect.fileno()).st_ino
        done = convert("/dev/stdout", stdout=shell_redirect, stderr=subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert os.stat(redirected).st_ino == inode
    assert_is_the_sample_json(redirected.read_bytes())
    assert leftovers(tmp_path) == []
