"""RSS 2.0, Atom 1.0 and JSON Feed 1.1: parsed by feedparser, checked by the W3C validator's code,
checked against the JSON Feed 1.1 specification, deterministic in any time zone, safe on hostile text."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
from conftest import published_photo, ROOT, SAMPLE, run_checker
from lxml import etree
from rfc3339_validator import validate_rfc3339
from storygen import draw_image, generate_stories

import syndicate
from syndicate.errors import InputError
from syndicate.exporters.feeds import export_feeds
from syndicate.readers import id_prefix_for
from syndicate.images import ImageResolver
from syndicate.model import (
    Byline,
    Heading,
    ListBlock,
    Subject,
    Figure,
    Image,
    Mark,
    Paragraph,
    Quote,
    Related,
    Source,
    Story,
    plain_text,
)

BASE = "https://news.example.org/feeds/"
FEED_FILES = {"rss": "rss.xml", "atom": "atom.xml", "jsonfeed": "feed.json"}
NS = {"atom": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/",
      "dc": "http://purl.org/dc/elements/1.1/", "content": "http://purl.org/rss/1.0/modules/content/"}
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample_story() -> Story:
    """The sample input, read by the text reader (skipped only while that reader does not exist yet)."""
    try:
        return syndicate.read(SAMPLE)
    except InputError as exc:
        if "no reader" in str(exc):
            pytest.skip(f"the text reader is not available yet: {exc}")
        raise


@pytest.fixture(scope="module")
def photo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("images")


@pytest.fixture(scope="module")
def twenty(photo_dir: Path) -> list[Story]:
    """20 generated stories with local photos (and some figures without)."""
    return generate_stories(20, photo_dir)


def export_all(stories: list[Story], folder: Path, root: Path | None = None, **settings: Any) -> dict[str, Path]:
    """Write the three feeds of ``stories`` into ``folder`` under the build's file names; local photos
    are looked up under ``root`` (the input folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for fmt, name in FEED_FILES.items():
        path = folder / name
        images = ImageResolver(root, offline=True)
        path.write_bytes(syndicate.export(stories, fmt, images=images,
                                          **{"base_url": BASE, "title": "Example News", "warnings": [], **settings}))
        out[fmt] = path
    return out




@pytest.fixture(scope="module")
def sample_feeds(sample_story: Story, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return export_all([sample_story], tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def twenty_feeds(twenty: list[Story], photo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return export_all(twenty, tmp_path_factory.mktemp("twenty"), photo_dir)


def newest_first_ids(stories: list[Story]) -> list[str]:
    """The expected order, written independently of the exporter: dated by date desc then id, undated by id."""
    dated = [s for s in stories if s.date is not None]
    undated = [s for s in stories if s.date is None]
    dated.sort(key=lambda s: (-s.date.timestamp(), s.id))  # type: ignore[union-attr]
    return [s.id for s in dated] + sorted(s.id for s in undated)


def html_text(fragment: str) -> str:
    """The text of an HTML fragment, entities decoded and whitespace collapsed."""
    text = lxml.html.fragment_fromstring(fragment, create_parent="div").text_content() if fragment.strip() else ""
    return " ".join(unescape(text).split())


def story_texts(story: Story) -> list[str]:
    """Every paragraph, heading, quote, list item, caption and credit text of a story's body."""
    return [" ".join(t.split()) for block in story.body for t in plain_text(block) if t.strip()]


# ---------------------------------------------------------------- JSON Feed 1.1, from the specification


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)


def _author_problems(author: Any, where: str) -> list[str]:
    if not isinstance(author, dict):
        return [f"{where}: an author must be an object"]
    problems = []
    if not any(k in author for k in ("name", "url", "avatar")):
        problems.append(f"{where}: an author needs at least one of name, url, avatar")
    problems += [f"{where}.{k}: must be a string" for k in ("name", "url", "avatar") if k in author and not isinstance(author[k], str)]
    problems += [f"{where}.{k}: must be a URL" for k in ("url", "avatar") if k in author and not _is_url(author[k])]
    return problems


def jsonfeed_problems(doc: Any) -> list[str]:
    """Every way ``doc`` breaks JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): required fields and types."""
    if not isinstance(doc, dict):
        return ["the feed must be a JSON object"]
    problems = []
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version must be https://jsonfeed.org/version/1.1")
    if not isinstance(doc.get("title"), str) or not doc["title"]:
        problems.append("title is required and must be a string")
    for key in ("home_page_url", "feed_url", "next_url", "icon", "favicon"):
        if key in doc and not _is_url(doc[key]):
            problems.append(f"{key} must be a URL")
    for key in ("description", "user_comment", "language"):
        if key in doc and not isinstance(doc[key], str):
            problems.append(f"{key} must be a string")
    if "expired" in doc and not isinstance(doc["expired"], bool):
        problems.append("expired must be a boolean")
    if "authors" in doc:
        if not isinstance(doc["authors"], list):
            problems.append("authors must be an array")
        else:
            for i, author in enumerate(doc["authors"]):
                problems += _author_problems(author, f"authors[{i}]")
    items = doc.get("items")
    if not isinstance(items, list):
        return problems + ["items is required and must be an array"]
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    if len(ids) != len(set(map(str, ids))):
        problems.append("item ids must be unique")
    for i, item in enumerate(items):
        problems += _item_problems(item, f"items[{i}]")
    return problems


def _item_problems(item: Any, where: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where}: an item must be an object"]
    problems = []
    if not isinstance(item.get("id"), str) or not item["id"]:
        problems.append(f"{where}.id is required and must be a string")
    if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
        problems.append(f"{where}: content_html or content_text is required")
    for key in ("content_html", "content_text", "title", "summary", "language"):
        if key in item and not isinstance(item[key], str):
            problems.append(f"{where}.{key} must be a string")
    for key in ("url", "external_url", "image", "banner_image"):
        if key in item and not _is_url(item[key]):
            problems.append(f"{where}.{key} must be a URL")
    for key in ("date_published", "date_modified"):
        if key in item and not (isinstance(item[key], str) and validate_rfc3339(item[key])):
            problems.append(f"{where}.{key} must be an RFC 3339 date-time")
    if "tags" in item and not (isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])):
        problems.append(f"{where}.tags must be an array of strings")
    if "authors" in item:
        if not isinstance(item["authors"], list):
            problems.append(f"{where}.authors must be an array")
        else:
            for j, author in enumerate(item["authors"]):
                problems += _author_problems(author, f"{where}.authors[{j}]")
    for j, attachment in enumerate(item.get("attachments", [])):
        if not (isinstance(attachment, dict) and _is_url(attachment.get("url"))
                and isinstance(attachment.get("mime_type"), str)):
            problems.append(f"{where}.attachments[{j}] needs a url and a mime_type")
    return problems


def test_the_jsonfeed_checker_catches_broken_feeds() -> None:
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "T",
            "items": [{"id": "1", "content_html": "<p>x</p>", "date_published": "2026-03-01T06:00:00+00:00",
                       "authors": [{"name": "A"}]}]}
    assert jsonfeed_problems(good) == []
    broken: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
        ("version", lambda d: d.update(version="https://jsonfeed.org/version/1")),
        ("title", lambda d: d.pop("title")),
        ("items[0].id", lambda d: d["items"][0].update(id=1)),
        ("content_html or content_text", lambda d: d["items"][0].pop("content_html")),
        ("RFC 3339", lambda d: d["items"][0].update(date_published="2026-03-01 06:00")),
        ("at least one of name", lambda d: d["items"][0].update(authors=[{}])),
    ]
    for expected, breaker in broken:
        doc = json.loads(json.dumps(good))
        breaker(doc)
        assert any(expected in p for p in jsonfeed_problems(doc)), expected


