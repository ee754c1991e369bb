"""Feeds: RSS 2.0 and Atom 1.0 (with feedgen) and JSON Feed 1.1 (with the standard library).

The three formats share one preparation step, :func:`prepare_feed`: order the
stories newest first, cut them to ``options.limit``, look each photo up once
as it is published, render each body once with the shared
:class:`~syndicate.html.HtmlRenderer` (links and photos absolute against
``options.base_url``), and collect the feed-level values. Each writer then only
maps that onto its format; :func:`export_feeds` writes several feeds from one
preparation (what a build does).

Decisions a reader of the feeds may want to know:

- **Feed-level values come from the options (the config) only**, never from
  a story: the title (``title``, else the newsroom ``author``, else
  ``base_url``'s host, with a warning naming the option; with none of these
  no feed is written, see :func:`~syndicate.exporters.missing_setting`), the site link
  (``base_url``; RSS requires one), the copyright (``rights``). Each
  story keeps its own byline, source and rights in its entry.
- **Self links.** ``feed_url`` is the RSS feed's address; with ``base_url``
  each feed's own file (:data:`~syndicate.exporters.FEED_FILES`) is joined to
  it: Atom's self link is ``…/atom.xml``, JSON Feed's ``feed_url``
  ``…/feed.json``.
- **Time never comes from the clock.** The feed's ``lastBuildDate`` /
  ``pubDate`` / ``updated`` are the newest story date. Undated stories sort
  after dated ones and get no RSS ``pubDate`` and no JSON Feed dates; RSS has
  no ``lastBuildDate`` when no story is dated. Atom requires ``updated`` on
  every entry: an undated entry gets :func:`~syndicate.exporters.fallback_date`
  (the date of its ``tag:`` id), with a warning.
- **Authors.** A story's byline names; without one, the configured
  ``author``, else the story's own source. Nothing else: the feed title is
  never a story's creator. Atom requires an author for every entry, so when
  a story has none of these the feed gets an ``author`` (the publication's
  name) and a warning names the ``author`` option.
- **Photos.** The lead photo is an RSS ``enclosure`` with ``length="0"``: the
  exporter never reads files, and a published file's size is unknown (the
  build may re-encode it). RSS requires the attribute; the RSS Advisory
  Board's best-practices profile and the W3C validator (which suggests it as
  ``UseZeroForUnknown``) both say 0 means unknown. An enclosure also needs a
  MIME type, so a photo of unknown type gets none. Every photo with a URL is
  a ``media:content`` with its caption (``media:description``) and credit
  (``media:credit``), in RSS and Atom; Atom's lead photo is also a
  ``link rel="enclosure"`` (no length: optional there); JSON Feed's ``image``.
- **No base URL.** Feeds are read far from where they were made, so every
  link in them must be absolute. Local photos and relative story links then
  have no public address: they are left out (a figure keeps its caption and
  credit, as when a picture is missing), and one warning says so and names
  the option.
- **Plain text in RSS and Atom** is written with ``&`` and ``<`` as the
  character references ``&#x26;`` and ``&#x3C;``, as the RSS Advisory
  Board's profile recommends, so no reader takes a caption such as ``<b>``
  or ``&amp;`` for markup (and the W3C validator does not warn
  ``CharacterData``). Text holding a literal HTML *end* tag (``</p>``) is
  still flagged by the validator where the format cannot declare text as
  text (RSS titles, Atom names and labels); it is kept as it is.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

# Kept though unused here, and before feedgen: feedgen.util does ``import lxml`` and then uses lxml.etree,
# which fails unless something has imported the submodule (pyflakes, which ignores noqa, still flags it).
import lxml.etree  # noqa: F401
from feedgen.entry import FeedEntry
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator

from ..errors import ConfigError
from ..html import HtmlRenderer, escape_text, photo_link, public_link, xml_safe
from ..mediatypes import media_type_for
from ..model import Figure, Image, Paragraph, Story, newest_first
from . import BASE_URL_HINT, FEED_FILES, ExportOptions, PublishedPhotos, fallback_date, missing_setting
from .feeds_media import (
    AtomLink,
    AtomLinksEntryExtension,
    AtomLinksExtension,
    ChannelDatesExtension,
    MediaRssEntryExtension,
    MediaRssExtension,
    Photo,
)

if TYPE_CHECKING:
    from ..images import ImageResolver

__all__ = [
    "export_rss", "export_atom", "export_jsonfeed", "export_feeds", "prepare_feed", "Feed", "FeedInfo", "FeedItem",
    "Category", "JSONFEED_VERSION", "require_settings",
]

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "syndicate"
#: The title of a feed whose config names no title, author or base URL (a warning asks for ``title``).

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
    related: tuple[AtomLink, ...]
    rights: str | None

    @property
    def lead(self) -> Photo | None:
        """The first photo with a public URL: the item's enclosure / image."""
        return self.photos[0] if self.photos else None

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
    """The feed-level values, from the options alone (and the newest story date)."""

    title: str
    description: str | None
    home_url: str | None
    self_urls: dict[str, str]
    id: str
    language: str
    updated: datetime | None
    author: str | None
    rights: str | None

    def self_url(self, fmt: str) -> str | None:
        """The address of the feed in format ``fmt``, when it is known."""
        return self.self_urls.get(fmt)

    @property
    def channel_link(self) -> str:
        """RSS's required channel link: the site, else the RSS feed itself (one of them is known:
        see :func:`~syndicate.exporters.missing_setting`)."""
        return self.home_url or self.self_url("rss") or ""


