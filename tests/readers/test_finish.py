"""The finishing step every reader shares: metadata, fallbacks, ids, control characters, date bounds, root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import syndicate
from syndicate.errors import InputError
from syndicate.model import Paragraph
from syndicate.readers import FALLBACK_ID_PREFIX, id_prefix_for, kind_of

NAR = "http://iptc.org/std/nar/2006-10-01/"
LEAD = ("The harbour at Port Ellis reopened on Monday, two months after the January storm wrecked its quay. "
        "Ferries returned in the morning and the fish market opened at noon.")
SECOND = "Repairs cost the town more than it had planned, the council said."

# One story, as each reader's input kind says it. None of them names a byline, keywords or a time.
STORY_FILES = {
    ".txt": f"Port Ellis harbour reopens\n\n{LEAD}\n\n{SECOND}\n",
    ".xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="{NAR}" guid="https://wire.example/items/7" version="1" standard="NewsML-G2" standardversion="2.35">
  <itemMeta><itemClass qcode="ninat:text"/><provider literal="WIRE"/>
    <versionCreated>2026-02-04T12:00:00Z</versionCreated></itemMeta>
  <contentMeta><headline>Port Ellis harbour reopens</headline></contentMeta>
  <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><body>
    <p>{LEAD}</p><p>{SECOND}</p></body></html></inlineXML></contentSet>
</newsItem>
""",
    ".html": f"""<!DOCTYPE html><html><head><title>Port Ellis harbour reopens</title></head><body><article>
<h1>Port Ellis harbour reopens</h1><p>{LEAD}</p><p>{SECOND}</p></article></body></html>
""",
}
KINDS = sorted(STORY_FILES)

SIDECAR = """\
headline: Harbour reopens after the storm
bylines:
  - name: Marta Olsen
    role: Harbour Gazette
published: 2024-03-14T07:30:00+01:00
keywords: [Port Ellis, harbour]
id: "tag:news.example.com,2024:harbour"
slug: harbour-reopens
"""


def write_story(folder: Path, suffix: str, stem: str = "harbour") -> Path:
    path = folder / f"{stem}{suffix}"
    path.write_text(STORY_FILES[suffix], encoding="utf-8")
    return path


def assert_has_the_sidecar_metadata(story: syndicate.Story) -> None:
    assert story.headline == "Harbour reopens after the storm"
    assert [(b.name, b.role) for b in story.bylines] == [("Marta Olsen", "Harbour Gazette")]
    assert story.published == datetime(2024, 3, 14, 7, 30, tzinfo=timezone(timedelta(hours=1)))
    assert story.keywords == ("Port Ellis", "harbour")
    assert (story.id, story.slug) == ("tag:news.example.com,2024:harbour", "harbour-reopens")
    assert not story.date_only
    # metadata gave these: the reader's own guesses for them are not listed as guesses
    assert not {"headline", "id", "slug", "bylines", "published"} & {i.field for i in story.inferred}


@pytest.mark.parametrize("suffix", KINDS)
def test_a_sidecar_gives_the_same_metadata_to_every_reader(tmp_path: Path, suffix: str) -> None:
    path = write_story(tmp_path, suffix)
    (tmp_path / "harbour.yaml").write_text(SIDECAR, encoding="utf-8")
    story = syndicate.read(path)
    assert_has_the_sidecar_metadata(story)
    assert [b.text for b in story.body if isinstance(b, Paragraph)][-2:] == [LEAD, SECOND]


@pytest.mark.parametrize("suffix", KINDS)
def test_the_metadata_argument_works_for_every_reader_and_beats_the_sidecar(tmp_path: Path, suffix: str) -> None:
    import yaml

    path = write_story(tmp_path, suffix)
    story = syndicate.read(path, metadata=yaml.safe_load(SIDECAR))
    assert_has_the_sidecar_metadata(story)

    (tmp_path / "harbour.toml").write_text('headline = "From the sidecar"\nsummary = "Sidecar summary."\n')
    story = syndicate.read(path, metadata={"headline": "From the argument"})
    assert (story.headline, story.summary) == ("From the argument", "Sidecar summary.")