# ---------------------------------------------------------------- what readers see


def parsed_entries(path: Path) -> list[Any]:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path.name}: {parsed.get('bozo_exception')}"
    return list(parsed.entries)


def feed_dates(path: Path, fmt: str) -> list[datetime]:
    """Each entry's date as written in the file, parsed strictly (RFC 822 for RSS, RFC 3339 for Atom)."""
    root = etree.parse(str(path)).getroot()
    if fmt == "rss":
        return [parsedate_to_datetime(e.text) for e in root.iterfind("channel/item/pubDate")]
    texts = [e.text for e in root.iterfind("atom:entry/atom:updated", NS)]
    assert all(validate_rfc3339(t) for t in texts)
    return [datetime.fromisoformat(t) for t in texts]


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_sample_rss_and_atom_parse_cleanly_with_every_text(fmt: str, sample_story: Story, sample_feeds: dict[str, Path]) -> None:
    entries = parsed_entries(sample_feeds[fmt])
    assert [e.id for e in entries] == [sample_story.id]
    content = html_text(entries[0].content[0].value)
    missing = [t for t in story_texts(sample_story) if t not in content]
    assert not missing
    assert entries[0].title == sample_story.headline


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_twenty_stories_parse_cleanly_newest_first_with_every_text(fmt: str, twenty: list[Story],
                                                                     twenty_feeds: dict[str, Path]) -> None:
    entries = parsed_entries(twenty_feeds[fmt])
    assert [e.id for e in entries] == newest_first_ids(twenty)
    by_id = {s.id: s for s in twenty}
    for entry in entries:
        content = html_text(entry.content[0].value)
        missing = [t for t in story_texts(by_id[entry.id]) if t not in content]
        assert not missing, entry.id
    dates = feed_dates(twenty_feeds[fmt], fmt)
    assert len(dates) == 20 and all(d.tzinfo is not None and d.utcoffset() is not None for d in dates)
    if fmt == "atom":  # Atom updated is each story's latest date, so it is what the order follows
        assert dates == sorted(dates, reverse=True)
        assert dates == [by_id[e.id].date for e in entries]


def test_jsonfeed_meets_the_specification(sample_story: Story, sample_feeds: dict[str, Path],
                                          twenty: list[Story], twenty_feeds: dict[str, Path]) -> None:
    for stories, files in ((twenty, twenty_feeds), ([sample_story], sample_feeds)):
        doc = json.loads(files["jsonfeed"].read_bytes())
        assert jsonfeed_problems(doc) == []
        assert doc["feed_url"] == BASE + "feed.json" and doc["home_page_url"] == BASE
        assert [item["id"] for item in doc["items"]] == newest_first_ids(stories)
        by_id = {s.id: s for s in stories}
        for item in doc["items"]:
            story = by_id[item["id"]]
            content = html_text(item["content_html"])
            assert [t for t in story_texts(story) if t not in content] == []
            # authors are optional in JSON Feed: the byline, else the story's source, never a placeholder
            names = [a["name"] for a in item.get("authors", [])]
            assert names == ([b.name for b in story.bylines] or ([story.source.name] if story.source else []))
            if story.published is not None:
                assert datetime.fromisoformat(item["date_published"]) == story.published
            if story.updated is not None:
                assert datetime.fromisoformat(item["date_modified"]) == story.updated
            else:
                assert "date_modified" not in item
        dated = [datetime.fromisoformat(i.get("date_modified") or i["date_published"])
                 for i in doc["items"] if "date_published" in i]
        assert all(d.tzinfo is not None for d in dated) and dated == sorted(dated, reverse=True)
    assert any(s.updated is not None for s in twenty)  # the set covers date_modified


def test_w3c_validator_finds_nothing(sample_feeds: dict[str, Path], twenty_feeds: dict[str, Path]) -> None:
    for files in (sample_feeds, twenty_feeds):
        for fmt in ("rss", "atom"):
            done = run_checker("validate_feed.py", files[fmt], "--url", BASE + FEED_FILES[fmt])
            assert done.returncode == 0, done.stdout + done.stderr
            assert "0 error(s) or warning(s)" in done.stderr