@dataclass(frozen=True)
class Feed:
    """One preparation of the stories, shared by the three formats."""

    info: FeedInfo
    items: list[FeedItem]


class _PublicLinks:
    """Makes links and photo URLs absolute against the base URL, and notes what had to be left out."""

    def __init__(self, base: str | None) -> None:
        self.base = base
        self.left_out = False
        self._photo_urls: dict[str, str | None] = {}  # each photo is linked by its item and by its <img>

    def link(self, href: str | None) -> str | None:
        """``href`` as an absolute, safe URL; None (noted when it was merely relative) otherwise."""
        url = public_link(href, self.base)
        if url is None and href and self.base is None and _is_relative(href):
            self.left_out = True
        return url

    def photo(self, image: Image) -> str | None:
        """A published photo's absolute URL; None (noted) for a local one when there is no base URL."""
        if image.src in self._photo_urls:
            return self._photo_urls[image.src]
        url = photo_link(image, self.base, None)
        if url is None and not image.is_remote:
            self.left_out = True
        url = self._photo_urls[image.src] = public_link(url, None)
        return url


def _is_relative(href: str) -> bool:
    try:
        return not urlsplit(href.strip()).scheme
    except ValueError:
        return False


def require_settings(options: ExportOptions, formats: Sequence[str]) -> None:
    """Raise :class:`ConfigError` when a feed in ``formats`` lacks a setting it needs
    (see :func:`~syndicate.exporters.missing_setting`)."""
    for fmt in formats:
        problem = missing_setting(options, fmt)
        if problem is not None:
            raise ConfigError(f"{fmt}: {problem}")


