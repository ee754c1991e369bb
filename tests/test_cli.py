"""The command line: JSON out, one-line errors, the contract's exit codes, every format from `convert`."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import feedparser
import pytest
from conftest import SAMPLE

import syndicate


@pytest.fixture(autouse=True)
def in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command from an empty folder, as a user would: no config file is picked up by accident
    (the repository's own syndicate.toml, when pytest runs from its root)."""
    monkeypatch.chdir(tmp_path)


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syndicate", *map(str, args)], capture_output=True, text=True,
                          check=False, timeout=120)


def test_parse_prints_the_story_json() -> None:
    done = run_cli("parse", SAMPLE)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    kinds = [block["type"] for block in data["body"]]
    assert (kinds.count("paragraph"), kinds.count("heading"), kinds.count("figure")) == (28, 4, 5)
    assert [r["title"] for r in data["related"]] == ["Aleppo Evacuation in photos"]
    assert data["published"] == "2016-12-17T00:00:00+00:00" and data["headline"]
    assert syndicate.Story.from_dict(data) == syndicate.read(SAMPLE)


def test_parse_explain_lists_every_inferred_value_and_why() -> None:
    story = syndicate.read(SAMPLE)
    done = run_cli("parse", SAMPLE, "--explain")
    assert done.returncode == 0
    assert story.inferred, "the sample has no headline or date of its own: both are inferred"
    for item in story.inferred:
        assert item.field in done.stdout and item.reason in done.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(done.stdout)


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4])
def test_a_rejected_input_exits_1_with_one_line_naming_the_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    done = run_cli("parse", bad)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("parse", tmp_path / "missing.txt").returncode == 2
    assert run_cli("convert", SAMPLE, "--to", "pdf", "-o", tmp_path / "x").returncode == 2
    assert run_cli("convert", SAMPLE, "-o", tmp_path / "x").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    done = run_cli("--debug", "parse", bad)
    assert done.returncode != 0 and "Traceback" in done.stderr and "InputError" in done.stderr


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed", "newsml", "ninjs", "epub", "json"])
def test_convert_writes_every_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"story.{fmt}"
    done = run_cli("convert", SAMPLE, "--to", fmt, "-o", out, "--base-url", "https://news.example.com/")
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    # the base URL is the id authority when no id_prefix is set (as in a build): ids are the newsroom's
    story = syndicate.read(SAMPLE, id_prefix="tag:news.example.com,2026:")
    assert data == syndicate.export(story, fmt, base_url="https://news.example.com/", warnings=[])
    assert b"syndicate.invalid" not in data and (fmt == "epub" or b"tag:news.example.com,2026:" in data)
    headline = syndicate.read(SAMPLE).headline
    if fmt in ("rss", "atom"):
        parsed = feedparser.parse(data)
        assert not parsed.bozo and parsed.entries[0].title == headline
    elif fmt == "epub":
        assert zipfile.ZipFile(out).read("mimetype") == b"application/epub+zip"
    elif fmt in ("jsonfeed", "ninjs", "json"):
        assert headline in json.dumps(json.loads(data), ensure_ascii=False)
    else:
        assert headline.encode() in data
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_library_api_matches_the_contract() -> None:
    story = syndicate.read(str(SAMPLE))
    assert isinstance(story, syndicate.Story)
    assert syndicate.export([story], "json") == story.to_json().encode()
    assert set(syndicate.FORMATS) == {"rss", "atom", "jsonfeed", "newsml", "ninjs", "epub", "json"}
    with pytest.raises(syndicate.ExportError, match="unknown format"):
        syndicate.export([story], "pdf")
    assert (Path(syndicate.__file__).parent / "py.typed").exists()


def test_read_accepts_text_directly() -> None:
    story = syndicate.read("Storm closes harbour\n\nThe harbour was closed on Monday after a storm.\n")
    assert any("harbour was closed" in getattr(b, "text", "") for b in story.body)
    assert story.id.startswith(("tag:", "urn:"))


