"""Nothing from the input drives the operator's terminal (issue 12).

File names, story text and metadata values reach stderr (errors, warnings,
the build's lines) and `parse --explain`. None of them may write an ESC byte,
a C1 control (U+0080–U+009F: CSI alone starts an escape sequence on some
terminals) or a bidi override to the terminal: they are shown escaped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from syndicate.errors import InputError, printable

#: what must never reach a terminal: ESC, any other C0 but newline, DEL, C1 (UTF-8 encoded, or as a raw
#: byte), and the bidi embeddings, overrides and isolates (UTF-8 encoded)
RAW_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
NOT_UTF8_C1 = re.compile(rb"(?<![\xc2])[\x80-\x9f]")  # a C1 byte on its own, not part of a UTF-8 sequence

HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202egnp.exe"


@pytest.fixture(autouse=True)
def in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command from an empty folder, as a user would: no config file is picked up by accident
    (the repository's own syndicate.toml, when pytest runs from its root)."""
    monkeypatch.chdir(tmp_path)


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """The CLI as a user runs it, output as raw bytes (what the terminal would receive)."""
    return subprocess.run([sys.executable, "-m", "syndicate", *map(str, args)], capture_output=True, check=False,
                          timeout=120, cwd=cwd)


def assert_terminal_safe(output: bytes, *, bidi: bool = True) -> None:
    """No byte sequence that a terminal would act on rather than show (bidi controls: unless ``bidi`` is
    False, for story JSON, where they are the story's own text and reorder nothing outside their string)."""
    found = RAW_CONTROL.findall(output)
    assert all(not bidi and seq.startswith(b"\xe2") for seq in found), output
    # lone C1 bytes would be invalid UTF-8 anyway; strip the valid multi-byte characters first
    assert NOT_UTF8_C1.search(re.sub(rb"[\xc0-\xf4][\x80-\xbf]+", b"", output)) is None, output


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]] +
                         ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
def test_printable_escapes_every_control_and_bidi_override(char: str) -> None:
    shown = printable(f"a{char}b")
    assert char not in shown and shown.startswith("a\\") and shown.endswith("b")
    assert shown.isprintable()


def test_printable_leaves_text_in_every_script_alone_and_is_idempotent() -> None:
    text = "Zürich – «Ελλάδα» 港口重新开放 الميناء (AP Photo/José) C:\\path"
    assert printable(text) == text
    escaped = printable(HOSTILE)
    assert escaped == "\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202egnp.exe"
    assert printable(escaped) == escaped


def test_an_undecodable_file_name_byte_is_shown_as_that_byte() -> None:
    name = os.fsdecode(b"story-\x9b31m.txt")  # a lone 0x9b byte: CSI on an 8-bit terminal
    assert printable(name) == "story-\\x9b31m.txt"


def test_an_error_names_the_file_and_reason_escaped() -> None:
    error = InputError(f"unknown key {HOSTILE!s}", f"/news/{HOSTILE}.txt")
    assert "\x1b" not in str(error) and "\u202e" not in str(error)
    assert str(error).startswith("/news/\\x1b]0;owned") and error.message.endswith("gnp.exe")


def test_a_file_named_with_escapes_is_rejected_in_one_safe_line(tmp_path: Path) -> None:
    bad = tmp_path / f"bad{HOSTILE}.txt"
    bad.write_bytes(b"")
    done = run_cli("parse", bad)
    assert done.returncode == 1
    assert_terminal_safe(done.stderr)
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "\\x1b]0;owned\\x07" in lines[0] and "\\u202egnp.exe" in lines[0]


def test_a_file_name_with_a_raw_c1_byte_is_rejected_in_one_safe_line(tmp_path: Path) -> None:
    bad = Path(os.fsdecode(bytes(tmp_path) + b"/bad-\x9b31m-\x1b[2J.txt"))
    bad.write_bytes(b"")
    done = run_cli("parse", bad)
    assert done.returncode == 1
    assert_terminal_safe(done.stderr)
    assert "bad-\\x9b31m-\\x1b[2J.txt" in done.stderr.decode()


def test_escapes_in_the_text_and_metadata_never_reach_the_terminal(tmp_path: Path) -> None:
    story = tmp_path / f"storm{HOSTILE}.txt"  # the name too: --explain prints it first
    filler = "".join(f"Ferry line {n} will resume once the breakwater has been inspected.\n\n" for n in range(8))
    story.write_text(f"Storm {HOSTILE} closes harbour\n\nThe harbour closed on Monday {HOSTILE} after a storm.\n\n"
                     + filler, encoding="utf-8")
    story.with_suffix(".yaml").write_text('summary: "Closed \\e]0;owned\\a \\x9b31m \\u202egnp.exe"\n',
                                          encoding="utf-8")
    explained = run_cli("parse", story, "--explain")
    assert explained.returncode == 0, explained.stderr
    assert_terminal_safe(explained.stdout + explained.stderr)
    assert explained.stdout.decode().splitlines()[0].startswith(f"{tmp_path}/storm\\x1b]0;owned\\x07")
    as_json = run_cli("parse", story)
    assert as_json.returncode == 0, as_json.stderr
    assert_terminal_safe(as_json.stdout, bidi=False)
    assert_terminal_safe(as_json.stderr)
    assert b"closed on Monday" in as_json.stdout  # the story is kept, only its controls go
    assert json.loads(as_json.stdout)["summary"].startswith("Closed")  # the metadata value too


def test_an_unknown_metadata_key_with_escapes_is_one_safe_line(tmp_path: Path) -> None:
    story = tmp_path / "storm.txt"
    story.write_text("Storm closes harbour\n\nThe harbour closed on Monday.\n", encoding="utf-8")
    (tmp_path / "storm.json").write_text('{"\\u001b[31mheadline\\u202e": "x"}', encoding="utf-8")
    done = run_cli("parse", story)
    assert done.returncode == 1
    assert_terminal_safe(done.stderr)
    assert len(done.stderr.decode().splitlines()) == 1 and "storm.json" in done.stderr.decode()


def test_a_build_prints_hostile_names_and_photo_paths_escaped(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / f"empty{HOSTILE}.txt").write_bytes(b"")  # rejected: an error line naming it
    (news / "storm.txt").write_text("Storm closes harbour\n\nThe harbour closed on Monday.\n", encoding="utf-8")
    (news / "storm.yaml").write_text('images: ["photos/\\e[2Jmissing\\u202e.jpg"]\n', encoding="utf-8")
    done = run_cli("build", news, tmp_path / "out", "--jobs", "1", "--base-url", "https://news.example.com/")
    assert done.returncode == 1, done.stderr
    assert_terminal_safe(done.stderr)
    stderr = done.stderr.decode()
    assert "empty\\x1b]0;owned" in stderr and "missing" in stderr
    assert (tmp_path / "out" / "stories" / "storm.json").exists()


def test_convert_warns_about_a_missing_photo_escaped(tmp_path: Path) -> None:
    story = tmp_path / "storm.txt"
    story.write_text("Storm closes harbour\n\nThe harbour closed on Monday.\n", encoding="utf-8")
    (tmp_path / "storm.yaml").write_text('images: ["photos/\\e[2Jmissing.jpg"]\n', encoding="utf-8")
    done = run_cli("convert", story, "--to", "epub", "-o", tmp_path / "storm.epub")
    assert done.returncode == 0, done.stderr
    assert_terminal_safe(done.stderr)
    warnings = [line for line in done.stderr.decode().splitlines() if "warning" in line]
    assert any("missing.jpg" in line for line in warnings), done.stderr
    assert (tmp_path / "storm.epub").exists()