@pytest.mark.parametrize("suffix", KINDS)
def test_without_metadata_every_reader_gets_the_same_fallbacks(tmp_path: Path, suffix: str) -> None:
    (tmp_path / "news").mkdir()
    story = syndicate.read(write_story(tmp_path / "news", suffix), root=tmp_path)
    assert story.headline == "Port Ellis harbour reopens"
    assert story.summary == LEAD  # the lead paragraph, under the 300-character limit
    assert story.slug == "news-harbour"
    assert story.language == "en"
    assert story.root == str(tmp_path.resolve())
    reasons = {i.field: i.reason for i in story.inferred}
    assert "lead paragraph" in reasons["summary"] and "default" in reasons["language"]
    assert "path under the input folder" in reasons["slug"]


def test_a_story_without_any_headline_takes_the_first_sentence_of_its_lead(tmp_path: Path) -> None:
    path = tmp_path / "item.xml"
    path.write_text(STORY_FILES[".xml"].replace("<headline>Port Ellis harbour reopens</headline>", ""))
    story = syndicate.read(path)
    assert story.headline == LEAD.split(". ")[0] + "."
    assert "first sentence of the lead" in {i.field: i.reason for i in story.inferred}["headline"]


# ---------------------------------------------------------------- ids, id prefix, root, day-only dates


def test_the_default_id_is_the_id_prefix_and_the_path_under_the_input_folder(tmp_path: Path) -> None:
    (tmp_path / "world").mkdir()
    path = write_story(tmp_path / "world", ".txt", "storm")
    assert syndicate.read(path, root=tmp_path).id == FALLBACK_ID_PREFIX + "world/storm"
    assert syndicate.read(path, root=tmp_path, id_prefix="tag:news.example.com,2024:").id == \
        "tag:news.example.com,2024:world/storm"
    assert syndicate.read(path, root=tmp_path, id_prefix="urn:newsroom:gazette").id == "urn:newsroom:gazette:world/storm"
    with pytest.raises(InputError, match="tag: or urn:"):
        syndicate.read(path, id_prefix="https://news.example.com/")


def test_a_newsml_guid_that_is_no_tag_or_urn_gets_the_configured_prefix(tmp_path: Path) -> None:
    path = write_story(tmp_path, ".xml", "wire")  # its guid is an https URL, which ids may not be
    assert syndicate.read(path, id_prefix="tag:gazette.example,2024:").id == "tag:gazette.example,2024:wire"


def test_id_prefix_for_a_base_url_is_fixed_by_its_host_and_path_never_the_clock() -> None:
    assert id_prefix_for("https://news.example.com/") == "tag:news.example.com,2026:"
    assert id_prefix_for("https://News.Example.com") == "tag:news.example.com,2026:"
    assert id_prefix_for("https://example.com/harbour/") == "tag:example.com,2026:harbour/"
    assert id_prefix_for("https://example.com/harbour") == "tag:example.com,2026:harbour/"
    with pytest.raises(ValueError, match="no host"):
        id_prefix_for("news.example.com")


def test_story_root_lets_photos_resolve_from_any_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in" / "images").mkdir(parents=True)
    from PIL import Image as PILImage

    PILImage.new("RGB", (40, 30), "navy").save(tmp_path / "in" / "images" / "quay.png")
    path = write_story(tmp_path / "in", ".xml")
    (tmp_path / "in" / "harbour.yaml").write_text("images: [images/quay.png]\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    story = syndicate.read(os.path.relpath(path, elsewhere))
    image = story.lead_image.image
    assert image is not None and (image.src, image.width, image.height) == ("images/quay.png", 40, 30)
    assert Path(story.root, image.src).is_file()
    assert syndicate.read(STORY_FILES[".txt"]).root is None  # text given directly has no folder


@pytest.mark.parametrize(("published", "day_only"), [("2024-03-14", True), ("2024-03-14T07:30:00Z", False)])
def test_a_bare_date_in_metadata_is_known_only_to_the_day(tmp_path: Path, published: str, day_only: bool) -> None:
    path = write_story(tmp_path, ".xml")
    story = syndicate.read(path, metadata={"published": published})
    assert story.date_only is day_only
    assert ("date_only" in story.to_dict()) is day_only


def test_a_date_the_text_reader_infers_is_known_only_to_the_day(tmp_path: Path) -> None:
    path = tmp_path / "talks.txt"
    path.write_text(f"Talks end\n\nGENEVA (AP) — The talks ended on Dec. 16, 2016 without a deal. {SECOND}\n")
    story = syndicate.read(path)
    assert story.published == datetime(2016, 12, 16, tzinfo=timezone.utc) and story.date_only
    assert not syndicate.read(path, metadata={"published": "2016-12-16T18:00:00+01:00"}).date_only


# ---------------------------------------------------------------- control characters

ESCAPES = "\x1b[31m", "\x1b]0;owned\x07", "\x9b2J", "\x00", "\x7f"


def no_controls(story: syndicate.Story) -> bool:
    text = story.to_json()  # JSON escapes controls as \u001b: look at the decoded values instead
    values: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(text))
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\n" for v in values for c in v)


