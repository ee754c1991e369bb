"""Hostile files in the input folder (issue 12): nothing hangs, nothing outside the folder is read, every
good story is built, and each bad one is named on one line."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from test_build import in_a_clean_folder, run_cli, write_story  # noqa: F401 (fixture)


def hostile_folder(tmp_path: Path) -> Path:
    """20 good stories among a FIFO, a socket, a symlink out of the tree, a story whose sidecar is a symlink
    out of the tree, a story with control characters and a sidecar with a date at the calendar's edge."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(20):
        write_story(src, i)
    os.mkfifo(src / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(src / "sock.txt"))  # the socket file stays after the test's process closes it
    server.close()
    secret = tmp_path / "secret.txt"
    secret.write_text("The cron user's private notes, never to be published.\n\nSecond paragraph here.\n")
    (src / "leak.txt").symlink_to(secret)
    write_story(src, 50).rename(src / "sidecar-leak.txt")
    (tmp_path / "secret.yaml").write_text("headline: Leaked headline\n")
    (src / "sidecar-leak.yaml").symlink_to(tmp_path / "secret.yaml")
    (src / "controls.txt").write_text(
        "Harbour ferry\x1b[31m returns\x07 after storm\n\n"
        "The first ferry in nine\x9b weeks left\x1b]0;pwned\x07 the harbour on Tuesday, "
        "and the crew\x08 cheered.\n\nA second paragraph follows the first one.\n", encoding="utf-8")
    write_story(src, 60).rename(src / "edge-date.txt")
    (src / "edge-date.toml").write_text("published = 9999-12-31T23:59:59-12:00\n", encoding="utf-8")
    (src / "good-link.txt").symlink_to(src / "story-000.txt")  # a link inside the folder is fine
    return src


def test_hostile_inputs_are_named_and_every_good_story_is_built_quickly(tmp_path: Path) -> None:
    src = hostile_folder(tmp_path)
    started = time.monotonic()
    done = run_cli("build", src, tmp_path / "out", "--jobs", "2")
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("syndicate: error:")]
    for name, why in (("pipe.txt", "FIFO"), ("sock.txt", "socket"), ("leak.txt", "outside the input folder"),
                      ("sidecar-leak.txt", "outside the input folder")):
        assert [line for line in errors if name in line and why in line], (name, done.stderr)
    stories = {p.name for p in (tmp_path / "out" / "stories").glob("*.json")}
    assert {f"story-{i:03d}.json" for i in range(20)} <= stories  # every good story
    assert "controls.json" in stories  # kept, with the controls removed at the reader
    text = (tmp_path / "out" / "stories" / "controls.json").read_text(encoding="utf-8")
    assert "\\u001b" not in text and "\x1b" not in text and "ferry" in text
    edge = [line for line in errors if "edge-date" in line]
    assert "edge-date.json" in stories or len(edge) == 1  # built, or refused on one clear line
    assert not [p for p in (tmp_path / "out").rglob("*") if "Leaked" in p.name or
                (p.is_file() and b"private notes" in p.read_bytes())]
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file() and b"Leaked headline" in p.read_bytes()]