# ---------------------------------------------------------------- identity, time, authors, photos


def test_ids_self_links_and_feed_dates_come_from_the_stories(twenty: list[Story], twenty_feeds: dict[str, Path]) -> None:
    newest = max(s.date for s in twenty if s.date is not None)
    rss = etree.parse(str(twenty_feeds["rss"])).getroot()
    channel = rss.find("channel")
    assert channel.find("atom:link[@rel='self']", NS).get("href") == BASE + "rss.xml"
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == newest
    assert parsedate_to_datetime(channel.findtext("pubDate")) == newest
    guids = channel.findall("item/guid")
    assert [g.get("isPermaLink") for g in guids] == ["false"] * 20
    assert {g.text for g in guids} == {s.id for s in twenty}
    atom = etree.parse(str(twenty_feeds["atom"])).getroot()
    assert atom.find("atom:link[@rel='self']", NS).get("href") == BASE + "atom.xml"
    assert datetime.fromisoformat(atom.findtext("atom:updated", namespaces=NS)) == newest


def test_rss_item_links_are_the_story_urls_and_only_when_known(twenty: list[Story], twenty_feeds: dict[str, Path]) -> None:
    by_id = {s.id: s for s in twenty}
    items = etree.parse(str(twenty_feeds["rss"])).getroot().findall("channel/item")
    assert any(by_id[i.findtext("guid")].url is None for i in items)  # the set covers both cases
    for item in items:
        assert item.findtext("link") == by_id[item.findtext("guid")].url


def test_authors_are_bylines_or_the_configured_fallbacks(tmp_path: Path) -> None:
    """A story's creators are its byline, else the configured author, else its own source: never the feed
    title. Atom requires an author, so an entry with none falls back to the feed's, with a warning."""
    date = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    body = (Paragraph("Text."),)
    stories = [
        Story(id="tag:example.com,2026:a", slug="a", headline="A", published=date, body=body,
              bylines=(Byline("Jane Doe", url="https://example.com/jane"), Byline("John Roe"))),
        Story(id="tag:example.com,2026:b", slug="b", headline="B", published=date - timedelta(hours=1), body=body,
              source=Source("Wire Service")),
        Story(id="tag:example.com,2026:c", slug="c", headline="C", published=date - timedelta(hours=2), body=body),
    ]
    expected = {"a": ["Jane Doe", "John Roe"], "b": ["Wire Service"], "c": []}
    warnings: list[str] = []
    files = export_all(stories, tmp_path / "default", warnings=warnings)
    rss = etree.parse(str(files["rss"])).getroot()
    for item in rss.iterfind("channel/item"):
        assert [c.text for c in item.findall("dc:creator", NS)] == expected[item.findtext("guid")[-1]]
        assert item.find("author") is None  # RSS author takes an e-mail address only
    assert b"<dc:creator>Example News</dc:creator>" not in files["rss"].read_bytes()
    atom = etree.parse(str(files["atom"])).getroot()
    for entry in atom.iterfind("atom:entry", NS):
        assert [n.text for n in entry.iterfind("atom:author/atom:name", NS)] == expected[entry.findtext("atom:id", namespaces=NS)[-1]]
    # the entry without an author of its own is covered by the feed's author, as Atom requires, and it is said
    assert atom.findtext("atom:author/atom:name", namespaces=NS) == "Example News"
    assert [w for w in warnings if "author" in w] == [
        "atom: stories without a byline or source are credited to 'Example News': set --author or the config key author"]
    assert run_checker("validate_feed.py", files["atom"], "--url", BASE + "atom.xml").returncode == 0
    jane = atom.find("atom:entry/atom:author[atom:name='Jane Doe']/atom:uri", NS)
    assert jane is not None and jane.text == "https://example.com/jane"
    doc = json.loads(files["jsonfeed"].read_bytes())
    assert {i["id"][-1]: [a["name"] for a in i.get("authors", [])] for i in doc["items"]} == expected
    # a configured author wins over the source, and then Atom needs no stand-in
    doc = json.loads(syndicate.export(stories, "jsonfeed", base_url=BASE, author="The Desk", warnings=[]))
    assert {i["id"][-1]: [a["name"] for a in i["authors"]] for i in doc["items"]} == {
        "a": ["Jane Doe", "John Roe"], "b": ["The Desk"], "c": ["The Desk"]}
    quiet: list[str] = []
    atom = etree.fromstring(syndicate.export(stories, "atom", base_url=BASE, author="The Desk", title="T", warnings=quiet))
    assert atom.findtext("atom:author/atom:name", namespaces=NS) == "The Desk" and quiet == []


def test_photos_are_enclosure_media_content_and_json_image(twenty: list[Story], twenty_feeds: dict[str, Path]) -> None:
    by_id = {s.id: s for s in twenty}
    rss = etree.parse(str(twenty_feeds["rss"])).getroot()
    atom = {e.findtext("atom:id", namespaces=NS): e for e in etree.parse(str(twenty_feeds["atom"])).getroot().iterfind("atom:entry", NS)}
    jsonfeed = {i["id"]: i for i in json.loads(twenty_feeds["jsonfeed"].read_bytes())["items"]}
    with_photos = 0
    for item in rss.iterfind("channel/item"):
        story = by_id[item.findtext("guid")]
        photos = [f for f in story.figures if f.image is not None]
        media = item.findall("media:content", NS)
        assert len(media) == len(photos)
        for m, f in zip(media, photos):
            found = published_photo(m.get("url"), BASE, f.image.src)  # type: ignore[union-attr]
            assert found is not None and m.get("type") == found[1], (m.get("url"), f.image)
        assert [m.findtext("media:description", namespaces=NS) for m in media] == [f.caption for f in photos]
        assert [m.findtext("media:credit", namespaces=NS) for m in media] == [f.credit for f in photos]
        assert all(m.get("medium") == "image" for m in media)
        enclosure = item.find("enclosure")
        atom_enclosure = atom[story.id].find("atom:link[@rel='enclosure']", NS)
        if not photos:
            assert enclosure is None and atom_enclosure is None and "image" not in jsonfeed[story.id]
            continue
        with_photos += 1
        lead_url, lead_type = media[0].get("url"), media[0].get("type")
        assert (enclosure.get("url"), enclosure.get("length"), enclosure.get("type")) == (lead_url, "0", lead_type)  # type: ignore[union-attr]
        assert atom_enclosure.get("href") == lead_url and atom_enclosure.get("type") == lead_type  # type: ignore[union-attr]
        assert jsonfeed[story.id]["image"] == lead_url
        assert len(atom[story.id].findall("media:content", NS)) == len(photos)
    assert with_photos >= 5


