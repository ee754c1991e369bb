"""Feeds: RSS 2.0 and Atom 1.0 (with feedgen) and JSON Feed 1.1 (with the standard library).

The three formats share one preparation step, :func:`prepare_feed`: order the
stories newest first, cut them to ``options.limit``, render each body once
with the shared :class:`~syndicate.html.HtmlRenderer` (links and local photos
made absolute against ``options.base_url``), and collect the feed-level
values. Each exporter then only maps that onto its format.

Decisions a reader of the feeds may want to know:

- **Time never comes from the clock.** The feed's ``lastBuildDate`` /
  ``pubDate`` / ``updated`` are the newest story date. When no story has any
  date, :data:`UNDATED` (2000-01-01T00:00:00Z) stands in where a format
  requires a date (Atom ``updated``, and feedgen always writes RSS
  ``lastBuildDate``); it is fixed so the feed stays byte-identical, and it is
  not before 1990, which the W3C validator flags as implausible. Undated
  stories sort after dated ones, by id, and get no RSS ``pubDate`` / JSON Feed
  dates.
- **Photos.** The lead photo is an RSS ``enclosure`` with ``length="0"``: the
  exporter never reads files, and a published file's size is unknown (the
  build may re-encode it). RSS requires the attribute; the RSS Advisory
  Board's best-practices profile and the W3C validator (which suggests it as
  ``UseZeroForUnknown``) both say 0 means unknown. An enclosure also needs a
  MIME type, so a photo of unknown type gets none. Every photo with a URL is
  a ``media:content`` with its caption (``media:description``) and credit
  (``media:credit``), in RSS and Atom; Atom's lead photo is also a
  ``link rel="enclosure"`` (no length: optional there); JSON Feed's ``image``.
- **No base URL.** Local photos have no public URL then, so they are left
  out of the feed (the figure keeps its caption and credit, as when a picture
  is missing); relative story links are left out too. The RSS channel
  ``link`` (required) falls back to the stories' source URL, then the newest
  story's URL, then the feed URL, then the feed's id.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

import lxml.etree  # noqa: F401  (first: feedgen.util uses lxml.etree without importing it)
from feedgen.entry import FeedEntry
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator

from ..html import HtmlRenderer, escape_text, public_link, published_image_url, xml_safe
from ..images import ImageResolver
from ..mediatypes import media_type_for
from ..model import Figure, Image, Paragraph, Story, newest_first
from . import FEED_FILES, ExportOptions, as_published
from .feeds_media import (
    AtomLink,
    AtomLinksEntryExtension,
    AtomLinksExtension,
    MediaRssEntryExtension,
    MediaRssExtension,
    Photo,
)

__all__ = [
    "export_rss", "export_atom", "export_jsonfeed", "prepare_feed", "FeedInfo", "FeedItem", "Category",
    "UNDATED", "JSONFEED_VERSION",
]

#: Stand-in date when no story has one (see the module notes).
UNDATED = datetime(2000, 1, 1, tzinfo=timezone.utc)
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "syndicate"

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


# ---------------------------------------------------------------- the shared view of a feed


@dataclass(frozen=True)
class Category:
    """A keyword or subject: ``term`` is the subject code when it has one, ``label`` its name."""

    term: str
    label: str
    scheme: str | None = None


@dataclass(frozen=True)
class FeedItem:
    """Everything the three formats say about one story, already cleaned for XML."""

    story: Story
    title: str
    url: str | None
    content_html: str
    summary: str
    authors: tuple[str, ...]
    categories: tuple[Category, ...]
    photos: tuple[Photo, ...]
    lead: Photo | None
    related: tuple[AtomLink, ...]

    @property
    def published(self) -> datetime | None:
        """When the story was first published (else its update time)."""
        return self.story.published or self.story.updated

    @property
    def updated(self) -> datetime | None:
        """The story's latest date."""
        return self.story.date


@dataclass(frozen=True)
class FeedInfo:
    """The feed-level values: title, links, id, language, and the newest date."""

    title: str
    description: str | None
    home_url: str | None
    self_url: str | None
    id: str
    language: str
    updated: datetime | None
    author: str | None

    @property
    def channel_link(self) -> str:
        """RSS's required channel link: the site, else the feed itself, else the feed id."""
        return self.home_url or self.self_url or self.id