def test_a_text_story_with_terminal_escapes_is_kept_with_the_controls_removed(tmp_path: Path) -> None:
    lead = f"The harbour {ESCAPES[0]}reopened{ESCAPES[1]} on Monday{ESCAPES[2]} after repairs."
    path = tmp_path / "harbour.txt"
    path.write_text(f"Port Ellis harbour{ESCAPES[4]} reopens\n\n{lead} {LEAD}\n\n{SECOND}\n", encoding="utf-8")
    (tmp_path / "harbour.yaml").write_text('dateline: "PORT ELLIS\\e[2J"\nbylines: ["\\e]0;x\\aMarta Olsen"]\n')
    story = syndicate.read(path)
    assert no_controls(story)
    assert story.headline == "Port Ellis harbour reopens"
    # an escape sequence goes as a whole (its parameters would be noise), a lone control alone
    assert story.body[0].text.startswith("The harbour reopened on Monday after repairs.")
    assert story.dateline == "PORT ELLIS" and story.bylines[0].name == "Marta Olsen"


def test_newsml_controls_are_removed_and_the_marks_still_cover_their_words(tmp_path: Path) -> None:
    path = tmp_path / "item.xml"
    # C1 controls are legal XML 1.0 characters, so they reach the reader; the emphasis must move with its
    # words. A stray CSI (U+009B) before a space and a word is a lone control: the word stays.
    path.write_text(STORY_FILES[".xml"].replace(
        f"<p>{LEAD}</p>", "<p>Ferries\u0085\u009b returned \u009b1;31m<em>at\u0090 noon</em>, officials said.</p>"),
        encoding="utf-8")
    story = syndicate.read(path)
    assert no_controls(story)
    paragraph = story.body[0]
    assert isinstance(paragraph, Paragraph) and paragraph.text == "Ferries returned at noon, officials said."
    (mark,) = paragraph.marks
    assert paragraph.text[mark.start:mark.end] == "at noon"


def test_a_paragraph_of_nothing_but_controls_is_dropped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "item.xml"
    path.write_text(STORY_FILES[".xml"].replace(f"<p>{SECOND}</p>", "<p>\u0085\u009b</p>"), encoding="utf-8")
    story = syndicate.read(path)
    assert [b.text for b in story.body if isinstance(b, Paragraph)] == [LEAD]


# ---------------------------------------------------------------- dates every format can carry