def test_keywords_and_subjects_become_categories_and_tags(twenty: list[Story], twenty_feeds: dict[str, Path]) -> None:
    story = next(s for s in twenty if s.subjects and s.keywords)
    expected = [s.name for s in story.subjects] + [k for k in story.keywords if k not in {s.name for s in story.subjects}]
    item = next(i for i in etree.parse(str(twenty_feeds["rss"])).getroot().iterfind("channel/item") if i.findtext("guid") == story.id)
    assert [c.text for c in item.findall("category")] == expected
    entry = next(e for e in feedparser.parse(twenty_feeds["atom"].read_bytes()).entries if e.id == story.id)
    assert [t.label for t in entry.tags] == expected
    coded = [s for s in story.subjects if s.code]
    assert {(t.term, t.scheme) for t in entry.tags} >= {(s.code, s.scheme) for s in coded}
    doc = json.loads(twenty_feeds["jsonfeed"].read_bytes())
    assert next(i for i in doc["items"] if i["id"] == story.id)["tags"] == expected


def test_limit_keeps_the_newest_and_undated_stories_sort_last(twenty: list[Story]) -> None:
    undated = [s.replace(published=None, updated=None, id=f"tag:example.com,2026:undated-{n}") for n, s in enumerate(twenty[:2])]
    stories = list(reversed(twenty)) + list(reversed(undated))
    everything = json.loads(syndicate.export(stories, "jsonfeed", base_url=BASE, limit=100))
    assert [i["id"] for i in everything["items"]] == newest_first_ids(stories)
    assert [i["id"] for i in everything["items"]][-2:] == [undated[0].id, undated[1].id]
    assert "date_published" not in everything["items"][-1]
    five = feedparser.parse(syndicate.export(stories, "rss", base_url=BASE, limit=5))
    assert [e.id for e in five.entries] == newest_first_ids(stories)[:5]
    many = generate_stories(60, images=False)
    assert len(json.loads(syndicate.export(many, "jsonfeed", title="T"))["items"]) == 50  # the default limit


def test_undated_stories_get_no_invented_date_and_atom_a_documented_warned_stand_in(tmp_path: Path) -> None:
    story = Story(id="tag:example.com,2024-05:x", slug="x", headline="Undated", body=(Paragraph("Text."),))
    warnings: list[str] = []
    first = syndicate.export(story, "atom", base_url=BASE, title="T", warnings=warnings)
    atom = etree.fromstring(first)
    # Atom requires updated: the date in the story's tag: id (RFC 4151), said in a warning
    assert atom.findtext("atom:updated", namespaces=NS) == "2024-05-01T00:00:00+00:00"
    assert atom.findtext("atom:entry/atom:updated", namespaces=NS) == "2024-05-01T00:00:00+00:00"
    assert atom.find("atom:entry/atom:published", NS) is None
    assert [w for w in warnings if "date" in w] == [
        "atom: tag:example.com,2024-05:x has no date, so its entry's updated is 2024-05-01, the date in its tag: id"]
    assert syndicate.export(story, "atom", base_url=BASE, title="T", warnings=[]) == first
    # RSS and JSON Feed dates are optional: none at all (feedgen's clock-time lastBuildDate is taken out)
    rss_bytes = syndicate.export(story, "rss", base_url=BASE, title="T", warnings=warnings)
    rss = etree.fromstring(rss_bytes)
    assert rss.find("channel/lastBuildDate") is None and rss.find("channel/pubDate") is None
    assert rss.find("channel/item/pubDate") is None
    item = json.loads(syndicate.export(story, "jsonfeed", base_url=BASE, title="T", warnings=warnings))["items"][0]
    assert "date_published" not in item and "date_modified" not in item
    for data in (first, rss_bytes):
        assert not re.search(rb"19[78]0|2000-01-01|01 Jan 2000", data)
    for fmt in ("rss", "atom"):
        path = tmp_path / FEED_FILES[fmt]
        path.write_bytes(first if fmt == "atom" else rss_bytes)
        done = run_checker("validate_feed.py", path, "--url", BASE + FEED_FILES[fmt])
        assert done.returncode == 0, done.stdout