def prepare_feed(stories: Sequence[Story], options: ExportOptions, images: ImageResolver,
                 fmt: str) -> tuple[FeedInfo, list[FeedItem]]:
    """Order, limit and render the stories for the feed format ``fmt`` (``rss``, ``atom`` or ``jsonfeed``),
    each photo described as it is published (``images``)."""
    chosen = as_published(newest_first(stories, options.limit), images)
    base = options.base_url
    renderer = HtmlRenderer(lambda image: feed_image_url(image, base),
                            link_url=lambda href: public_link(href, base) or "")
    items = [feed_item(story, renderer, base, options) for story in chosen]
    info = feed_info(chosen, items, options, base, fmt)
    return info, items


def feed_image_url(image: Image, base: str | None) -> str | None:
    """The public, absolute URL of a photo, or None when it has none (a local file and no base URL)."""
    return public_link(published_image_url(image, base), None)


def feed_item(story: Story, renderer: HtmlRenderer, base: str | None, options: ExportOptions) -> FeedItem:
    """One story as a feed entry (body rendered once, every text XML-safe)."""
    photos = tuple(p for p in (figure_photo(f, base) for f in story.figures) if p is not None)
    return FeedItem(
        story=story,
        title=xml_safe(story.headline),
        url=public_link(story.url, base),
        content_html=renderer.article(story),
        summary=xml_safe(plain_summary(story)),
        authors=story_authors(story, options),
        categories=story_categories(story),
        photos=photos,
        lead=photos[0] if photos else None,
        related=tuple(AtomLink(url, "related", title=xml_safe(r.title))
                      for r in story.related if (url := public_link(r.url, base))),
    )


def figure_photo(figure: Figure, base: str | None) -> Photo | None:
    """A figure's photo with its public URL, or None when the figure has no publishable image."""
    image = figure.image
    if image is None:
        return None
    url = feed_image_url(image, base)
    if url is None:
        return None
    return Photo(url=url, media_type=image.media_type or media_type_for(image.src), width=image.width,
                 height=image.height, caption=clean(figure.caption) or "", credit=clean(figure.credit))


def clean(text: str | None) -> str | None:
    """``text`` without XML-invalid characters and outer blanks; None when nothing is left."""
    return (xml_safe(text).strip() or None) if text else None



def plain_summary(story: Story) -> str:
    """The story's summary, else its first paragraph, as plain text."""
    if story.summary.strip():
        return story.summary.strip()
    first = next((b for b in story.body if isinstance(b, Paragraph)), None)
    return first.text.strip() if first else ""


def story_authors(story: Story, options: ExportOptions) -> tuple[str, ...]:
    """Byline names; without a byline the feed's author, else the source's name, else the feed title."""
    names = tuple(dict.fromkeys(xml_safe(b.name).strip() for b in story.bylines))
    names = tuple(n for n in names if n)
    if names:
        return names
    fallback = options.author or (story.source.name if story.source else None) or options.title
    return (xml_safe(fallback).strip() or GENERATOR,)


def story_categories(story: Story) -> tuple[Category, ...]:
    """Subjects (coded when they have a code) then keywords, without repeating a label."""
    seen: set[str] = set()
    out: list[Category] = []
    for subject in story.subjects:
        label = xml_safe(subject.name).strip()
        scheme = public_link(subject.scheme, None) if subject.scheme else None
        term = xml_safe(subject.code).strip() if subject.code and scheme else label
        if label and label.lower() not in seen:
            seen.add(label.lower())
            out.append(Category(term or label, label, scheme))
    for keyword in story.keywords:
        label = xml_safe(keyword).strip()
        if label and label.lower() not in seen:
            seen.add(label.lower())
            out.append(Category(label, label))
    return tuple(out)