def prepare_feed(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> Feed:
    """Order, limit and render the stories once for every feed format, each photo described as it is
    published (``images``); warnings (a photo left out, no title) go to ``options``."""
    chosen = newest_first(stories, options.limit)
    links = _PublicLinks(options.base_url)
    photos = PublishedPhotos(images)
    items = [feed_item(story, links, photos.for_story(story), options) for story in chosen]
    info = feed_info(chosen, options)
    if links.left_out:
        options.warn(f"feeds: photos and relative links left out, because feeds need absolute URLs: {BASE_URL_HINT}")
    if not options.title:
        options.warn(f"feeds: no title set, so the feeds are titled {info.title!r}: set --title or the config key title")
    return Feed(info, items)


def feed_item(story: Story, links: _PublicLinks, photos: Callable[[Image], Image | None],
              options: ExportOptions) -> FeedItem:
    """One story as a feed entry (body rendered once, every text XML-safe), its photos as ``photos`` has them."""
    renderer = HtmlRenderer(links.photo, link_url=lambda href: links.link(href) or "", photo=photos)
    found = (figure_photo(f, links, photos) for f in story.figures)
    return FeedItem(
        story=story,
        title=xml_safe(story.headline),
        url=links.link(story.url),
        content_html=renderer.article(story),
        summary=xml_safe(plain_summary(story)),
        authors=story_authors(story, options),
        categories=story_categories(story),
        photos=tuple(p for p in found if p is not None),
        related=tuple(AtomLink(url, "related", title=xml_safe(r.title))
                      for r in story.related if (url := links.link(r.url))),
        rights=clean(story.rights),
    )


def figure_photo(figure: Figure, links: _PublicLinks, photos: Callable[[Image], Image | None]) -> Photo | None:
    """A figure's photo with its public URL, or None when the figure has no publishable image."""
    image = photos(figure.image) if figure.image is not None else None
    url = links.photo(image) if image is not None else None
    if image is None or url is None:
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
    """Byline names; without a byline the configured author, else the story's own source; else none."""
    names = tuple(n for n in dict.fromkeys(xml_safe(b.name).strip() for b in story.bylines) if n)
    if names:
        return names
    fallback = clean(options.author) or (clean(story.source.name) if story.source else None)
    return (fallback,) if fallback else ()


def story_categories(story: Story) -> tuple[Category, ...]:
    """Subjects (coded when they have a code) then keywords, without repeating a label."""
    seen: set[str] = set()
    out: list[Category] = []
    found = [subject_category(s.name, s.code, s.scheme) for s in story.subjects]
    found += [keyword_category(keyword) for keyword in story.keywords]
    for category in found:
        if category is not None and (key := category.label.lower()) not in seen:
            seen.add(key)
            out.append(category)
    return tuple(out)


# A newsroom's subjects and keywords recur from story to story: each is cleaned once, not once per story.
@lru_cache(maxsize=4096)
def subject_category(name: str, code: str | None, scheme: str | None) -> Category | None:
    """A subject as a category (its code the term when it has a scheme URL), None when it has no name."""
    label = xml_safe(name).strip()
    if not label:
        return None
    url = public_link(scheme, None) if scheme else None
    term = xml_safe(code).strip() if code and url else label
    return Category(term or label, label, url)


@lru_cache(maxsize=4096)
def keyword_category(keyword: str) -> Category | None:
    """A keyword as a category, None when nothing is left of it."""
    label = xml_safe(keyword).strip()
    return Category(label, label) if label else None


def feed_info(stories: Sequence[Story], options: ExportOptions) -> FeedInfo:
    """The feed-level values: from the options, the newest story date and the stories' common language."""
    title = clean(options.publication_name) or ""  # never empty: the writers require a name first
    base = options.base_url
    self_urls = {fmt: urljoin(base, name) for fmt, name in FEED_FILES.items()} if base else {}
    if options.feed_url:
        self_urls["rss"] = options.feed_url
    # Atom needs an IRI id for the feed: its own URL, else a name-based UUID (stable for the same title).
    feed_id = self_urls.get("atom") or uuid.uuid5(uuid.NAMESPACE_URL, f"{GENERATOR}:feed:{title}").urn
    dates = [s.date for s in stories if s.date is not None]
    return FeedInfo(
        title=title,
        description=clean(options.description),
        home_url=base,
        self_urls=self_urls,
        id=feed_id,
        language=options.language or common_language(stories),
        updated=max(dates) if dates else None,
        author=clean(options.author),
        rights=clean(options.rights),
    )


def common_language(stories: Sequence[Story]) -> str:
    """The language most stories are in (ties: alphabetical), ``en`` when there are none."""
    counts = Counter(s.language for s in stories)
    if not counts:
        return "en"
    return min(counts, key=lambda lang: (-counts[lang], lang))


def in_utc(value: datetime) -> datetime:
    """The same instant in UTC (RSS dates are written as ``+0000``; no local time zone involved)."""
    return value.astimezone(timezone.utc)


# ---------------------------------------------------------------- the registry's entry points


def export_rss(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """RSS 2.0 with ``content:encoded``, Dublin Core creators and Media RSS photos."""
    require_settings(options, ["rss"])
    return write_rss(prepare_feed(stories, options, images), options)


def export_atom(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """Atom 1.0 with ``content type="html"``, an author for every entry and Media RSS photos."""
    require_settings(options, ["atom"])
    return write_atom(prepare_feed(stories, options, images), options)


def export_jsonfeed(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written with the standard library."""
    require_settings(options, ["jsonfeed"])
    return write_jsonfeed(prepare_feed(stories, options, images), options)


def export_feeds(stories: Sequence[Story], options: ExportOptions, images: ImageResolver,
                 formats: Sequence[str] = tuple(FEED_FILES)) -> dict[str, bytes]:
    """Several feeds of the same stories from one preparation: format -> bytes, for ``formats`` (any of
    ``rss``, ``atom``, ``jsonfeed``). Each is byte-identical to its own exporter's output."""
    writers = {"rss": write_rss, "atom": write_atom, "jsonfeed": write_jsonfeed}
    require_settings(options, formats)
    feed = prepare_feed(stories, options, images)
    return {fmt: writers[fmt](feed, options) for fmt in formats}


# ---------------------------------------------------------------- RSS 2.0


#: Plain text in the XML feeds: ``&`` and ``<`` as character references (see the module notes).
_TEXT_REFERENCES = ((b"&amp;", b"&#x26;"), (b"&lt;", b"&#x3C;"))
#: The elements holding escaped HTML (the bulk of a feed), left as lxml wrote them: no plain text inside.
_HTML_CONTENT = {"rss": (b"<content:encoded>", b"</content:encoded>"), "atom": (b'<content type="html">', b"</content>")}


def _with_references(data: bytes, fmt: str) -> bytes:
    """The same XML with ``&amp;`` and ``&lt;`` written as ``&#x26;`` and ``&#x3C;`` in plain text (no CDATA
    is written, so every occurrence is an escape, and the document's meaning is unchanged). The HTML
    content elements are skipped: that is most of the bytes, and HTML has no plain-text ambiguity."""
    start_tag, end_tag = _HTML_CONTENT[fmt]
    parts: list[bytes] = []
    position = 0
    while (start := data.find(start_tag, position)) != -1 and (end := data.find(end_tag, start)) != -1:
        parts.append(_references(data[position:start]))
        parts.append(data[start:end])
        position = end
    parts.append(_references(data[position:]))
    return b"".join(parts)


def _references(chunk: bytes) -> bytes:
    for entity, reference in _TEXT_REFERENCES:
        chunk = chunk.replace(entity, reference)
    return chunk


def write_rss(feed: Feed, options: ExportOptions) -> bytes:
    """The RSS 2.0 document of a prepared feed."""
    info = feed.info
    fg = FeedGenerator()
    fg.register_extension("dc", DcExtension, DcEntryExtension)
    fg.register_extension("mrss", MediaRssExtension, MediaRssEntryExtension, atom=False)
    fg.title(info.title)
    if info.self_url("rss"):  # feedgen's RSS <link> is the last link added: self first, the site after
        fg.link(href=info.self_url("rss"), rel="self", type="application/rss+xml")
    fg.link(href=info.channel_link, rel="alternate")
    fg.description(info.description or info.title)
    fg.language(info.language)
    if info.rights:
        fg.rights(info.rights)
    if info.updated is not None:
        fg.lastBuildDate(in_utc(info.updated))
        fg.pubDate(in_utc(info.updated))
    else:  # feedgen would write the clock's time as lastBuildDate (registered only here: it costs every entry)
        fg.register_extension("dates", ChannelDatesExtension, atom=False)
        fg.dates.undated()
    fg.generator(GENERATOR)
    for item in feed.items:
        rss_item(fg.add_entry(order="append"), item)
    return _with_references(bytes(fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)), "rss")


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
    if item.authors:
        entry.dc.dc_creator(list(item.authors))
    if item.rights:
        entry.dc.dc_rights([item.rights])
    lead = item.lead
    if lead is not None and lead.media_type:
        entry.enclosure(lead.url, 0, lead.media_type)
    entry.mrss.photos(list(item.photos))


# ---------------------------------------------------------------- Atom 1.0


def write_atom(feed: Feed, options: ExportOptions) -> bytes:
    """The Atom 1.0 document of a prepared feed."""
    info = feed.info
    fg = FeedGenerator()
    fg.register_extension("mrss", MediaRssExtension, MediaRssEntryExtension, rss=False)
    fg.register_extension("links", AtomLinksExtension, AtomLinksEntryExtension, rss=False)
    fg.id(info.id)
    fg.title(info.title)
    fg.updated(atom_feed_updated(feed, options))
    if info.home_url:
        fg.link(href=info.home_url, rel="alternate", type="text/html")
    if info.self_url("atom"):
        fg.link(href=info.self_url("atom"), rel="self", type="application/atom+xml")
    if info.description:
        fg.subtitle(info.description)
    if info.rights:
        fg.rights(info.rights)
    author = atom_feed_author(feed, options)
    if author:
        fg.author(name=author)
    fg.language(info.language)
    fg.generator(GENERATOR)
    for item in feed.items:
        atom_entry(fg.add_entry(order="append"), item, options)
    return _with_references(bytes(fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)), "atom")


def atom_feed_updated(feed: Feed, options: ExportOptions) -> datetime:
    """The feed's ``updated``: the newest story date, else the newest entry's stand-in date."""
    if feed.info.updated is not None:
        return feed.info.updated
    return max((atom_updated(item, options) for item in feed.items), default=fallback_date(feed.info.id))


def atom_feed_author(feed: Feed, options: ExportOptions) -> str | None:
    """The feed's author: the configured one; else, when an entry has no author of its own (Atom requires
    one), the publication's name, with a warning asking for ``author``."""
    if feed.info.author:
        return feed.info.author
    if all(item.authors for item in feed.items):
        return None
    options.warn(f"atom: stories without a byline or source are credited to {feed.info.title!r}: "
                 "set --author or the config key author")
    return feed.info.title


def atom_updated(item: FeedItem, options: ExportOptions) -> datetime:
    """An entry's required ``updated``: the story's latest date, else its documented stand-in (warned)."""
    if item.updated is not None:
        return item.updated
    stand_in = fallback_date(item.story.id)
    options.warn(f"atom: {item.story.id} has no date, so its entry's updated is {stand_in.date().isoformat()}, "
                 "the date in its tag: id")
    return stand_in


def atom_entry(entry: FeedEntry, item: FeedItem, options: ExportOptions) -> None:
    """Fill one Atom ``<entry>``."""
    entry.id(item.story.id)
    entry.title(item.title)
    entry.updated(atom_updated(item, options))
    if item.story.published is not None:
        entry.published(item.story.published)
    if item.authors:
        entry.author([atom_person(name, item.story) for name in item.authors])
    entry.content(item.content_html, type="html")
    if item.summary and "<" in item.summary:
        # Text that looks like markup is sent as escaped HTML, so no reader (or validator) takes it for tags.
        entry.summary(escape_text(item.summary), type="html")
    elif item.summary:
        entry.summary(item.summary)
    if item.categories:
        entry.category([atom_category(c) for c in item.categories])
    if item.rights:
        entry.rights(item.rights)
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


def write_jsonfeed(feed: Feed, options: ExportOptions) -> bytes:
    """The JSON Feed 1.1 document of a prepared feed."""
    info = feed.info
    doc: dict[str, Any] = {"version": JSONFEED_VERSION, "title": info.title}
    if info.home_url:
        doc["home_page_url"] = info.home_url
    if info.self_url("jsonfeed"):
        doc["feed_url"] = info.self_url("jsonfeed")
    if info.description:
        doc["description"] = info.description
    if info.author:
        doc["authors"] = [{"name": info.author}]
    doc["language"] = info.language
    doc["items"] = [json_item(item, info.language) for item in feed.items]
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


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
    if item.authors:
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