def test_links_and_local_photos_are_made_absolute_against_the_base_url(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    draw_image(tmp_path / "photos" / "a b.jpg", "JPEG", (10, 10), 1)
    images = ImageResolver(tmp_path)
    story = Story(
        id="tag:example.com,2026:rel", slug="rel", headline="Relative", url="stories/rel.html",
        published=datetime(2026, 3, 1, tzinfo=timezone.utc),
        body=(Paragraph("See the archive.", (Mark(8, 15, "link", "/archive/"),)),
              Figure("A caption", "A credit", None, Image("photos/a b.jpg", "image/jpeg", 10, 10))),
        related=(Related("Before", "before.html"),),
    )
    base = "https://example.net/out"  # no trailing slash: still the output folder
    doc = json.loads(syndicate.export(story, "jsonfeed", base_url=base, images=images))
    item = doc["items"][0]
    assert doc["feed_url"] == "https://example.net/out/feed.json"
    assert item["url"] == "https://example.net/out/stories/rel.html"
    assert published_photo(item["image"], "https://example.net/out/", "a b.jpg") is not None
    assert 'href="https://example.net/archive/"' in item["content_html"]
    assert f'src="{item["image"]}"' in item["content_html"]
    atom = etree.fromstring(syndicate.export(story, "atom", base_url=base, images=images))
    assert atom.find("atom:entry/atom:link[@rel='related']", NS).get("href") == "https://example.net/out/before.html"
    # without a base URL a local photo has no public address: left out, its caption and credit kept
    bare = json.loads(syndicate.export(story, "jsonfeed", images=images, title="T"))["items"][0]
    assert "image" not in bare and "url" not in bare and "<img" not in bare["content_html"]
    assert "A caption" in bare["content_html"] and "A credit" in bare["content_html"]


# ---------------------------------------------------------------- determinism and safety

_TZ_SCRIPT = """
import hashlib, sys
from datetime import timedelta, timezone
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from storygen import generate_stories
import syndicate
stories = generate_stories(20, Path(sys.argv[1]))
# different offsets, so a local-time conversion anywhere would show
stories = [s.replace(published=s.published.astimezone(timezone(timedelta(hours=(i % 5) * 3 - 5)))) for i, s in enumerate(stories)]
for fmt in ("rss", "atom", "jsonfeed"):
    print(fmt, hashlib.sha256(syndicate.export(stories, fmt, base_url="https://example.org/")).hexdigest())
"""


def test_byte_identical_in_any_time_zone(tmp_path: Path) -> None:
    digests = []
    for tz in ("Asia/Tokyo", "UTC", "America/New_York"):
        env = {**os.environ, "TZ": tz}
        done = subprocess.run([sys.executable, "-c", _TZ_SCRIPT, str(tmp_path / tz.replace("/", "-")), str(ROOT / "tests")],
                              capture_output=True, text=True, env=env, check=False, timeout=120)
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout)
    assert digests[0].count("\n") == 3
    assert digests[0] == digests[1] == digests[2]


def test_rss_dates_are_utc_and_atom_keeps_the_story_offset() -> None:
    tokyo = timezone(timedelta(hours=9))
    story = Story(id="tag:example.com,2026:t", slug="t", headline="Tokyo", body=(Paragraph("Text."),),
                  published=datetime(2026, 3, 2, 8, 30, tzinfo=tokyo))
    rss = etree.fromstring(syndicate.export(story, "rss", base_url=BASE))
    assert rss.findtext("channel/item/pubDate") == "Sun, 01 Mar 2026 23:30:00 +0000"
    atom = etree.fromstring(syndicate.export(story, "atom", base_url=BASE))
    assert atom.findtext("atom:entry/atom:published", namespaces=NS) == "2026-03-02T08:30:00+09:00"


def hostile_story() -> Story:
    text = "Click\x01 here, then\x0b there\x1f and back."
    return Story(
        id="tag:example.com,2026:hostile", slug="hostile", headline="Hostile\x02 input\x0c story",
        summary="A summary\x03 with\x08 controls", published=datetime(2026, 3, 1, tzinfo=timezone.utc),
        url="javascript:alert('url')",
        bylines=(Byline("Eve\x04 Smith", url="javascript:alert('byline')", email="eve@"),),
        source=Source("Source\x05", "javascript:alert('source')"),
        keywords=("key\x06word",), rights="Rights\x0e",
        body=(
            Paragraph(text, (Mark(0, 6, "link", "javascript:alert(1)"), Mark(8, 12, "link", " JaVaScRiPt:alert(2)"),
                             Mark(19, 24, "link", "java\tscript:alert(3)"), Mark(30, 34, "link", "https://ok.example/"))),
            Quote("Quote\x10", "Who\x11"),
            Figure("Caption\x12", "Credit\x13", "Alt\x14", Image("javascript:alert(4)")),
            Figure("Remote\x15 photo", None, None, Image("https://img.example/p.jpg?x=1&y=2", "image/jpeg", 640, 480)),
        ),
        related=(Related("Related\x16", "javascript:alert(5)"),),
    )


def test_hostile_text_and_links_never_reach_the_outputs(tmp_path: Path) -> None:
    files = export_all([hostile_story()], tmp_path)
    for fmt, path in files.items():
        data = path.read_bytes()
        assert b"javascript:" not in data.lower(), fmt  # (a local file named so is published as images/javascript%3A…)
        assert not XML_INVALID.search(data.decode("utf-8")), fmt
    for fmt in ("rss", "atom"):
        entry = parsed_entries(files[fmt])[0]
        content = html_text(entry.content[0].value)
        assert "Click here, then there and back." in content
        assert 'href="https://ok.example/"' in entry.content[0].value
        done = run_checker("validate_feed.py", files[fmt], "--url", BASE + FEED_FILES[fmt])
        assert done.returncode == 0, done.stdout
    item = json.loads(files["jsonfeed"].read_bytes())["items"][0]
    assert jsonfeed_problems(json.loads(files["jsonfeed"].read_bytes())) == []
    assert item["title"] == "Hostile input story" and item["authors"] == [{"name": "Eve Smith"}]
    # an image src is a URL only when http(s); "javascript:…" is no file the resolver will publish,
    # so nothing links it and the remote photo leads
    assert item["image"] == "https://img.example/p.jpg?x=1&y=2"
    assert 'src="https://img.example/p.jpg?x=1&amp;y=2"' in item["content_html"]


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("fmt", ["rss", "atom", "jsonfeed"])
def test_cli_convert_writes_each_feed(fmt: str, sample_story: Story, tmp_path: Path) -> None:
    out = tmp_path / FEED_FILES[fmt]
    done = subprocess.run([sys.executable, "-m", "syndicate", "convert", str(SAMPLE), "--to", fmt, "-o", str(out),
                           "--base-url", BASE, "--title", "Example News"], capture_output=True, text=True, check=False,
                          timeout=120, cwd=tmp_path)  # away from the repository's syndicate.toml
    assert "feeds:" not in done.stderr  # title and base URL given: no hint about them
    # the sample (an AP story) has no byline and no source: Atom, which requires an author, says so
    assert ("atom: stories without a byline or source are credited to 'Example News'" in done.stderr) == (fmt == "atom")
    assert done.returncode == 0, done.stderr
    # the command mints ids with the id authority the base URL implies (no id_prefix configured)
    story = syndicate.read(SAMPLE, id_prefix=id_prefix_for(BASE))
    assert out.read_bytes() == syndicate.export(story, fmt, base_url=BASE, title="Example News", warnings=[])
    if fmt == "jsonfeed":
        assert jsonfeed_problems(json.loads(out.read_bytes())) == []
    else:
        assert [e.id for e in parsed_entries(out)] == [story.id]


