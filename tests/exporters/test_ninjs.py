"""ninjs 3.1 export: valid by IPTC's JSON Schema (in-process and the official checker), photos as associations."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest
from conftest import published_photo, SAMPLE, run_checker
from lxml import etree
from storygen import generate_stories

import syndicate
from syndicate.errors import ExportError
from syndicate.exporters import ExportOptions, ExportWarning
from syndicate.exporters.ninjs import export_ninjs
from syndicate.images import ImageResolver
from syndicate.model import Figure, Paragraph, Story, Subject, plain_text

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "ninjs-3.1" / "ninjs-schema_3.1.json"
OPTIONS = ExportOptions(base_url="https://news.example.com/")
#: The folder the corpus's photos are drawn in; exports resolve local photos under it, as a build does.
PHOTOS = Path(tempfile.mkdtemp(prefix="syndicate-test-photos-"))
atexit.register(shutil.rmtree, PHOTOS, True)


def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def export(story: Story, options: ExportOptions = OPTIONS) -> bytes:
    return export_ninjs([story], options, ImageResolver(PHOTOS, offline=True))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Story]:
    return [syndicate.read(SAMPLE)] + generate_stories(10, PHOTOS) + generate_stories(10, images=False, start=10)


def test_every_document_validates_against_ninjs_3_1_and_the_official_checker(corpus: list[Story], tmp_path: Path) -> None:
    check = validator()
    files = []
    for i, story in enumerate(corpus):
        for options in (OPTIONS, ExportOptions()):
            data = export(story, options)
            assert [e.message for e in check.iter_errors(json.loads(data))] == [], story.id
            files.append(tmp_path / f"{i:02d}-{len(files)}.json")
            files[-1].write_bytes(data)
    done = run_checker("validate_ninjs.py", *files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(files)} valid, 0 invalid" in done.stderr


def test_the_schema_copy_really_rejects_a_bad_document() -> None:
    errors = list(validator().iter_errors({"uri": "tag:x,2026:a", "type": "story", "headline": "x"}))
    assert errors, "type 'story' and a 'headline' property are not ninjs 3.1"


def test_the_document_carries_the_story(corpus: list[Story]) -> None:
    story = next(s for s in corpus[1:] if s.bylines and s.subjects and s.figures)
    doc = json.loads(export(story))
    assert doc["uri"] == story.id and doc["type"] == "text"
    assert doc["headlines"][0] == {"role": "main", "contentType": "text/plain", "value": story.headline}
    assert doc["versionCreated"] == story.date.isoformat()
    assert doc["firstCreated"] == story.published.isoformat()
    assert doc["language"] == story.language
    # the body links each photo where the build publishes it
    photos = [f.image for f in story.figures if f.image is not None]
    body = doc["bodies"][0]["value"]
    srcs = [img.get("src") for img in etree.fromstring(f"<div>{body}</div>").iter("img")]
    assert len(srcs) == len(photos)
    assert all(published_photo(src, "https://news.example.com/", photo.src) for src, photo in zip(srcs, photos))
    text = "".join(etree.fromstring(f"<div>{body}</div>").itertext())
    for block in story.body:
        for piece in plain_text(block):
            assert piece in text
    assert doc["descriptions"][0]["value"] == story.summary
    for byline in story.bylines:
        assert byline.name in doc["by"]
    names = [s["name"] for s in doc["subjects"]]
    assert [s.name for s in story.subjects] == names[: len(story.subjects)]
    assert names[len(story.subjects):] == list(story.keywords)


def test_photos_are_associations_with_caption_credit_and_rendition(corpus: list[Story]) -> None:
    story = next(s for s in corpus[1:11] if s.figures)
    doc = json.loads(export(story))
    assert len(doc["associations"]) == len(story.figures)
    for figure, association in zip(story.figures, doc["associations"]):
        assert association["type"] == "picture"
        assert {"role": "caption", "contentType": "text/plain", "value": figure.caption} in association["descriptions"]
        assert association["by"] == figure.credit
        (rendition,) = association["renditions"]
        assert figure.image is not None
        found = published_photo(rendition["href"], "https://news.example.com/", figure.image.src)
        assert found is not None, rendition["href"]
        assert (rendition["width"], rendition["height"], rendition["contentType"]) == (
            figure.image.width, figure.image.height, found[1])


def test_a_document_on_its_own_without_base_url_has_no_href_keeps_its_caption_and_warns(corpus: list[Story]) -> None:
    """``convert --to ninjs -o x.json`` publishes no photos beside the file: no link to nothing, and it is said."""
    story = next(s for s in corpus[1:11] if s.figures)
    warnings: list[str] = []
    doc = json.loads(export(story, ExportOptions(warnings=warnings)))
    for association in doc["associations"]:
        assert "href" not in association["renditions"][0]
        assert association["descriptions"][0]["role"] == "caption"
    assert "<img" not in doc["bodies"][0]["value"]
    assert warnings == ["ninjs: photos left out, because a file on its own has no published photos beside it: "
                        "set --base-url or the config key base_url"]


def test_a_caller_that_keeps_no_list_of_warnings_gets_them_as_python_warnings(corpus: list[Story]) -> None:
    """The same warning, given to a library caller as an ExportWarning (the suite's config ignores those:
    pytest.warns still sees it)."""
    story = next(s for s in corpus[1:11] if s.figures)
    with pytest.warns(ExportWarning, match=r"^ninjs: photos left out, because a file on its own has no published"):
        export(story, ExportOptions())


def test_in_the_build_layout_photos_are_linked_relatively_else_absolutely(corpus: list[Story]) -> None:
    story = next(s for s in corpus[1:11] if s.figures)
    warnings: list[str] = []
    doc = json.loads(export(story, ExportOptions().for_file("ninjs/", warnings)))
    hrefs = [a["renditions"][0]["href"] for a in doc["associations"]]
    for href, figure in zip(hrefs, story.figures):
        assert href.startswith("../images/")
        assert published_photo("https://x/" + href[3:], "https://x/", figure.image.src) is not None  # type: ignore[union-attr]
    assert all(f'src="{href}"' in doc["bodies"][0]["value"] for href in hrefs)
    assert warnings == [] and validator().is_valid(doc)
    # with a base URL, absolute, wherever the file lies
    absolute = json.loads(export(story, OPTIONS.for_file("ninjs/")))
    assert [a["renditions"][0]["href"] for a in absolute["associations"]] == [
        "https://news.example.com/" + h[3:] for h in hrefs]


def test_a_figure_without_image_keeps_caption_and_has_no_rendition() -> None:
    story = Story(id="urn:x:1", slug="s", headline="H", body=(Paragraph("p"), Figure("Caption only", "Credit")),
                  subjects=(Subject("politics", "medtop:11000000"),))
    doc = json.loads(export(story))
    (association,) = doc["associations"]
    assert "renditions" not in association and association["by"] == "Credit"
    assert association["descriptions"][0]["value"] == "Caption only"
    assert doc["subjects"][0]["uri"] == "http://cv.iptc.org/newscodes/mediatopic/11000000"
    assert "versionCreated" not in doc  # no date: none invented


def test_deterministic_and_utf8(corpus: list[Story]) -> None:
    story = corpus[0]
    assert export(story) == export(story)
    data = export(Story(id="urn:x:2", slug="s", headline="São Paulo — Ève", published=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    assert "São Paulo — Ève".encode() in data and data.endswith(b"}\n")


def test_several_stories_are_refused_with_a_clear_error(corpus: list[Story]) -> None:
    with pytest.raises(ExportError, match="one story per document"):
        export_ninjs(corpus[:2], OPTIONS, None)  # type: ignore[arg-type]