def feed_info(stories: Sequence[Story], items: Sequence[FeedItem], options: ExportOptions,
              base: str | None, fmt: str) -> FeedInfo:
    """The feed-level values for format ``fmt``."""
    title = xml_safe(options.title).strip() or GENERATOR
    self_url = public_link(options.feed_url, base) or (urljoin(base, FEED_FILES[fmt]) if base else None)
    home_url = base or source_url(stories) or next((i.url for i in items if i.url), None)
    # Atom needs an IRI id for the feed: its own URL, else a name-based UUID (stable for the same title).
    feed_id = self_url or uuid.uuid5(uuid.NAMESPACE_URL, f"{GENERATOR}:feed:{title}").urn
    dates = [s.date for s in stories if s.date is not None]
    return FeedInfo(
        title=title,
        description=clean(options.description),
        home_url=home_url,
        self_url=self_url,
        id=feed_id,
        language=options.language or common_language(stories),
        updated=max(dates) if dates else None,
        author=clean(options.author),
    )


def source_url(stories: Sequence[Story]) -> str | None:
    """The publisher's site when the (newest) stories name one."""
    return next((url for s in stories if s.source and (url := public_link(s.source.url, None))), None)


def common_language(stories: Sequence[Story]) -> str:
    """The language most stories are in (ties: alphabetical), ``en`` when there are none."""
    counts = Counter(s.language for s in stories)
    if not counts:
        return "en"
    return min(counts, key=lambda lang: (-counts[lang], lang))


def in_utc(value: datetime) -> datetime:
    """The same instant in UTC (RSS dates are written as ``+0000``; no local time zone involved)."""
    return value.astimezone(timezone.utc)


# ---------------------------------------------------------------- RSS 2.0


def export_rss(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """RSS 2.0 with ``content:encoded``, Dublin Core creators and Media RSS photos."""
    info, items = prepare_feed(stories, options, images, "rss")
    fg = FeedGenerator()
    fg.register_extension("dc", DcExtension, DcEntryExtension)
    fg.register_extension("mrss", MediaRssExtension, MediaRssEntryExtension, atom=False)
    fg.title(info.title)
    if info.self_url:  # feedgen's RSS <link> is the last link added: self first, the site after
        fg.link(href=info.self_url, rel="self", type="application/rss+xml")
    fg.link(href=info.channel_link, rel="alternate")
    fg.description(info.description or info.title)
    fg.language(info.language)
    updated = in_utc(info.updated or UNDATED)
    fg.lastBuildDate(updated)
    if info.updated is not None:
        fg.pubDate(updated)
    fg.generator(GENERATOR)
    for item in items:
        rss_item(fg.add_entry(order="append"), item)
    return bytes(fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True))


def rss_item(entry: FeedEntry, item: FeedItem) -> None:
    """Fill one RSS ``<item>``."""
    entry.guid(item.story.id, permalink=False)
    entry.title(item.title)
    if item.url:
        entry.link(href=item.url)
    if item.summary:
        # RSS description is HTML: escape the plain summary so "<" and "&" read as text.
        entry.description(escape_text(item.summary), isSummary=True)
    entry.content(item.content_html)
    if item.published is not None:
        entry.pubDate(in_utc(item.published))
    if item.categories:
        entry.category([{"term": c.label} for c in item.categories])
    entry.dc.dc_creator(list(item.authors))
    if item.story.rights:
        entry.dc.dc_rights([xml_safe(item.story.rights)])
    if item.lead is not None and item.lead.media_type:
        entry.enclosure(item.lead.url, 0, item.lead.media_type)
    entry.mrss.photos(list(item.photos))


# ---------------------------------------------------------------- Atom 1.0


def export_atom(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """Atom 1.0 with ``content type="html"``, an author on every entry and Media RSS photos."""
    info, items = prepare_feed(stories, options, images, "atom")
    fg = FeedGenerator()
    fg.register_extension("mrss", MediaRssExtension, MediaRssEntryExtension, rss=False)
    fg.register_extension("links", AtomLinksExtension, AtomLinksEntryExtension, rss=False)
    fg.id(info.id)
    fg.title(info.title)
    fg.updated(info.updated or UNDATED)
    if info.home_url:
        fg.link(href=info.home_url, rel="alternate", type="text/html")
    if info.self_url:
        fg.link(href=info.self_url, rel="self", type="application/atom+xml")
    if info.description:
        fg.subtitle(info.description)
    if info.author:
        fg.author(name=info.author)
    fg.language(info.language)
    fg.generator(GENERATOR)
    for item in items:
        atom_entry(fg.add_entry(order="append"), item)
    return bytes(fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True))