def test_same_hash_twice_in_process(twenty: list[Story]) -> None:
    for fmt in FEED_FILES:
        first = hashlib.sha256(syndicate.export(twenty, fmt, base_url=BASE)).hexdigest()
        assert hashlib.sha256(syndicate.export(list(reversed(twenty)), fmt, base_url=BASE)).hexdigest() == first


def test_deck_dateline_and_related_reach_the_feed_content(tmp_path: Path) -> None:
    """Nothing lost: feeds have no fields for the deck, the dateline or 'Also see', so the content carries them."""
    source = SAMPLE.parent / "harbour-reopens.txt"
    story = syndicate.read(source)
    assert story.subheadline and story.dateline and story.related
    files = export_all([story], tmp_path, source.parent)
    rss_item = etree.parse(str(files["rss"])).getroot().find("channel/item")
    contents = [
        rss_item.findtext("content:encoded", namespaces=NS),
        etree.parse(str(files["atom"])).getroot().findtext("atom:entry/atom:content", namespaces=NS),
        json.loads(files["jsonfeed"].read_bytes())["items"][0]["content_html"],
    ]
    for content in contents:
        text = "".join(etree.fromstring(f"<div>{content}</div>").itertext())
        for piece in (story.subheadline, story.dateline, *(r.title for r in story.related)):
            assert piece in text


# ---------------------------------------------------------------- issue 11 and 12: config-only feed values, links, text

HOSTILE = 'Tom & Jerry <b>bold a &#x41; &amp; <a href="x">link 3 < 4 <script> AT&T'


def every_field_story(root: Path) -> Story:
    """A story with ``&`` and ``<`` (and text that looks like markup or entities) in every text field."""
    draw_image(root / "p.jpg", "JPEG", (40, 30), 1)
    day = datetime(2026, 3, 1, tzinfo=timezone.utc)
    return Story(
        id="tag:example.com,2026:amp", slug="amp", headline="H " + HOSTILE, subheadline="S " + HOSTILE,
        summary="Sum " + HOSTILE, bylines=(Byline("Eve " + HOSTILE),), dateline="D " + HOSTILE, published=day,
        updated=day + timedelta(days=1), rights="R " + HOSTILE, source=Source("Src " + HOSTILE, "https://example.com/"),
        keywords=("K " + HOSTILE,), subjects=(Subject("Sub " + HOSTILE),),
        body=(Paragraph("P " + HOSTILE), Quote("Q " + HOSTILE, "W " + HOSTILE), ListBlock(("L " + HOSTILE,)),
              Heading("He " + HOSTILE, 2), Figure("C " + HOSTILE, "Cr " + HOSTILE, "A " + HOSTILE,
                                                  Image("p.jpg", "image/jpeg", 40, 30))),
        related=(Related("Rel " + HOSTILE, "https://example.com/r?a=1&b=2"),),
    )


def test_ampersands_and_angle_brackets_in_every_text_field_are_w3c_clean(tmp_path: Path) -> None:
    story = every_field_story(tmp_path)
    files = export_all([story], tmp_path / "out", tmp_path, title="T " + HOSTILE, description="De " + HOSTILE,
                       author="Au " + HOSTILE, rights="Ri " + HOSTILE)
    for fmt in ("rss", "atom"):
        done = run_checker("validate_feed.py", files[fmt], "--url", BASE + FEED_FILES[fmt])
        assert done.returncode == 0, done.stdout
        # the text is kept exactly: a caption reading "<b>" is text, not markup
        root = etree.parse(str(files[fmt])).getroot()
        description = root.find(".//media:content/media:description", NS)
        assert description.text == "C " + HOSTILE and description.get("type") == "plain"
        assert root.find(".//media:content/media:credit", NS).text == "Cr " + HOSTILE
    rss = etree.parse(str(files["rss"])).getroot()
    assert rss.findtext("channel/title") == "T " + HOSTILE and rss.findtext("channel/copyright") == "Ri " + HOSTILE
    assert rss.findtext("channel/item/title") == "H " + HOSTILE
    assert rss.findtext("channel/item/dc:rights", namespaces=NS) == "R " + HOSTILE
    assert [c.text for c in rss.findall("channel/item/category")] == ["Sub " + HOSTILE, "K " + HOSTILE]
    entry = parsed_entries(files["atom"])[0]
    assert entry.title == "H " + HOSTILE and entry.author == "Eve " + HOSTILE


