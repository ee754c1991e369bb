"""NewsML-G2 export: valid by IPTC's XSD (in-process and the official checker), photos as picture items, dates from stories."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import published_photo, SAMPLE, run_checker
from hypothesis import HealthCheck, given, settings
from lxml import etree
from storygen import generate_stories, story_strategy

import syndicate
from syndicate.exporters import FALLBACK_DATE, ExportOptions, get_exporter
from syndicate.exporters.newsml import IPTC_CATALOG, export_newsml
from syndicate.images import ImageResolver
from syndicate.model import Figure, Heading, Image, Paragraph, Story
from syndicate.readers import InputFile
from syndicate.readers import newsml as newsml_reader

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "newsml-g2-2.35" / "NewsML-G2_2.35-spec-All-Power.xsd"
NS = {"g": "http://iptc.org/std/nar/2006-10-01/", "x": "http://www.w3.org/1999/xhtml"}
OPTIONS = ExportOptions(base_url="https://news.example.com/")
#: The folder the corpus's photos are drawn in; exports resolve local photos under it, as a build does.
PHOTOS = Path(tempfile.mkdtemp(prefix="syndicate-test-photos-"))
atexit.register(shutil.rmtree, PHOTOS, True)


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def schema_errors(data: bytes) -> list[str]:
    doc = etree.ElementTree(etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True)))
    return [] if schema().validate(doc) else [f"{e.line}: {e.message}" for e in schema().error_log]


def export(stories: list[Story] | Story, options: ExportOptions = OPTIONS) -> bytes:
    return export_newsml(stories if isinstance(stories, list) else [stories], options, ImageResolver(PHOTOS, offline=True))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Story]:
    """The sample story and 20 generated ones: with and without images, subjects and bylines."""
    stories = [syndicate.read(SAMPLE)] + generate_stories(10, PHOTOS) + generate_stories(10, images=False, start=10)
    # every generated story has figures: take them out of five, for the single-newsItem shape
    stories[-5:] = [s.replace(body=tuple(b for b in s.body if not isinstance(b, Figure))) for s in stories[-5:]]
    assert any(s.figures for s in stories) and any(not s.figures for s in stories)
    assert any(s.subjects for s in stories) and any(not s.subjects for s in stories)
    assert any(s.bylines for s in stories) and any(not s.bylines for s in stories)
    assert any(f.image for s in stories for f in s.figures) and any(f.image is None for s in stories for f in s.figures)
    return stories


def test_every_file_validates_against_the_iptc_xsd_and_the_official_checker(corpus: list[Story], tmp_path: Path) -> None:
    files = []
    for i, story in enumerate(corpus):
        data = export(story)
        assert schema_errors(data) == [], story.id
        files.append(tmp_path / f"{i:02d}.xml")
        files[-1].write_bytes(data)
    files.append(tmp_path / "all.xml")
    files[-1].write_bytes(export(corpus))
    assert schema_errors(files[-1].read_bytes()) == []
    done = run_checker("validate_newsml.py", *files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(files)} valid, 0 invalid" in done.stderr


def test_a_story_without_figures_is_one_text_news_item() -> None:
    story = Story(id="tag:example.com,2026:plain", slug="plain", headline="Plain", body=(Paragraph("Text."),),
                  published=datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))))
    root = etree.fromstring(export(story))
    assert root.tag == "{%s}newsItem" % NS["g"]
    assert root.get("guid") == story.id and root.get("conformance") == "power" and root.get("standardversion") == "2.35"
    assert root.find("g:catalogRef", NS).get("href") == IPTC_CATALOG
    assert root.find("g:itemMeta/g:itemClass", NS).get("qcode") == "ninat:text"
    assert root.find("g:itemMeta/g:pubStatus", NS).get("qcode") == "stat:usable"
    assert root.find("g:itemMeta/g:versionCreated", NS).text == "2026-03-01T09:30:00+02:00"
    body = root.find("g:contentSet/g:inlineXML", NS)
    assert body.get("contenttype") == "application/xhtml+xml"
    assert [p.text for p in body.iterfind(".//x:body/x:p", NS)] == ["Text."]


def test_photos_travel_as_picture_items_bound_by_a_package(corpus: list[Story]) -> None:
    story = next(s for s in corpus[1:] if any(f.image for f in s.figures) and any(True for f in s.figures))
    root = etree.fromstring(export(story))
    assert root.tag == "{%s}newsMessage" % NS["g"]
    package = root.find("g:itemSet/g:packageItem", NS)
    assert package.find("g:itemMeta/g:itemClass", NS).get("qcode") == "ninat:composite"
    refs = package.findall(".//g:group/g:itemRef", NS)
    pictures = [i for i in root.iterfind("g:itemSet/g:newsItem", NS)
                if i.find("g:itemMeta/g:itemClass", NS).get("qcode") == "ninat:picture"]
    assert [r.get("residref") for r in refs] == [story.id] + [p.get("guid") for p in pictures]
    assert len(pictures) == len(story.figures)
    for figure, picture in zip(story.figures, pictures):
        assert picture.find("g:contentMeta/g:description[@role='drol:caption']", NS).text == figure.caption
        assert picture.find("g:contentMeta/g:creditline", NS).text == figure.credit
        rendition = picture.find("g:contentSet/g:remoteContent", NS)
        assert figure.image is not None and rendition is not None
        found = published_photo(rendition.get("href"), "https://news.example.com/", figure.image.src)
        assert found is not None, rendition.get("href")
        assert (rendition.get("width"), rendition.get("height"), rendition.get("contenttype")) == (
            str(figure.image.width), str(figure.image.height), found[1])


def test_a_figure_without_image_keeps_its_caption_and_credit() -> None:
    story = Story(id="urn:x:nophoto", slug="nophoto", headline="H", published=datetime(2026, 1, 1, tzinfo=timezone.utc),
                  body=(Paragraph("P."), Figure("The lost photo's caption", "Photo: Someone")))
    data = export(story)
    assert schema_errors(data) == []
    root = etree.fromstring(data)
    picture = root.find("g:itemSet/g:newsItem[@guid='urn:x:nophoto/figure-1']", NS)
    assert picture.find("g:contentMeta/g:description", NS).text == "The lost photo's caption"
    assert picture.find("g:contentMeta/g:creditline", NS).text == "Photo: Someone"
    assert picture.find("g:contentSet", NS) is None  # no invented image
    text = root.find("g:itemSet/g:newsItem[@guid='urn:x:nophoto']", NS)
    assert "The lost photo's caption" in "".join(text.find("g:contentSet", NS).itertext())


def test_metadata_carries_what_the_story_has(corpus: list[Story]) -> None:
    story = next(s for s in corpus[1:] if s.subjects and s.bylines and s.dateline and s.keywords)
    root = etree.fromstring(export(story))
    item = next(i for i in root.iter("{%s}newsItem" % NS["g"]) if i.get("guid") == story.id)
    meta = item.find("g:contentMeta", NS)
    assert meta.find("g:headline", NS).text == story.headline
    assert meta.find("g:slugline", NS).text == story.slug
    assert meta.find("g:dateline", NS).text == story.dateline
    assert meta.find("g:located/g:name", NS).text == story.dateline
    assert [c.findtext("g:name", namespaces=NS) for c in meta.iterfind("g:creator", NS)] == [b.name for b in story.bylines]
    assert [k.text for k in meta.iterfind("g:keyword", NS)] == list(story.keywords)
    assert meta.find("g:description[@role='drol:summary']", NS).text == story.summary
    assert meta.find("g:language", NS).get("tag") == story.language
    coded = [s for s in story.subjects if s.code]
    assert [s.get("qcode") for s in meta.iterfind("g:subject", NS) if s.get("qcode")] == [s.code for s in coded]
    assert item.find("g:itemMeta/g:provider/g:name", NS).text == story.source.name


def test_dates_come_from_the_stories_never_the_clock(corpus: list[Story]) -> None:
    stories = corpus[1:6]
    root = etree.fromstring(export(stories))
    assert root.find("g:header/g:sent", NS).text == max(s.date for s in stories).isoformat()
    for story in stories:
        item = next(i for i in root.iter("{%s}newsItem" % NS["g"]) if i.get("guid") == story.id)
        assert item.find("g:itemMeta/g:versionCreated", NS).text == story.date.isoformat()
        assert item.find("g:itemMeta/g:firstCreated", NS).text == story.published.isoformat()


def test_an_undated_story_gets_a_documented_marked_stand_in_and_a_warning() -> None:
    """versionCreated and sent are required: the date in the story's tag: id, marked why:inferred and warned
    about; the optional dates are left out; read back, the story is still undated."""
    undated = Story(id="tag:news.example.com,2024-03-05:undated", slug="undated", headline="No date",
                    body=(Paragraph("x"),))
    warnings: list[str] = []
    data = export(undated, ExportOptions(base_url="https://news.example.com/", warnings=warnings))
    item = etree.fromstring(data)
    version = item.find("g:itemMeta/g:versionCreated", NS)
    assert (version.text, version.get("why")) == ("2024-03-05T00:00:00+00:00", "why:inferred")
    assert item.find("g:itemMeta/g:firstCreated", NS) is None and item.find("g:contentMeta/g:contentCreated", NS) is None
    assert warnings == ["newsml: tag:news.example.com,2024-03-05:undated has no date, so its versionCreated is "
                        "2024-03-05, the date in its tag: id (marked why:inferred)"]
    assert schema_errors(data) == []
    assert not re.search(rb"19[78]0-01-01|2000-01-01", data)
    back = newsml_reader.read(InputFile(data))
    assert back.published is None and back.updated is None
    # a message of undated stories: its required sent is the stand-in too, marked the same way
    other = undated.replace(id="urn:x:other", slug="other")
    message = etree.fromstring(export([undated, other], ExportOptions(warnings=[])))
    sent = message.find("g:header/g:sent", NS)
    assert (sent.text, sent.get("why")) == ("2024-03-05T00:00:00+00:00", "why:inferred")
    assert message.find(".//g:newsItem[@guid='urn:x:other']/g:itemMeta/g:versionCreated", NS).text == \
        FALLBACK_DATE.isoformat()
    assert schema_errors(etree.tostring(message)) == []


def test_a_day_only_date_is_a_bare_date_where_the_schema_allows_one() -> None:
    day = datetime(2016, 12, 17, tzinfo=timezone.utc)
    story = Story(id="tag:news.example.com,2016:day", slug="day", headline="Day", body=(Paragraph("x"),),
                  published=day, updated=day.replace(day=18), date_only=True)
    data = export(story)
    item = etree.fromstring(data)
    assert item.find("g:contentMeta/g:contentCreated", NS).text == "2016-12-17"
    assert item.find("g:contentMeta/g:contentModified", NS).text == "2016-12-18"
    # versionCreated and firstCreated are xs:dateTime in the schema: they keep the time
    assert item.find("g:itemMeta/g:firstCreated", NS).text == "2016-12-17T00:00:00+00:00"
    assert schema_errors(data) == []
    assert b"2016-12-17" in data and schema_errors(export(story.replace(date_only=False))) == []


def test_output_is_deterministic_utf8_with_a_declaration(corpus: list[Story]) -> None:
    first, second = export(corpus), export(list(corpus))
    assert first == second
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert len(first.splitlines()) > 100  # pretty-printed, not one line
    assert export(corpus[3]) == export(corpus[3])


def test_several_stories_share_one_message_with_unique_ids(corpus: list[Story]) -> None:
    root = etree.fromstring(export(corpus))
    guids = [i.get("guid") for i in root.find("g:itemSet", NS)]
    assert len(guids) == len(set(guids))
    assert {s.id for s in corpus} <= set(guids)
    assert len(root.findall("g:itemSet/g:packageItem", NS)) == sum(1 for s in corpus if s.figures)


def test_control_characters_never_reach_the_xml() -> None:
    story = Story(id="urn:x:ctl", slug="ctl", headline="Bad\x0bchars\x00 here", summary="s\x1f",
                  published=datetime(2026, 1, 1, tzinfo=timezone.utc), body=(Paragraph("para\x08graph"),))
    data = export(story)
    assert schema_errors(data) == []
    assert b"Badchars here" in data and b"paragraph" in data


# ---------------------------------------------------------------- round trip


def _norm(text: str | None) -> str | None:
    return None if text is None else re.sub(r"[ \t\n\r\f]+", " ", text).strip(" ")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story_strategy())
def test_round_trip_story_newsml_story_keeps_the_story(story: Story) -> None:
    data = export(story)
    assert schema_errors(data) == []
    back = newsml_reader.read(InputFile(data))
    assert back.id == story.id and back.slug == story.slug
    # Metadata is whitespace-collapsed on reading (as agencies' indented XML needs); body text is exact.
    assert back.headline == _norm(story.headline)
    assert back.subheadline == _norm(story.subheadline)
    assert [b.name for b in back.bylines] == [_norm(b.name) for b in story.bylines]
    assert back.published == story.published and back.updated == story.updated
    assert back.dateline == _norm(story.dateline)
    assert [s.name for s in back.subjects] == [_norm(s.name) for s in story.subjects]
    assert list(back.keywords) == [_norm(k) for k in story.keywords]
    kept = [b for b in back.body if isinstance(b, (Paragraph, Heading))]
    assert kept == [b for b in story.body if isinstance(b, (Paragraph, Heading))]
    assert [(f.caption, f.credit) for f in back.figures] == [(f.caption, f.credit) for f in story.figures]
    assert [b.type for b in back.body] == [b.type for b in story.body]
    assert [b for b in back.body if b.type in ("quote", "list")] == [b for b in story.body if b.type in ("quote", "list")]
    for before, after in zip(story.figures, back.figures):
        assert (before.image is None) == (after.image is None)
        if before.image and after.image:
            assert isinstance(after.image, Image)
            assert (after.image.width, after.image.height) == (before.image.width, before.image.height)


def test_the_schema_copy_really_rejects_a_broken_item() -> None:
    story = Story(id="urn:x:broken", slug="broken", headline="H", body=(Paragraph("p"),))
    root = etree.fromstring(export(story))
    root.remove(root.find("g:itemMeta", NS))  # itemMeta is required
    assert schema_errors(etree.tostring(root))


# ---------------------------------------------------------------- photo links in the build layout (issue 11)


def write_build_layout(stories: list[Story], images: ImageResolver, out: Path, warnings: list[str]) -> None:
    """What a build writes for these stories' NewsML-G2 and ninjs: ``newsml/<slug>.xml``, ``ninjs/<slug>.json``
    and the published photos in ``images/``, each file exported with the options for its folder."""
    for story in stories:
        for fmt, folder, ext in (("newsml", "newsml", ".xml"), ("ninjs", "ninjs", ".json")):
            path = out / folder / f"{story.slug}{ext}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(get_exporter(fmt)([story], ExportOptions().for_file(f"{folder}/", warnings), images))
        for figure in story.figures:
            if figure.image is not None and not figure.image.is_remote:
                published, resolved = images.published(figure.image), images.resolve(figure.image)
                assert published is not None and resolved is not None
                (out / "images").mkdir(exist_ok=True)
                (out / "images" / published.src).write_bytes(resolved.data)


def photo_links(path: Path) -> list[str]:
    """Every photo link in a NewsML-G2 or ninjs file: renditions and the body's <img src>."""
    if path.suffix == ".xml":
        root = etree.parse(str(path)).getroot()
        return [e.get("href") for e in root.iter("{%s}remoteContent" % NS["g"])] + \
            [e.get("src") for e in root.iter("{%s}img" % NS["x"])]
    doc = json.loads(path.read_bytes())
    links = [r["href"] for a in doc.get("associations", []) for r in a.get("renditions", []) if "href" in r]
    return links + [m for b in doc.get("bodies", []) for m in re.findall(r'<img src="([^"]+)"', b["value"])]