def atom_entry(entry: FeedEntry, item: FeedItem) -> None:
    """Fill one Atom ``<entry>``."""
    entry.id(item.story.id)
    entry.title(item.title)
    entry.updated(item.updated or UNDATED)
    if item.story.published is not None:
        entry.published(item.story.published)
    entry.author([atom_person(name, item.story) for name in item.authors])
    entry.content(item.content_html, type="html")
    if item.summary and "<" in item.summary:
        # Text that looks like markup is sent as escaped HTML, so no reader (or validator) takes it for tags.
        entry.summary(escape_text(item.summary), type="html")
    elif item.summary:
        entry.summary(item.summary)
    if item.categories:
        entry.category([atom_category(c) for c in item.categories])
    if item.story.rights:
        entry.rights(xml_safe(item.story.rights))
    entry.links.links(atom_links(item))
    entry.mrss.photos(list(item.photos))


def atom_person(name: str, story: Story) -> dict[str, str]:
    """An Atom person for a byline name, with the byline's URL and e-mail when they are well formed."""
    person = {"name": name}
    byline = next((b for b in story.bylines if xml_safe(b.name).strip() == name), None)
    if byline is not None:
        if (url := public_link(byline.url, None)) and url.startswith(("http://", "https://")):
            person["uri"] = url
        if byline.email and _EMAIL.match(byline.email):
            person["email"] = byline.email
    return person


def atom_category(category: Category) -> dict[str, str]:
    out = {"term": category.term, "label": category.label}
    if category.scheme:
        out["scheme"] = category.scheme
    return out


def atom_links(item: FeedItem) -> list[AtomLink]:
    """The story's page, its lead photo as an enclosure, and its related links."""
    links = []
    if item.url:
        links.append(AtomLink(item.url, "alternate", "text/html"))
    if item.lead is not None:
        links.append(AtomLink(item.lead.url, "enclosure", item.lead.media_type))
    links.extend(link for link in item.related if link.href != item.url)
    return links


# ---------------------------------------------------------------- JSON Feed 1.1


def export_jsonfeed(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written with the standard library."""
    info, items = prepare_feed(stories, options, images, "jsonfeed")
    feed: dict[str, Any] = {"version": JSONFEED_VERSION, "title": info.title}
    if info.home_url:
        feed["home_page_url"] = info.home_url
    if info.self_url:
        feed["feed_url"] = info.self_url
    if info.description:
        feed["description"] = info.description
    if info.author:
        feed["authors"] = [{"name": info.author}]
    feed["language"] = info.language
    feed["items"] = [json_item(item, info.language) for item in items]
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def json_item(item: FeedItem, feed_language: str) -> dict[str, Any]:
    """One JSON Feed item; optional fields only when they have a value."""
    story = item.story
    out: dict[str, Any] = {"id": story.id}
    if item.url:
        out["url"] = item.url
    out["title"] = item.title
    out["content_html"] = item.content_html
    if item.summary:
        out["summary"] = item.summary
    if item.lead is not None:
        out["image"] = item.lead.url
    if story.published is not None:
        out["date_published"] = story.published.isoformat()
    if story.updated is not None:
        out["date_modified"] = story.updated.isoformat()
    out["authors"] = [json_author(name, story) for name in item.authors]
    if item.categories:
        out["tags"] = [c.label for c in item.categories]
    if story.language != feed_language:
        out["language"] = story.language
    return out


def json_author(name: str, story: Story) -> dict[str, str]:
    """A JSON Feed author object: name, and the byline's URL when it is a web address."""
    author = {"name": name}
    byline = next((b for b in story.bylines if xml_safe(b.name).strip() == name), None)
    if byline is not None and (url := public_link(byline.url, None)) and url.startswith(("http://", "https://")):
        author["url"] = url
    return author