def test_copyright_is_the_configs_and_each_story_keeps_its_own_rights(tmp_path: Path) -> None:
    """RSS <copyright> and Atom <rights> carry the config's rights; each item its story's rights (the sample's)."""
    source = SAMPLE.parent / "harbour-reopens.txt"
    story = syndicate.read(source)
    assert story.rights and story.rights.startswith("Copyright 2024 Harbour Gazette")
    files = export_all([story], tmp_path, source.parent, rights="© 2026 Harbour Gazette, all rights reserved")
    rss = etree.parse(str(files["rss"])).getroot()
    assert rss.findtext("channel/copyright") == "© 2026 Harbour Gazette, all rights reserved"
    assert rss.findtext("channel/item/dc:rights", namespaces=NS) == story.rights
    atom = etree.parse(str(files["atom"])).getroot()
    assert atom.findtext("atom:rights", namespaces=NS) == "© 2026 Harbour Gazette, all rights reserved"
    assert atom.findtext("atom:entry/atom:rights", namespaces=NS) == story.rights
    # without a configured rights the channel has none: one story's copyright is not the publication's
    bare = etree.parse(str(export_all([story], tmp_path / "bare", source.parent)["rss"])).getroot()
    assert bare.find("channel/copyright") is None
    assert bare.findtext("channel/item/dc:rights", namespaces=NS) == story.rights


def test_each_feed_links_itself_and_feed_url_names_only_the_rss_feed(twenty: list[Story]) -> None:
    rss_url = "https://feeds.example.org/news/rss"
    options = {"base_url": BASE, "feed_url": rss_url, "title": "T", "warnings": []}
    rss = etree.fromstring(syndicate.export(twenty, "rss", **options))
    assert rss.find("channel/atom:link[@rel='self']", NS).get("href") == rss_url
    atom = etree.fromstring(syndicate.export(twenty, "atom", **options))
    assert atom.find("atom:link[@rel='self']", NS).get("href") == BASE + "atom.xml"
    assert json.loads(syndicate.export(twenty, "jsonfeed", **options))["feed_url"] == BASE + "feed.json"
    # the channel link is the configured site, never a story's source
    assert rss.findtext("channel/link") == BASE


@pytest.mark.parametrize("url", ["news.example.com", "/feeds/", "ftp://news.example.com/", "https://", "javascript:x"])
def test_base_url_and_feed_url_must_be_absolute_http(url: str) -> None:
    for key in ("base_url", "feed_url"):
        with pytest.raises(syndicate.ExportError, match=f"{key} must be an absolute http"):
            syndicate.ExportOptions(**{key: url})


def test_without_base_url_feeds_leave_out_photos_and_relative_links_and_say_so_once(tmp_path: Path) -> None:
    """Feeds need absolute URLs: no base URL, no local photo or relative link, and one warning for all feeds."""
    draw_image(tmp_path / "p.jpg", "JPEG", (20, 20), 3)
    story = Story(id="tag:example.com,2026:nb", slug="nb", headline="No base", url="stories/nb.html",
                  published=datetime(2026, 3, 1, tzinfo=timezone.utc),
                  body=(Paragraph("See it.", (Mark(4, 6, "link", "/archive/"),)),
                        Figure("Cap", "Cred", None, Image("p.jpg", "image/jpeg", 20, 20))))
    warnings: list[str] = []
    # (RSS needs the site's address for its channel link: only its own URL can stand in for it)
    no_base = syndicate.ExportOptions(title="T", feed_url="https://example.org/feeds/rss.xml", warnings=warnings)
    feeds = export_feeds([story], no_base, ImageResolver(tmp_path))
    assert [w for w in warnings if w.startswith("feeds:")] == [
        "feeds: photos and relative links left out, because feeds need absolute URLs: set --base-url or the config key base_url"]
    for fmt, data in feeds.items():
        assert b"p.jpg" not in data and b"images/" not in data and b"/archive/" not in data, fmt
        assert b"stories/nb.html" not in data and b"Cap" in data and b"Cred" in data, fmt
    # with a base URL the same feeds carry them, and nothing is said
    quiet: list[str] = []
    feeds = export_feeds([story], syndicate.ExportOptions(title="T", base_url=BASE, warnings=quiet), ImageResolver(tmp_path))
    assert [w for w in quiet if w.startswith("feeds:")] == []
    assert all(f"{BASE}images/p-".encode() in data for data in feeds.values())


def test_no_placeholder_title_a_config_name_and_a_hint_instead(twenty: list[Story], photo_dir: Path) -> None:
    warnings: list[str] = []
    rss = etree.fromstring(syndicate.export(twenty, "rss", images=ImageResolver(photo_dir), base_url=BASE,
                                           author="Harbour Gazette newsroom", warnings=warnings))
    assert rss.findtext("channel/title") == "Harbour Gazette newsroom"
    assert warnings == ["feeds: no title set, so the feeds are titled 'Harbour Gazette newsroom': "
                        "set --title or the config key title"]
    host = etree.fromstring(syndicate.export(twenty, "atom", images=ImageResolver(photo_dir), base_url=BASE, warnings=[]))
    assert host.findtext("atom:title", namespaces=NS) == "news.example.org"
    for fmt in FEED_FILES:
        data = syndicate.export(twenty[:3], fmt, images=ImageResolver(photo_dir), base_url=BASE, warnings=[])
        assert b">syndicate<" not in data.replace(b"<generator>syndicate<", b"") and b'"syndicate"' not in data, fmt
    # a config that names nothing: no feed is written with placeholder text; the error names the option
    for fmt in FEED_FILES:
        with pytest.raises(syndicate.ConfigError, match="--title or the config key title"):
            syndicate.export(twenty[:3], fmt, images=ImageResolver(photo_dir), warnings=[])
    # RSS also needs the site's address for its channel link
    with pytest.raises(syndicate.ConfigError, match="base_url"):
        syndicate.export(twenty[:3], "rss", images=ImageResolver(photo_dir), title="Harbour Gazette", warnings=[])
    atom = syndicate.export(twenty[:3], "atom", images=ImageResolver(photo_dir), title="Harbour Gazette", warnings=[])
    assert b"<title>Harbour Gazette</title>" in atom and b"urn:uuid" in atom  # Atom's id needs no address