def test_in_the_build_layout_every_photo_link_resolves_to_a_published_file(corpus: list[Story], tmp_path: Path) -> None:
    """Without a base URL, NewsML-G2 and ninjs link their photos relatively, from where each file lies."""
    out = tmp_path / "output"
    warnings: list[str] = []
    harbour = syndicate.read(SAMPLE.parent / "harbour-reopens.txt")
    write_build_layout([harbour], ImageResolver(SAMPLE.parent, offline=True), out, warnings)
    write_build_layout([s for s in corpus[1:] if s.figures], ImageResolver(PHOTOS, offline=True), out, warnings)
    assert warnings == []
    checked = 0
    for path in sorted(out.glob("newsml/*.xml")) + sorted(out.glob("ninjs/*.json")):
        for link in photo_links(path):
            assert link.startswith("../images/"), (path, link)
            target = (path.parent / unquote(link)).resolve()
            assert target.is_file() and target.parent == (out / "images").resolve(), (path, link)
            checked += 1
    expected = sum(1 for s in [harbour, *corpus[1:]] for f in s.figures if f.image is not None)
    assert checked >= 2 * expected >= 2 * 3  # a rendition and an <img> per photo, in both formats
    for path in out.glob("newsml/*.xml"):
        assert schema_errors(path.read_bytes()) == [], path
    assert run_checker("validate_ninjs.py", *sorted(out.glob("ninjs/*.json"))).returncode == 0