@pytest.mark.parametrize("edge", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1200-05-01T00:00:00Z"])
def test_a_date_at_the_edge_of_the_calendar_is_one_clear_line_from_the_cli(tmp_path: Path, edge: str) -> None:
    path = write_story(tmp_path, ".txt")
    (tmp_path / "harbour.toml").write_text(f"published = {edge}\n")  # a valid TOML date-time
    result = subprocess.run([sys.executable, "-m", "syndicate", "parse", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert "harbour.txt" in result.stderr and "published" in result.stderr
    assert "outside the dates every format can carry" in result.stderr


def test_a_newsml_date_past_the_calendar_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "item.xml"
    path.write_text(STORY_FILES[".xml"].replace("<versionCreated>2026-02-04T12:00:00Z</versionCreated>",
                                                "<versionCreated>9999-12-31T23:00:00-12:00</versionCreated>"))
    with pytest.raises(InputError, match="outside the dates") as caught:
        syndicate.read(path)
    assert "\n" not in str(caught.value) and caught.value.path == str(path)


def test_the_last_and_first_dates_every_format_carries_are_accepted(tmp_path: Path) -> None:
    path = write_story(tmp_path, ".xml")
    for edge in ("9999-12-30T23:59:59+00:00", "1583-01-01T00:00:00+00:00"):
        assert syndicate.read(path, metadata={"published": edge}).published == datetime.fromisoformat(edge)


# ---------------------------------------------------------------- which reader


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("", STORY_FILES[".xml"].encode(), ".xml"),
    ("", b"<!-- saved -->\n<!DOCTYPE html><html><body><p>x</p></body></html>", ".html"),
    ("", b"<p>A fragment of a page.</p>", ".html"),
    ("", b"<<< BREAKING >>> The harbour reopened.", ".txt"),
    ("", "\ufeffThe harbour reopened.".encode(), ".txt"),
    ("page.xml", b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', ".html"),
    ("story.txt", b"<p>Tags in a text file are text.</p>", ".txt"),
    ("", '<newsItem xmlns="x"/>'.encode("utf-16"), ".xml"),
    # no element at all is plain text, whatever the extension (the README's rule)
    ("plain.xml", b"A headline\n\nSome paragraph text here.\n", ".txt"),
    ("plain.xml", b"\xef\xbb\xbf \n<!-- scraped -->\nA headline\n", ".txt"),
    ("plain.xml", "Un titre\n\nDu texte.".encode("utf-16"), ".txt"),
    ("breaking.xml", b"<<< BREAKING >>> The harbour reopened.", ".txt"),
    ("empty.xml", b"", ".txt"),
    # an XML declaration says "XML": without an element the NewsML reader refuses it as not well-formed
    ("decl.xml", b'<?xml version="1.0"?>\nA headline\n', ".xml"),
    ("", b'<?xml version="1.0"?>\nA headline\n', ".xml"),
    ("item.xml", b"<newsItem", ".xml"),
])
def test_the_kind_comes_from_the_extension_then_the_root_element(name: str, data: bytes, kind: str) -> None:
    assert kind_of(name, data) == kind


def test_an_xml_file_with_no_element_is_parsed_as_text_from_the_cli(tmp_path: Path) -> None:
    """The QA report: ``printf 'A headline\\n\\nSome paragraph text here.\\n' > plain.xml; syndicate parse
    plain.xml`` was refused as "not well-formed XML", although the README reads it as plain text."""
    (tmp_path / "plain.xml").write_bytes(b"A headline\n\nSome paragraph text here.\n")
    result = subprocess.run([sys.executable, "-m", "syndicate", "parse", "plain.xml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    story = json.loads(result.stdout)
    assert story["headline"] == "A headline" and story["slug"] == "plain"
    assert [(b["type"], b["text"]) for b in story["body"]] == [("paragraph", "Some paragraph text here.")]
    (tmp_path / "broken.xml").write_bytes(b'<?xml version="1.0"?>\n<newsItem><contentMeta>\n')
    broken = subprocess.run([sys.executable, "-m", "syndicate", "parse", "broken.xml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1 and "broken.xml: not well-formed XML" in broken.stderr


def test_text_that_starts_with_a_bracket_is_read_as_text_not_refused_as_xml() -> None:
    story = syndicate.read(b"<<< BREAKING >>>\n\nThe harbour at Port Ellis reopened on Monday after the storm.\n")
    assert story.headline == "<<< BREAKING >>>"


def test_an_unknown_extension_is_one_line_naming_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "story.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=r"no reader for '\.docx' files \(known: .*\.html.*\.txt"):
        syndicate.read(path)


def test_an_unterminated_terminal_title_sequence_removes_only_its_introducer() -> None:
    """A stray U+009D (or ESC ]) with no terminator is no sequence: the words after it are story text."""
    import syndicate

    story = syndicate.read("Headline here\n\nThe harbour \x9d reopened on Monday.\n\nA title \x1b]0;x\x07 set.\n".encode())
    assert [b.text for b in story.body] == ["The harbour reopened on Monday.", "A title set."]