def test_export_feeds_shares_one_preparation_and_matches_each_exporter(twenty: list[Story], photo_dir: Path) -> None:
    options = syndicate.ExportOptions(title="T", base_url=BASE, warnings=[])
    together = export_feeds(twenty, options, ImageResolver(photo_dir))
    assert list(together) == ["rss", "atom", "jsonfeed"]
    for fmt, data in together.items():
        assert data == syndicate.export(twenty, fmt, options, ImageResolver(photo_dir)), fmt


def test_library_export_of_a_story_read_elsewhere_finds_its_photos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Story.root: a story read from a file resolves its photos beside that file, from any current folder."""
    story = syndicate.read(SAMPLE.parent / "harbour-reopens.txt")
    monkeypatch.chdir(tmp_path)
    warnings: list[str] = []
    book = syndicate.export(story, "epub", warnings=warnings)
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(book)) as zf:
        photos = [n for n in zf.namelist() if n.lower().endswith((".jpg", ".jpeg", ".png", ".gif"))
                  and "cover.png" not in n]
    assert len({f.image.src for f in story.figures if f.image}) == 3 and len(photos) >= 3, photos
    assert not [w for w in warnings if "not found" in w]
    feed = json.loads(syndicate.export(story, "jsonfeed", base_url=BASE, title="T", warnings=warnings))
    assert published_photo(feed["items"][0]["image"], BASE, story.figures[0].image.src) is not None


def test_library_export_of_stories_from_two_folders_finds_every_photo(tmp_path: Path) -> None:
    """Each story's photos are found beside its own file, in one export, with no resolver given."""
    stories = []
    for name in ("north", "south"):
        folder = tmp_path / name
        (folder / "images").mkdir(parents=True)
        draw_image(folder / "images" / "p.jpg", "JPEG", (30, 20), 7 + len(stories))
        (folder / "story.txt").write_text(f"A {name} story\n\nIt rained in the {name} all day, and the rivers rose.\n",
                                          encoding="utf-8")
        (folder / "story.yaml").write_text(f"id: tag:example.com,2026:{name}\npublished: 2026-03-0{len(stories) + 1}T08:00:00Z\n"
                                           "images:\n  - src: images/p.jpg\n    caption: The river\n", encoding="utf-8")
        stories.append(syndicate.read(folder / "story.txt"))
    warnings: list[str] = []
    feed = json.loads(syndicate.export(stories, "jsonfeed", base_url=BASE, title="T", warnings=warnings))
    assert [published_photo(i.get("image"), BASE, "p.jpg") is not None for i in feed["items"]] == [True, True]
    assert feed["items"][0]["image"] != feed["items"][1]["image"]  # two different photos, two names
    newsml = syndicate.export(stories, "newsml", base_url=BASE, warnings=warnings)
    assert newsml.count(b"<remoteContent") == 2 and warnings == []


# ---------------------------------------------------------------- published photos found again in the process


def _photo_story(src: str) -> Story:
    return Story(id="tag:example.com,2026:pp", slug="pp", headline="Photo", published=datetime(2026, 3, 1, tzinfo=timezone.utc),
                 body=(Paragraph("Text."), Figure("Cap", "Cred", None, Image(src))))


def _linked_photos(data: bytes) -> list[str]:
    return [c.get("url") for c in etree.fromstring(data).iter(f"{{{NS['media']}}}content")]


def test_a_feed_process_finds_a_photo_published_earlier_in_it_with_one_stat(tmp_path: Path) -> None:
    """The build's feeds come after the stories, in a fresh resolver: a photo published earlier in the same
    process is found by its path and stat, not read again from the state folder (a planted record there is
    not even opened), until the photo changes."""
    root, cache = tmp_path / "in", tmp_path / "cache"
    root.mkdir()
    draw_image(root / "p.jpg", "JPEG", (30, 20), 1)
    first = ImageResolver(root, cache_dir=cache).published(Image("p.jpg"))
    assert first is not None
    for entry in (cache / "published").iterdir():
        entry.write_text("planted-0123456789.jpg image/jpeg 30 20")
    options = syndicate.ExportOptions(title="T", base_url=BASE, warnings=[])
    feeds = export_feeds([_photo_story("p.jpg")], options, ImageResolver(root, cache_dir=cache), ("rss", "atom"))
    assert all(_linked_photos(data) == [f"{BASE}images/{first.src}"] for data in feeds.values())
    draw_image(root / "p.jpg", "JPEG", (60, 40), 2)  # edited: another size and mtime, so checked again
    os.utime(root / "p.jpg", ns=(1, 1))
    rss = export_feeds([_photo_story("p.jpg")], options, ImageResolver(root, cache_dir=cache), ("rss",))["rss"]
    content = etree.fromstring(rss).find(f".//{{{NS['media']}}}content")
    assert content is not None and content.get("width") == "60" and first.src not in content.get("url", "")


def test_a_photo_swapped_for_a_link_out_of_the_input_folder_is_refused_after_it_was_published(tmp_path: Path) -> None:
    root, outside = tmp_path / "in", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    draw_image(root / "p.jpg", "JPEG", (30, 20), 1)
    draw_image(outside / "secret.jpg", "JPEG", (50, 50), 5)
    assert ImageResolver(root).published(Image("p.jpg")) is not None
    (root / "p.jpg").unlink()
    os.symlink(outside / "secret.jpg", root / "p.jpg")
    warnings: list[str] = []
    images = ImageResolver(root)
    rss = export_feeds([_photo_story("p.jpg")], syndicate.ExportOptions(title="T", base_url=BASE, warnings=warnings),
                       images, ("rss",))["rss"]
    assert _linked_photos(rss) == [] and b"secret" not in rss and b"Cap" in rss
    assert images.problems == ["image p.jpg: path leaves the input folder (symlink)"]