def test_convert_takes_feed_settings_from_the_config_file_and_the_command_line_wins(tmp_path: Path) -> None:
    (tmp_path / "syndicate.toml").write_text('title = "Harbour Gazette"\nbase_url = "https://news.example.com/"\n')
    done = subprocess.run([sys.executable, "-m", "syndicate", "convert", str(SAMPLE), "--to", "atom", "-o", "a.xml"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    feed = feedparser.parse((tmp_path / "a.xml").read_bytes()).feed
    assert feed.title == "Harbour Gazette" and any(link.href == "https://news.example.com/atom.xml" for link in feed.links)
    done = subprocess.run([sys.executable, "-m", "syndicate", "convert", str(SAMPLE), "--to", "atom", "-o", "b.xml",
                           "--title", "Override"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert feedparser.parse((tmp_path / "b.xml").read_bytes()).feed.title == "Override"
    (tmp_path / "syndicate.toml").write_text('tittle = "typo"\n')
    bad = subprocess.run([sys.executable, "-m", "syndicate", "convert", str(SAMPLE), "--to", "atom", "-o", "c.xml"],
                         cwd=tmp_path, capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "tittle" in bad.stderr and not (tmp_path / "c.xml").exists()


def test_an_unwritable_output_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = run_cli("convert", SAMPLE, "--to", "json", "-o", "/proc/syndicate-test.json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "/proc/syndicate-test.json" in done.stderr
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    built = run_cli("build", SAMPLE.parent, blocked / "out")
    assert built.returncode == 2 and "Traceback" not in built.stderr and len(built.stderr.strip().splitlines()) == 1


def test_root_gives_the_same_id_as_a_build(tmp_path: Path) -> None:
    news = tmp_path / "news"
    (news / "world").mkdir(parents=True)
    story = news / "world" / "storm.txt"
    story.write_text("Storm closes harbour\n\nThe harbour closed on Monday.\n", encoding="utf-8")
    alone = json.loads(run_cli("parse", story).stdout)
    rooted = json.loads(run_cli("parse", story, "--root", news).stdout)
    syndicate.build(news, tmp_path / "out", jobs=1)
    built = json.loads((tmp_path / "out" / "stories" / "world-storm.json").read_text())
    assert rooted["id"] == built["id"] and rooted["slug"] == built["slug"] == "world-storm"
    assert alone["id"] != built["id"]
    out = tmp_path / "storm.json"
    assert run_cli("convert", story, "--to", "json", "--root", news, "-o", out).returncode == 0
    assert json.loads(out.read_text())["id"] == built["id"]


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("command", ["parse", "convert", "build"])
def test_debug_works_before_and_after_every_command(tmp_path: Path, command: str, where: str) -> None:
    news = tmp_path / "news"
    news.mkdir()
    bad = news / "empty.txt"
    bad.write_bytes(b"")
    args: list[str | Path] = {"parse": ["parse", bad], "convert": ["convert", bad, "--to", "json", "-o", tmp_path / "x"],
                              "build": ["build", news, tmp_path / "out", "--jobs", "1"]}[command]
    plain = run_cli(*args)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr and "No such option" not in plain.stderr
    debug = run_cli("--debug", *args) if where == "before" else run_cli(*args, "--debug")
    assert "No such option" not in debug.stderr and debug.returncode != 2, debug.stderr
    if command == "build":  # a rejected story is reported, not raised: the build finished
        assert debug.returncode == 1 and "empty.txt" in debug.stderr
    else:
        assert "Traceback" in debug.stderr and "InputError" in debug.stderr


@pytest.mark.parametrize("option", ["--base-url", "--feed-url"])
@pytest.mark.parametrize("url", ["news.example.com", "news.example.com/feed", "ftp://news.example.com/",
                                 "https://", "//news.example.com/", "javascript:alert(1)", "http://[::1",
                                 "https://news.example.com/ feed"])
def test_a_url_option_that_is_not_absolute_http_exits_2(tmp_path: Path, option: str, url: str) -> None:
    out = tmp_path / "story.xml"
    converted = run_cli("convert", SAMPLE, "--to", "rss", "-o", out, option, url)
    assert converted.returncode == 2 and "Traceback" not in converted.stderr
    assert option in converted.stderr and "absolute http(s) URL" in converted.stderr
    assert not out.exists()
    built = run_cli("build", SAMPLE.parent, tmp_path / "out", option, url)
    assert built.returncode == 2 and option in built.stderr and not (tmp_path / "out").exists()


def test_a_bad_base_url_in_the_config_file_exits_2_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "syndicate.toml").write_text('base_url = "news.example.com"\n', encoding="utf-8")
    for args in (["convert", str(SAMPLE), "--to", "rss", "-o", "a.xml"], ["build", str(SAMPLE.parent), "out"]):
        done = subprocess.run([sys.executable, "-m", "syndicate", *args], cwd=tmp_path, capture_output=True,
                              text=True, check=False, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "base_url" in lines[0] and "news.example.com" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["syndicate.toml"]


@pytest.mark.parametrize("url", ["https://news.example.com/", "HTTP://News.Example.com/world", "http://127.0.0.1:8080/"])
def test_an_absolute_http_url_is_taken(tmp_path: Path, url: str) -> None:
    out = tmp_path / "story.xml"
    done = run_cli("convert", SAMPLE, "--to", "rss", "-o", out, "--base-url", url, "--title", "Harbour Gazette")
    assert done.returncode == 0, done.stderr
    feed = feedparser.parse(out.read_bytes()).feed
    assert feed.link.lower().rstrip("/") == url.lower().rstrip("/")


def test_parse_and_convert_mint_ids_with_the_configs_authority_as_the_build_does(tmp_path: Path) -> None:
    news = tmp_path / "news"
    (news / "world").mkdir(parents=True)
    story = news / "world" / "storm.txt"
    story.write_text("Storm closes harbour\n\nThe harbour closed on Monday.\n", encoding="utf-8")
    (tmp_path / "syndicate.toml").write_text('id_prefix = "tag:gazette.example,2024:"\n', encoding="utf-8")
    built = run_cli("build", news, tmp_path / "out", "--jobs", "1")
    assert built.returncode == 0, built.stderr
    built_id = json.loads((tmp_path / "out" / "stories" / "world-storm.json").read_text())["id"]
    assert built_id == "tag:gazette.example,2024:world/storm"
    parsed = run_cli("parse", story, "--root", news)
    assert json.loads(parsed.stdout)["id"] == built_id
    assert run_cli("convert", story, "--root", news, "--to", "json", "-o", "storm.json").returncode == 0
    assert json.loads((tmp_path / "storm.json").read_text())["id"] == built_id
    (tmp_path / "elsewhere.toml").write_text('id_prefix = "urn:newsroom:other:"\n', encoding="utf-8")
    other = run_cli("parse", story, "--root", news, "--config", tmp_path / "elsewhere.toml")
    assert json.loads(other.stdout)["id"] == "urn:newsroom:other:world/storm"
    flagged = run_cli("parse", story, "--root", news, "--id-prefix", "urn:newsroom:flag:")
    assert json.loads(flagged.stdout)["id"] == "urn:newsroom:flag:world/storm"
    bad = run_cli("convert", story, "--to", "json", "-o", "bad.json", "--id-prefix", "news.example.com")
    assert bad.returncode == 2 and "id_prefix" in bad.stderr and not (tmp_path / "bad.json").exists()


def test_convert_names_every_photo_it_leaves_out_on_stderr(tmp_path: Path) -> None:
    story = tmp_path / "storm.txt"
    story.write_text("Storm closes harbour\n\nThe harbour closed on Monday.\n", encoding="utf-8")
    (tmp_path / "storm.yaml").write_text(
        "images:\n  - {src: photos/missing.jpg, caption: The breakwater.}\n"
        "  - {src: 'https://photos.example.com/ferry.jpg', caption: The ferry.}\n", encoding="utf-8")
    book = run_cli("convert", story, "--to", "epub", "-o", "storm.epub", "--offline")
    assert book.returncode == 0, book.stderr
    warnings = [line for line in book.stderr.splitlines() if line.startswith("syndicate: warning: ")]
    assert any("photos/missing.jpg" in line for line in warnings), book.stderr
    assert any("https://photos.example.com/ferry.jpg" in line for line in warnings), book.stderr
    with zipfile.ZipFile(tmp_path / "storm.epub") as epub:  # the captions stay, with no invented image
        text = " ".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    assert "The breakwater." in text and "The ferry." in text
    # a feed without a base URL cannot link a local photo: it says so, naming the option
    from PIL import Image

    (tmp_path / "photos").mkdir()
    Image.new("RGB", (64, 48), (20, 90, 160)).save(tmp_path / "photos" / "pier.jpg")
    (tmp_path / "storm.yaml").write_text("images:\n  - {src: photos/pier.jpg, caption: The pier.}\n", encoding="utf-8")
    feed = run_cli("convert", story, "--to", "atom", "-o", "storm.xml", "--title", "Gazette")
    assert feed.returncode == 0 and "--base-url" in feed.stderr, feed.stderr
    assert all(line.startswith("syndicate: warning: ") for line in feed.stderr.splitlines())
    assert "pier" not in (tmp_path / "storm.xml").read_text(encoding="utf-8").replace("The pier.", "")
    # RSS cannot be written without the site's address (its channel link), nor any feed without a name:
    # one line naming what to set, exit 2, and no file with placeholder text
    for fmt, extra, option in (("rss", ["--title", "Gazette"], "--base-url"), ("jsonfeed", [], "--title")):
        refused = run_cli("convert", story, "--to", fmt, "-o", f"storm-{fmt}.out", *extra)
        assert refused.returncode == 2 and option in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and not (tmp_path / f"storm-{fmt}.out").exists()
