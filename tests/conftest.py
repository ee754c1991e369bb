"""Shared fixtures: paths to the samples, the official checkers in ../shared/tools, generated stories."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TOOLS = SHARED / "tools"
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "input" / "aleppo-evacuation.txt"


def pytest_configure() -> None:
    """Ctrl-C as a terminal has it: a suite started in the background (``cmd &`` in a script) inherits SIGINT
    ignored, and would hand that to every command a test starts, which a Ctrl-C test then cannot stop."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


sys.path.insert(0, str(Path(__file__).resolve().parent))


def shared_tool(name: str) -> Path:
    """Path of a checker in ../shared/tools; skips only outside CI when ../shared is absent."""
    path = TOOLS / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing, and CI always has ../shared")
        pytest.skip(f"{path} not present (../shared is absent and CI is unset)")
    return path


def run_checker(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run one of the official checkers with this interpreter; returns the finished process."""
    tool = shared_tool(name)
    return subprocess.run([sys.executable, str(tool), *map(str, args)], capture_output=True, text=True, check=False)


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


def published_photo(url: str | None, base: str, src: str) -> tuple[str, str] | None:
    """Check ``url`` is where a build publishes the local photo ``src`` and return (name, media type).

    A build publishes each photo normalised as ``images/<stem>-<10 hex digits of its hash>.<ext>``: the
    stem is the photo's file name made URL-safe; WebP (not a feed- or e-reader-safe format) becomes JPEG.
    """
    import re

    if url is None or not url.startswith(base + "images/"):
        return None
    name = url[len(base + "images/"):]
    stem = re.sub(r"[^a-z0-9]+", "-", Path(src).stem.lower()).strip("-")
    match = re.fullmatch(rf"{re.escape(stem)}-[0-9a-f]{{10}}\.(jpg|png|gif)", name)
    if match is None:
        return None
    expected = {".webp": "jpg", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png", ".gif": "gif"}.get(Path(src).suffix.lower())
    if expected is not None and match.group(1) != expected:
        return None
    return name, {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif"}[match.group(1)]
