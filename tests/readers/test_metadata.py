"""Metadata beside a story: front matter, sidecars, their precedence, validation and images."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image as PILImage

import syndicate
from syndicate.errors import InputError, ModelError
from syndicate.iptc import MEDIATOPIC_SCHEME
from syndicate.model import (
    Byline,
    Figure,
    Heading,
    Image,
    Paragraph,
    Related,
    Source,
    Story,
    Subject,
)
from syndicate.readers.metadata import (
    find_sidecar,
    parse_date,
    parse_metadata,
    split_front_matter,
)

STORY = ("Harbour reopens\n\nThe first ferry left the harbour on Thursday.\n\n"
         "A ferry leaves the harbour\nA ferry leaves the harbour at dawn. Photo: Ana Lima/Gazette\n\n"
         "Fishermen will come home at the weekend.\n")


def write_story(folder: Path, name: str = "harbour.txt", text: str = STORY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``syndicate ARGS`` as a user runs it, in ``cwd``; the timeout turns a hang into a failure."""
    return subprocess.run([sys.executable, "-m", "syndicate", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def draw(path: Path, size: tuple[int, int], fmt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", size, (20, 90, 140)).save(path, fmt)
    return path


# ---------------------------------------------------------------- front matter


def test_front_matter_is_split_off_and_applied(tmp_path: Path) -> None:
    text = ("---\nheadline: Ferries sail again\nbyline: By MARTA OLSEN, Harbour Gazette\npublished: 2024-03-14\n"
            "keywords: [harbour, ferry]\n---\n" + STORY)
    story = syndicate.read(write_story(tmp_path, text=text))
    assert story.headline == "Ferries sail again"
    assert story.bylines == (Byline("Marta Olsen", "Harbour Gazette"),)
    assert story.published == datetime(2024, 3, 14, tzinfo=timezone.utc)
    assert story.keywords == ("harbour", "ferry")
    assert not [i for i in story.inferred if i.field in ("headline", "published", "bylines")]
    # the text's own first line differs from the metadata headline: it is kept (as a subheading), not dropped
    assert story.body[0] == Heading("Harbour reopens")


BLOCK_STYLE_FRONT_MATTER = """\
---
headline: "Ferries sail again after  the storm"
source:
  name: Harbour Gazette
  url: https://gazette.example.org
bylines:
  - name: Marta Olsen
    role: Harbour Gazette
images:
  - src: https://cdn.example.org/ferry.jpg
    caption: >-
      The first ferry of the morning leaves
      Port Ellis.
    credit: Lena Moe/Harbour Gazette
  - src: https://cdn.example.org/map.png
    caption: A map of the rebuilt wall.
    alt: Map
summary: |
  The harbour reopened on Thursday.
    Fishermen come home at the weekend.
keywords:
  - harbour
  - ferry
---
"""


def test_block_style_front_matter_is_read_as_yaml_before_the_text_is_normalised(tmp_path: Path) -> None:
    # nested mappings, a block list of mappings, folded and literal scalars: indentation is the meaning
    story = syndicate.read(write_story(tmp_path, text=(BLOCK_STYLE_FRONT_MATTER + STORY).replace("\n", "\r\n")))
    assert story.headline == "Ferries sail again after  the storm"  # a quoted run of spaces is the author's
    assert story.source == Source("Harbour Gazette", "https://gazette.example.org")
    assert story.bylines == (Byline("Marta Olsen", "Harbour Gazette"),)
    # a literal block keeps its line breaks and the deeper indent; metadata strings are trimmed at both ends
    assert story.summary == "The harbour reopened on Thursday.\n  Fishermen come home at the weekend."
    assert story.keywords == ("harbour", "ferry")
    first, second = story.figures
    assert (first.caption, first.credit) == ("The first ferry of the morning leaves Port Ellis.",
                                             "Lena Moe/Harbour Gazette")
    assert first.image == Image("https://cdn.example.org/ferry.jpg", "image/jpeg")
    assert (second.caption, second.alt, second.image) == ("A map of the rebuilt wall.", "Map",
                                                          Image("https://cdn.example.org/map.png", "image/png"))
    # the story text under it is still normalised as before
    assert Paragraph("The first ferry left the harbour on Thursday.") in story.body


def test_front_matter_needs_the_first_line_to_be_three_dashes() -> None:
    assert split_front_matter("Title\n---\nheadline: x\n---\n") == (None, "Title\n---\nheadline: x\n---\n")
    assert split_front_matter("---\nno closing line\n") == (None, "---\nno closing line\n")
    assert split_front_matter("---\nheadline: x\n...\nBody\n") == ({"headline": "x"}, "Body\n")


@pytest.mark.parametrize("block, reason", [
    ("headline: [unclosed", "invalid YAML"),
    ("- just\n- a list", "must be a mapping"),
    ("headlin: Typo", "headlin"),
    ("published: 2024-03-14T07:30:00", "without an offset"),
    ("published: March 14", "not a complete date"),
    ("id: harbour-2024", "tag: or urn:"),
    ("slug: Harbour Reopens", "lowercase"),
    ("url: javascript:alert(1)", "http(s) URL"),
    ("bylines: [{name: Jane, office: Oslo}]", "office"),
    ("keywords: [harbour, 3]", "keywords"),
    ("language: 'english language'", "BCP 47"),
    ("headline: ''", "non-empty"),
])
def test_bad_front_matter_is_refused_naming_the_problem(block: str, reason: str, tmp_path: Path) -> None:
    path = write_story(tmp_path, text=f"---\n{block}\n---\n{STORY}")
    with pytest.raises(InputError) as caught:
        syndicate.read(path)
    assert reason in caught.value.message
    assert caught.value.path == str(path)


def test_a_text_merely_starting_with_a_rule_is_not_metadata(tmp_path: Path) -> None:
    story = syndicate.read(write_story(tmp_path, text="---\n\n" + STORY))
    assert story.headline == "Harbour reopens"


# ---------------------------------------------------------------- hostile metadata

DEEP = 100_000


def refusal(tmp_path: Path, where: str, content: str) -> InputError:
    """Write ``content`` as the story's metadata at ``where`` and return the one-line error that names it."""
    path = write_story(tmp_path)
    target = tmp_path / where
    target.write_text(content + (STORY if where.endswith(".txt") else ""), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        syndicate.read(path)
    assert caught.value.path == str(target) and "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize("where, content", [
    pytest.param("harbour.json", '{"keywords": ' + "[" * DEEP + "]" * DEEP + "}", id="json-lists"),
    pytest.param("harbour.json", '{"source": ' + '{"a": ' * 30_000 + "1" + "}" * 30_000 + "}", id="json-objects"),
    pytest.param("harbour.yaml", "keywords: " + "[" * DEEP + "]" * DEEP + "\n", id="yaml-flow"),
    pytest.param("harbour.toml", "keywords = " + "[" * DEEP + "]" * DEEP + "\n", id="toml"),
    pytest.param("harbour.txt", "---\nkeywords: " + "[" * DEEP + "]" * DEEP + "\n---\n", id="front-matter"),
])
def test_deeply_nested_metadata_is_refused_in_one_line_naming_the_file(where: str, content: str,
                                                                       tmp_path: Path) -> None:
    error = refusal(tmp_path, where, content)
    assert "nested too deeply" in error.message


@pytest.mark.parametrize("where, content, reason", [
    pytest.param("harbour.yaml", "published: 2024-13-45\n", "month must be in 1..12", id="yaml-impossible-date"),
    pytest.param("harbour.json", '{"headline": ' + "9" * 5000 + "}", "invalid JSON", id="json-huge-integer"),
    pytest.param("harbour.toml", "published = 2024-02-30\n", "invalid TOML", id="toml-impossible-date"),
    pytest.param("harbour.txt", "---\nupdated: 0000-01-01\n---\n", "invalid YAML", id="front-matter-year-0"),
])
def test_any_parser_failure_on_metadata_is_an_input_error(where: str, content: str, reason: str,
                                                          tmp_path: Path) -> None:
    assert reason in refusal(tmp_path, where, content).message


def test_cli_reports_deeply_nested_metadata_without_a_traceback(tmp_path: Path) -> None:
    path = write_story(tmp_path)
    (tmp_path / "harbour.json").write_text('{"keywords": ' + "[" * DEEP + "]" * DEEP + "}", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "syndicate", "parse", str(path)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert "harbour.json" in result.stderr and "nested too deeply" in result.stderr


# ---------------------------------------------------------------- sidecars and precedence


@pytest.mark.parametrize("suffix, content", [
    (".toml", 'headline = "From TOML"\npublished = 2024-03-14T07:30:00+01:00\n'),
    (".json", json.dumps({"headline": "From JSON", "published": "2024-03-14T07:30:00+01:00"})),
    (".yaml", "headline: From YAML\npublished: 2024-03-14T07:30:00+01:00\n"),
    (".yml", "headline: 'From YAML'\npublished: '2024-03-14 07:30 +01:00'\n"),
])
def test_each_sidecar_kind_is_found_and_read(suffix: str, content: str, tmp_path: Path) -> None:
    path = write_story(tmp_path)
    (tmp_path / f"harbour{suffix}").write_text(content, encoding="utf-8")
    story = syndicate.read(path)
    assert story.headline.startswith("From ")
    assert story.published == datetime(2024, 3, 14, 7, 30, tzinfo=timezone(timedelta(hours=1)))
    assert story.published.utcoffset() == timedelta(hours=1)


def test_two_sidecars_are_refused(tmp_path: Path) -> None:
    path = write_story(tmp_path)
    (tmp_path / "harbour.yaml").write_text("headline: A\n")
    (tmp_path / "harbour.json").write_text('{"headline": "B"}')
    with pytest.raises(InputError, match="more than one metadata file"):
        find_sidecar(path)


def make_special(path: Path, kind: str) -> None:
    """A FIFO, a listening Unix socket's file or a folder at ``path``."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        import socket

        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))  # the file stays after the socket is closed
        sock.close()
    else:
        path.mkdir()


@pytest.mark.parametrize(("kind", "named"), [("fifo", "a FIFO"), ("socket", "a socket"), ("folder", "a folder")])
def test_a_sidecar_that_is_not_a_regular_file_rejects_the_story_naming_it(kind: str, named: str,
                                                                          tmp_path: Path) -> None:
    path = write_story(tmp_path, "a.txt")
    make_special(tmp_path / "a.yaml", kind)
    result = run_cli(["parse", "a.txt"], tmp_path, timeout=30)  # a FIFO opened would hang here
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"syndicate: error: a.txt: metadata file a.yaml is not a regular file ({named}); "
                             "it was not opened\n")
    with pytest.raises(InputError, match="a.yaml is not a regular file") as caught:
        syndicate.read(path)
    assert caught.value.path == str(path)


def test_a_build_rejects_the_story_with_a_fifo_sidecar_and_builds_the_others(tmp_path: Path) -> None:
    """The QA report: ``cp story.txt hf/a.txt; mkfifo hf/a.yaml`` built a.txt without its metadata, silently."""
    write_story(tmp_path / "hf", "a.txt")
    write_story(tmp_path / "hf", "b.txt")
    os.mkfifo(tmp_path / "hf" / "a.yaml")
    result = run_cli(["build", "hf", "out", "--jobs", "1"], tmp_path, timeout=120)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == ["syndicate: error: hf/a.txt: metadata file a.yaml is not a regular file (a FIFO); "
                      "it was not opened"]
    assert sorted(p.name for p in (tmp_path / "out" / "stories").iterdir()) == ["b.json"]


def test_unknown_key_in_a_sidecar_names_the_sidecar(tmp_path: Path) -> None:
    path = write_story(tmp_path)
    sidecar = tmp_path / "harbour.toml"
    sidecar.write_text('headline = "A"\nauthor = "Jane"\n')
    with pytest.raises(InputError) as caught:
        syndicate.read(path)
    assert "author" in caught.value.message and caught.value.path == str(sidecar)


def test_explicit_metadata_beats_sidecar_beats_front_matter(tmp_path: Path) -> None:
    text = "---\nheadline: front\nsummary: front summary\nrights: front rights\n---\n" + STORY
    path = write_story(tmp_path, text=text)
    (tmp_path / "harbour.yaml").write_text("headline: sidecar\nsummary: sidecar summary\n")
    story = syndicate.read(path, metadata={"headline": "explicit"})
    assert (story.headline, story.summary, story.rights) == ("explicit", "sidecar summary", "front rights")


def test_metadata_wins_over_what_the_text_implies(tmp_path: Path) -> None:
    text = "Storm hits coast\n\nBy Jane Doe\n\nHOUSTON (AP) — Winds reached 120 mph on Dec. 16, 2016.\n"
    path = write_story(tmp_path, text=text)
    story = syndicate.read(path, metadata={
        "published": "2016-12-15T18:00:00-06:00", "dateline": "HOUSTON", "source": {"name": "Gulf Wire"},
        "bylines": ["Jane Doe"], "summary": "Winds of 120 mph.", "language": "en-US"})
    assert story.published == datetime(2016, 12, 16, 0, 0, tzinfo=timezone.utc)  # same instant as given
    assert story.published.utcoffset() == timedelta(hours=-6)
    assert story.source == Source("Gulf Wire") and story.language == "en-US"
    assert story.bylines == (Byline("Jane Doe"),) and story.summary == "Winds of 120 mph."
    assert story.body == (Paragraph("Winds reached 120 mph on Dec. 16, 2016."),)
    fields = {i.field for i in story.inferred}
    assert not fields & {"published", "dateline", "source", "bylines", "summary", "language"}


def test_metadata_naming_other_people_keeps_the_texts_byline_line(tmp_path: Path) -> None:
    text = "Storm hits coast\n\nBy Jane Doe\n\nWinds reached 120 mph.\n"
    story = syndicate.read(write_story(tmp_path, text=text), metadata={"bylines": [{"name": "Desk Editor"}]})
    assert story.bylines == (Byline("Desk Editor"),)
    assert Paragraph("By Jane Doe") in story.body


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("value, expected", [
    ("2016-12-16", datetime(2016, 12, 16, tzinfo=timezone.utc)),
    ("Dec. 16, 2016", datetime(2016, 12, 16, tzinfo=timezone.utc)),
    ("2016-12-16T09:15:00Z", datetime(2016, 12, 16, 9, 15, tzinfo=timezone.utc)),
    ("16 December 2016 10:00 +0200", datetime(2016, 12, 16, 8, 0, tzinfo=timezone.utc)),
    (datetime(2016, 12, 16, 9, 0, tzinfo=timezone.utc).date(), datetime(2016, 12, 16, tzinfo=timezone.utc)),
])
def test_dates_are_read_aware(value: object, expected: datetime) -> None:
    parsed = parse_date(value)
    assert parsed == expected and parsed.utcoffset() is not None


@pytest.mark.parametrize("value", ["2016-12-16 09:00", datetime(2016, 12, 16, 9, 0), "yesterday", "Dec 16", 20161216])
def test_naive_incomplete_or_odd_dates_are_refused(value: object) -> None:
    with pytest.raises(InputError):
        parse_date(value)


def test_bylines_subjects_related_and_source_in_every_shape() -> None:
    meta = parse_metadata({
        "bylines": ["By JANE DOE and JOHN ROE, Associated Press", {"name": "Ann Poe", "email": "ann@example.org"}],
        "subjects": ["politics", {"name": "weather", "code": "medtop:17000000"},
                     {"name": "local", "code": "L1", "scheme": "http://example.org/scheme/"}],
        "related": ["Storm diary", {"title": "Map", "url": "https://example.org/map"}],
        "source": "Harbour Gazette",
        "keywords": "harbour",
    })
    assert meta.bylines == (Byline("Jane Doe", "Associated Press"), Byline("John Roe", "Associated Press"),
                            Byline("Ann Poe", email="ann@example.org"))
    assert meta.subjects == (Subject("politics"), Subject("weather", "medtop:17000000", MEDIATOPIC_SCHEME),
                             Subject("local", "L1", "http://example.org/scheme/"))
    assert meta.related == (Related("Storm diary"), Related("Map", "https://example.org/map"))
    assert meta.source == Source("Harbour Gazette") and meta.keywords == ("harbour",)


def model_accepts(field: str, value: str) -> bool:
    try:
        Story(**{"id": "tag:example.org,2024:x", "slug": "x", "headline": "x", field: value})
    except ModelError:
        return False
    return True


@pytest.mark.parametrize("field, value", [
    ("id", "tag:example.org,2024:harbour"), ("id", "urn:uuid:1234"), ("id", "harbour-2024"), ("id", "tag: spaced"),
    ("id", "http://example.org/1"), ("language", "en"), ("language", "pt-BR"), ("language", "zh-Hant-TW"),
    ("language", "english language"), ("language", "e"), ("language", "en_US"), ("slug", "harbour-reopens"),
    ("slug", "Harbour"), ("slug", "a--b"),
])
def test_metadata_accepts_an_id_language_or_slug_exactly_when_the_model_does(field: str, value: str) -> None:
    if model_accepts(field, value):
        assert getattr(parse_metadata({field: value}), field) == value
    else:
        with pytest.raises(InputError, match=field):
            parse_metadata({field: value})


@pytest.mark.parametrize("url, ok", [
    ("https://example.org/story", True), ("HTTP://EXAMPLE.ORG/a", True), ("mailto:desk@example.org", False),
    ("ftp://example.org/story", False), ("https:///no-host", False), ("https://exa mple.org", False),
    ("/relative/story", False), ("javascript:alert(1)", False), ("http://[::1", False),
])
def test_story_url_must_be_a_web_address(url: str, ok: bool) -> None:
    if ok:
        assert parse_metadata({"url": url}).url == url
    else:
        with pytest.raises(InputError, match="http"):
            parse_metadata({"url": url})


def test_id_and_slug_from_metadata_win(tmp_path: Path) -> None:
    story = syndicate.read(write_story(tmp_path), metadata={"id": "urn:newsml:example.org:2024:harbour",
                                                            "slug": "harbour-reopens"})
    assert (story.id, story.slug) == ("urn:newsml:example.org:2024:harbour", "harbour-reopens")
    assert not [i for i in story.inferred if i.field in ("id", "slug")]


# ---------------------------------------------------------------- images


def test_local_images_attach_in_order_with_size_from_the_header(tmp_path: Path) -> None:
    path = write_story(tmp_path / "stories")
    draw(tmp_path / "stories" / "images" / "ferry.jpg", (640, 427), "JPEG")
    draw(tmp_path / "stories" / "images" / "map.png", (300, 200), "PNG")
    story = syndicate.read(path, root=tmp_path, metadata={"images": [
        "images/ferry.jpg",
        {"src": "images/map.png", "caption": "A map of the harbour.", "credit": "Gazette graphic", "alt": "Map"},
        "https://cdn.example.org/photos/dawn.webp?size=large",
    ]})
    figures = story.figures
    # an image given as a bare path keeps the caption and credit the text printed (the text reader's to read)
    printed = syndicate.read(path, root=tmp_path).figures[0]
    assert figures[0].caption == printed.caption == "A ferry leaves the harbour at dawn."
    assert figures[0].credit == printed.credit and "Ana Lima/Gazette" in (printed.credit or "")
    assert figures[0].image == Image("stories/images/ferry.jpg", "image/jpeg", 640, 427)  # relative to the root
    # extra images become extra figures at the end, nothing lost
    assert story.body[-2:] == (
        Figure(caption="A map of the harbour.", credit="Gazette graphic", alt="Map",
               image=Image("stories/images/map.png", "image/png", 300, 200)),
        Figure(caption="", image=Image("https://cdn.example.org/photos/dawn.webp?size=large",
                                                            "image/webp")),
    )


def test_metadata_caption_credit_and_alt_win_over_the_text(tmp_path: Path) -> None:
    path = write_story(tmp_path)
    draw(tmp_path / "ferry.png", (20, 10), "PNG")
    story = syndicate.read(path, metadata={"images": [{"src": "ferry.png", "credit": "Harbour Gazette",
                                                        "alt": "A white ferry"}]})
    (figure,) = story.figures
    assert (figure.caption, figure.credit, figure.alt) == ("A ferry leaves the harbour at dawn.", "Harbour Gazette",
                                                            "A white ferry")


REFUSED_SOURCES = ["../outside.png", "images/../../outside.png", "/etc/passwd", "C:/x.png", "images\\x.png",
                   "file:///etc/passwd", "javascript:alert(1)", "data:image/png,xx", "ftp://example.org/x.png",
                   "mailto:a@example.org", "https:///x.png"]


@pytest.mark.parametrize("src", REFUSED_SOURCES)
def test_a_photo_outside_the_input_folder_or_by_an_odd_scheme_is_refused_and_the_story_kept(
        src: str, tmp_path: Path) -> None:
    draw(tmp_path / "outside.png", (4, 4), "PNG")
    path = write_story(tmp_path / "in")
    story = syndicate.read(path, metadata={"images": [src]})
    (figure,) = story.figures
    assert figure.image is None and figure.caption == "A ferry leaves the harbour at dawn."  # the caption stays
    (note,) = [i for i in story.inferred if i.field.endswith(".image")]
    assert note.field == f"body[{story.body.index(figure)}].image" and note.value == src
    assert repr(src) in note.reason and "refused" in note.reason and "\n" not in note.reason


def test_a_symlink_leading_out_of_the_input_folder_is_refused_as_a_photo_not_a_story(tmp_path: Path) -> None:
    draw(tmp_path / "secret.png", (4, 4), "PNG")
    path = write_story(tmp_path / "in")
    os.symlink(tmp_path / "secret.png", tmp_path / "in" / "photo.png")
    draw(tmp_path / "in" / "inside.png", (6, 3), "PNG")
    os.symlink("inside.png", tmp_path / "in" / "alias.png")  # a link that stays inside is a photo like any other
    story = syndicate.read(path, metadata={"images": ["photo.png", "alias.png"]})
    assert story.figures[0].image is None
    assert story.figures[1].image == Image("alias.png", "image/png", 6, 3)
    (note,) = [i for i in story.inferred if i.field.endswith(".image")]
    assert note.value == "photo.png" and "outside the input folder" in note.reason


def test_a_photo_that_is_a_fifo_is_not_a_regular_file_and_is_never_opened(tmp_path: Path) -> None:
    """Opening a FIFO for reading blocks until a writer comes: the read would hang (the subprocess's
    timeout turns that into a failure, not a stuck suite)."""
    path = write_story(tmp_path)
    os.mkfifo(tmp_path / "photo.jpg")
    (tmp_path / "harbour.yaml").write_text("images: [photo.jpg, gone.jpg]\n")
    result = run_cli(["parse", str(path)], tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    notes = {n["value"]: n["reason"] for n in json.loads(result.stdout)["inferred"] if n["field"].endswith(".image")}
    assert "photo.jpg is not a regular file (a FIFO)" in notes["photo.jpg"] and "not found" not in notes["photo.jpg"]
    assert "gone.jpg was not found" in notes["gone.jpg"]


def test_a_build_keeps_a_story_whose_photos_are_refused_and_publishes_none_of_them(tmp_path: Path) -> None:
    """The QA report: one bad photo path (a symlink out of the folder, an absolute path, a file: or
    javascript: URL) rejected the whole story. Each is now one warning naming it; the story is built with
    every caption, and nothing from outside the input folder is read or published."""
    secret = draw(tmp_path / "elsewhere" / "secret.png", (7, 5), "PNG")
    folder = tmp_path / "ex2"
    write_story(folder, "s.txt")
    draw(folder / "images" / "ok.png", (8, 4), "PNG")
    os.symlink(secret, folder / "images" / "link.png")
    refused = ["images/link.png", str(secret), f"file://{secret}", "javascript:alert(1)"]
    captions = [f"Caption {n}" for n in range(len(refused))]
    (folder / "s.yaml").write_text(json.dumps({"images": [{"src": src, "caption": caption}
                                                          for src, caption in zip(refused, captions)]
                                              + [{"src": "images/ok.png", "caption": "Good"}]}))
    result = run_cli(["build", "ex2", "out", "--jobs", "1"], tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "was refused" in line]
    assert len(warnings) == len(refused) and "error" not in result.stderr
    for src, line in zip(refused, warnings):
        assert line.startswith("syndicate: warning: s.txt: image ") and repr(src) in line
    assert "outside the input folder" in warnings[0] and "only http(s) URLs" in warnings[2]
    built = json.loads((tmp_path / "out" / "stories" / "s.json").read_text())
    figures = [b for b in built["body"] if b["type"] == "figure"]
    assert [(f["caption"], f["image"]) for f in figures[:4]] == [(c, None) for c in captions]
    assert figures[4]["caption"] == "Good" and figures[4]["image"]["src"] == "images/ok.png"
    assert len(list((tmp_path / "out" / "images").iterdir())) == 1  # only the good photo is published
    with zipfile.ZipFile(tmp_path / "out" / "epub" / "s.epub") as book:
        pictures = [n for n in book.namelist() if n.lower().endswith((".png", ".jpg", ".jpeg"))]
        assert len(pictures) == 1 and PILImage.open(io.BytesIO(book.read(pictures[0]))).size == (8, 4)


def test_missing_or_broken_image_files_leave_the_figure_without_a_picture(tmp_path: Path) -> None:
    path = write_story(tmp_path)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    story = syndicate.read(path, metadata={"images": ["missing.jpg", {"src": "broken.jpg", "caption": "Quay"}]})
    figures = story.figures
    assert figures[0].image is None and figures[0].caption == "A ferry leaves the harbour at dawn."
    assert figures[1] == Figure(caption="Quay")
    notes = [i.reason for i in story.inferred if i.field.endswith(".image")]
    assert len(notes) == 2 and "missing.jpg was not found" in notes[0] and "broken.jpg could not be read" in notes[1]


def png_header(width: int, height: int) -> bytes:
    """A PNG declaring ``width`` x ``height`` whose data chunk announces a megabyte and holds nothing."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + len(ihdr).to_bytes(4, "big") + b"IHDR" + ihdr + \
        zlib.crc32(b"IHDR" + ihdr).to_bytes(4, "big") + (1_000_000).to_bytes(4, "big") + b"IDAT"


def test_image_size_comes_from_the_header_without_decoding_pixels(tmp_path: Path) -> None:
    # 10000 x 8000 declared, no pixel data at all: only the header can have been read
    (tmp_path / "big.png").write_bytes(png_header(10000, 8000))
    story = syndicate.read(write_story(tmp_path), metadata={"images": ["big.png"]})
    image = story.figures[0].image
    assert image is not None and (image.width, image.height, image.media_type) == (10000, 8000, "image/png")


def test_a_decompression_bomb_is_not_taken(tmp_path: Path) -> None:
    (tmp_path / "bomb.png").write_bytes(png_header(60000, 60000))
    story = syndicate.read(write_story(tmp_path), metadata={"images": ["bomb.png"]})
    assert story.figures[0].image is None
    assert any("bomb.png could not be read" in i.reason for i in story.inferred)


# ---------------------------------------------------------------- `syndicate parse X.txt > X.json` is not a sidecar


def test_an_empty_file_beside_a_story_is_no_metadata(tmp_path: Path) -> None:
    story_path = tmp_path / "harbour.txt"
    story_path.write_text(STORY)
    for suffix in (".json", ".toml", ".yaml"):
        (tmp_path / f"harbour{suffix}").write_text("" if suffix != ".yaml" else "\n  \n")
    assert find_sidecar(story_path) is None  # three empty files are not three metadata files
    assert syndicate.read(story_path).headline == "Harbour reopens"


def test_a_story_json_written_by_parse_is_not_metadata_but_a_metadata_json_is(tmp_path: Path) -> None:
    story_path = tmp_path / "harbour.txt"
    story_path.write_text(STORY)
    parsed = syndicate.read(story_path)
    (tmp_path / "harbour.json").write_text(parsed.to_json())
    assert find_sidecar(story_path) is None
    (tmp_path / "harbour.yaml").write_text("headline: From the YAML\n")  # the real sidecar, not "two of them"
    assert syndicate.read(story_path).headline == "From the YAML"
    (tmp_path / "harbour.yaml").unlink()
    (tmp_path / "harbour.json").write_text('{"headline": "From the JSON"}')
    assert syndicate.read(story_path).headline == "From the JSON"
    (tmp_path / "harbour.json").write_text('{"headline": "Broken",')  # a broken one is still reported
    with pytest.raises(InputError, match="invalid JSON"):
        syndicate.read(story_path)


def test_a_long_story_json_beside_its_story_is_still_not_metadata(tmp_path: Path) -> None:
    from syndicate.readers.metadata import MAX_METADATA_BYTES

    story_path = tmp_path / "long.txt"
    paragraphs = [f"Paragraph {n} of the long read tells of the harbour and its ferries. " * 8 for n in range(800)]
    story_path.write_text("A long read\n\n" + "\n\n".join(paragraphs) + "\n")
    written = Story(id="tag:example.com,2026:long", slug="long", headline="A long read",
                    body=tuple(Paragraph(p.strip()) for p in paragraphs))  # what parse writes for it
    (tmp_path / "long.json").write_text(written.to_json())
    assert (tmp_path / "long.json").stat().st_size > MAX_METADATA_BYTES  # larger than metadata may be
    assert syndicate.read(story_path).headline == "A long read"


def test_parse_into_a_json_beside_the_story_then_build_builds_it_once(tmp_path: Path) -> None:
    """The first thing many people type: the shell empties X.json before parse runs; parse must still
    read X.txt, and every later build must read X.txt as if X.json were not there."""
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "harbour.txt").write_text(STORY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parse = subprocess.run(f'"{sys.executable}" -m syndicate parse harbour.txt > harbour.json', shell=True,
                           cwd=folder, capture_output=True, text=True, env=env, timeout=120)
    assert parse.returncode == 0, parse.stderr
    parsed = json.loads((folder / "harbour.json").read_text())
    assert parsed["headline"] == "Harbour reopens" and parsed["body"]
    build = subprocess.run([sys.executable, "-m", "syndicate", "build", "input", "output", "--jobs", "1"],
                           cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert build.returncode == 0, build.stderr
    built = sorted(p.name for p in (tmp_path / "output" / "stories").iterdir())
    assert built == ["harbour.json"]
    assert json.loads((tmp_path / "output" / "stories" / "harbour.json").read_text())["body"] == parsed["body"]