def test_a_file_on_its_own_links_no_photo_it_does_not_have() -> None:
    """``convert --to newsml -o x.xml`` writes no photos: absolute links with a base URL, else none (warned),
    captions and credits kept."""
    story = syndicate.read(SAMPLE.parent / "harbour-reopens.txt")
    images = ImageResolver(SAMPLE.parent, offline=True)
    warnings: list[str] = []
    data = export_newsml([story], ExportOptions(warnings=warnings), images)
    root = etree.fromstring(data)
    assert root.find(".//g:remoteContent", NS) is None and root.find(".//x:img", NS) is None
    captions = [e.text for e in root.iterfind(".//g:newsItem/g:contentMeta/g:description[@role='drol:caption']", NS)]
    assert len(captions) == 3 and captions == [f.caption for f in story.figures]
    assert warnings == ["newsml: photos left out, because a file on its own has no published photos beside it: "
                        "set --base-url or the config key base_url"]
    assert schema_errors(data) == []
    absolute = etree.fromstring(export_newsml([story], ExportOptions(base_url="https://news.example.com/"), images))
    hrefs = [e.get("href") for e in absolute.iter("{%s}remoteContent" % NS["g"])]
    assert len(hrefs) == 3 and all(h.startswith("https://news.example.com/images/") for h in hrefs)
