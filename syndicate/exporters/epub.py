"""EPUB 3 books: one story, or an edition of many (with an NCX for EPUB 2 readers).

One story gives a book of a cover and one chapter: the story's title block
(headline, deck, by-line, dateline, dates), then its body rendered by the
shared :class:`~syndicate.html.HtmlRenderer`. Several stories give an
*edition*: cover, contents page, then the stories newest first, grouped into
sections by their first subject when they have subjects.

Why the package documents are written here from templates rather than by
ebooklib: ebooklib writes every zip entry with the clock's time, deflates
JPEGs (86 % of its time on a story with five photos), stamps
``dcterms:modified`` with the current time and regenerates ids, so its books
are neither reproducible nor fast (about 50 ms for a five-photo story). The
documents below are small and fixed in shape; every text goes through
:func:`~syndicate.html.escape_text`, so they are well-formed by construction
(the tests parse each one with lxml and run EPUBCheck). The zip is written
with ``mimetype`` first and stored, a fixed entry order, a fixed date on
every entry, photos stored and text deflated, so the same stories always give
the same bytes, whatever the machine's clock or time zone.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..html import HtmlRenderer, escape_text, public_link
from ..model import Figure, Heading, Image, Story, newest_first
from . import ExportOptions

if TYPE_CHECKING:
    from ..images import ImageResolver, ResolvedImage

__all__ = ["export_epub", "MODIFIED_WITHOUT_DATE"]

#: ``dcterms:modified`` of a book none of whose stories has a date (EPUB requires one; never the clock).
MODIFIED_WITHOUT_DATE = "1980-01-01T00:00:00Z"
#: Every zip entry's date: the zip format's own epoch, so the file never depends on the clock.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: Heading of the section holding an edition's stories without subjects.
UNFILED_SECTION = "More news"
#: Namespace of the UUIDs identifying editions (derived from their stories' ids).
EDITION_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://syndicate.invalid/edition")

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_STORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif")  # already compressed: deflating them only costs time
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
_XHTML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
               '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
               'xml:lang="{lang}" lang="{lang}">\n<head>\n<meta charset="UTF-8"/>\n<title>{title}</title>\n'
               '<link rel="stylesheet" type="text/css" href="style.css"/>\n</head>\n')
_CONTAINER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n'
              '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
              '</rootfiles>\n</container>\n')


# ---------------------------------------------------------------- the book's parts


@dataclass
class _BookImages:
    """The photos embedded in one book, in first-use order, each stored once however often it is used."""

    resolver: ImageResolver
    by_src: dict[str, tuple[str, str, ResolvedImage] | None] = field(default_factory=dict)

    def add(self, image: Image) -> tuple[str, str, ResolvedImage] | None:
        """(manifest id, path in the book, resolved photo), or None when it is not available."""
        if image.src not in self.by_src:
            resolved = self.resolver.resolve(image)
            entry = None
            if resolved is not None:  # numbered in first-use order, so the same stories give the same names
                number = len(self.entries()) + 1
                entry = (f"img-{number:03d}", f"images/img-{number:03d}{resolved.extension}", resolved)
            self.by_src[image.src] = entry
        return self.by_src[image.src]

    def entries(self) -> list[tuple[str, str, ResolvedImage]]:
        return [e for e in self.by_src.values() if e is not None]


@dataclass
class _Chapter:
    """One story as an XHTML file, with the subheadings its navigation lists."""

    story: Story
    href: str
    xhtml: bytes
    headings: list[tuple[str, Heading]]


@dataclass
class _Section:
    """A group of an edition's chapters under one subject (``name`` None: no sections at all)."""

    name: str | None
    href: str | None
    chapters: list[_Chapter]


class _ChapterRenderer(HtmlRenderer):
    """The shared renderer, with ids on subheadings (for the navigation) and photos from the book."""

    def __init__(self, book_images: _BookImages, link_url: Callable[[str], str]) -> None:
        super().__init__(self._image_href, link_url=link_url)
        self.book_images = book_images
        self.headings: list[tuple[str, Heading]] = []

    def _image_href(self, image: Image) -> str | None:
        entry = self.book_images.add(image)
        return entry[1] if entry else None

    def heading(self, block: Heading) -> str:
        anchor = f"sub-{len(self.headings) + 1}"
        self.headings.append((anchor, block))
        return f'<h{block.level} id="{anchor}">{escape_text(block.text)}</h{block.level}>'

    def img(self, src: str, block: Figure) -> str:
        """The photo at the size it has in the book (after rotation and scaling), alt never missing."""
        alt = block.alt if block.alt is not None else block.caption
        entry = self.book_images.add(block.image) if block.image is not None else None
        size = f' width="{entry[2].width}" height="{entry[2].height}"' if entry else ""
        return f'<img src="{escape_text(src)}" alt="{escape_text(alt)}"{size}/>'


# ---------------------------------------------------------------- entry point


def export_epub(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """One story as an EPUB 3 book; several as an edition (newest first, sectioned by subject)."""
    ordered = newest_first(stories)
    edition = len(ordered) > 1
    book_images = _BookImages(images)
    sections: list[_Section] = []
    number = 0
    for n, (name, members) in enumerate(_grouped(ordered) if edition else [(None, ordered)], 1):
        chapters = []
        for story in members:  # chapters numbered in reading order
            number += 1
            chapters.append(_chapter(story, f"story-{number:03d}.xhtml", book_images, options))
        sections.append(_Section(name, f"section-{n:02d}.xhtml" if name else None, chapters))
    reading_order = [c.story for section in sections for c in section.chapters]
    title = (options.edition_title or options.title) if edition else ordered[0].headline
    language = (options.language or ordered[0].language) if edition else ordered[0].language
    cover = _cover(ordered, title, book_images, edition)
    identifier = _edition_id(ordered) if edition else ordered[0].id
    return _zip(_documents(reading_order, sections, title, language, identifier, cover, book_images, edition))


# ---------------------------------------------------------------- order and sections


def _grouped(stories: list[Story]) -> list[tuple[str | None, list[Story]]]:
    """Group newest-first stories by their first subject, sections in order of their newest story.

    Stories without subjects go last, under :data:`UNFILED_SECTION`; when no
    story has a subject there are no sections at all.
    """
    if not any(s.subjects for s in stories):
        return [(None, stories)]
    groups: dict[str, list[Story]] = {}
    unfiled: list[Story] = []
    for story in stories:
        if story.subjects:
            groups.setdefault(story.subjects[0].name, []).append(story)
        else:
            unfiled.append(story)
    return [*groups.items(), *([(UNFILED_SECTION, unfiled)] if unfiled else [])]


def _edition_id(stories: Sequence[Story]) -> str:
    """A deterministic identifier for an edition: a name-based UUID of its stories' ids (order-free)."""
    return "urn:uuid:" + str(uuid.uuid5(EDITION_NAMESPACE, "\n".join(sorted(s.id for s in stories))))


# ---------------------------------------------------------------- dates


def _utc(value: datetime) -> str:
    """``CCYY-MM-DDThh:mm:ssZ``, the form ``dcterms:modified`` requires (valid for dc:date and <time> too)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _human_date(value: datetime) -> str:
    """``16 December 2016, 14:00 UTC+01:00`` in the story's own offset (no locale, no local time zone)."""
    offset = value.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    zone = "UTC" if minutes == 0 else f"UTC{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}, {value:%H:%M} {zone}"


def _modified(stories: Sequence[Story]) -> str:
    dates = [d for s in stories for d in (s.updated, s.published) if d is not None]
    return _utc(max(dates)) if dates else MODIFIED_WITHOUT_DATE


# ---------------------------------------------------------------- chapters


def _link_url(base: str | None) -> Callable[[str], str]:
    """Links made absolute against the story's URL; links that would point inside the book are dropped.

    A relative link has nothing to point to inside an EPUB (EPUBCheck reports
    it as a missing resource), so without a base it becomes plain text.
    """
    def link(href: str) -> str:
        if href.strip().startswith("#"):
            return ""
        url = public_link(href, base)
        return quote(url, safe=_URL_SAFE) if url else ""
    return link


def _byline(story: Story) -> str:
    names = [escape_text(b.name + (f", {b.role}" if b.role else "")) for b in story.bylines]
    if not names:
        return ""
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f'<p class="byline">By {joined}</p>\n'


def _title_block(story: Story) -> str:
    """The story's title page: headline, deck, by-line, dateline and dates."""
    parts = ['<header class="story">\n', f'<h1 id="headline">{escape_text(story.headline)}</h1>\n']
    if story.subheadline:
        parts.append(f'<p class="deck">{escape_text(story.subheadline)}</p>\n')
    parts.append(_byline(story))
    if story.dateline:
        parts.append(f'<p class="dateline">{escape_text(story.dateline)}</p>\n')
    for label, value in (("Published", story.published), ("Updated", story.updated)):
        if value is not None:
            parts.append(f'<p class="date">{label} <time datetime="{_utc(value)}">{_human_date(value)}</time></p>\n')
    parts.append("</header>\n")
    return "".join(parts)


def _end_matter(story: Story, link: Callable[[str], str]) -> str:
    """Related links, source and rights after the body (nothing the input had is lost)."""
    parts = []
    if story.related:
        parts.append(HtmlRenderer(link_url=link).related(story.related) + "\n")
    if story.source:
        href = link(story.source.url) if story.source.url else ""
        name = escape_text(story.source.name)
        parts.append(f'<p class="source">Source: <a href="{escape_text(href)}">{name}</a></p>\n' if href
                     else f'<p class="source">Source: {name}</p>\n')
    if story.rights:
        parts.append(f'<p class="rights">{escape_text(story.rights)}</p>\n')
    return "".join(parts)


def _chapter(story: Story, href: str, book_images: _BookImages, options: ExportOptions) -> _Chapter:
    link = _link_url(story.url or options.base_url)
    renderer = _ChapterRenderer(book_images, link)
    body = renderer.render(story.body)
    xhtml = (_XHTML_HEAD.format(lang=escape_text(story.language), title=escape_text(story.headline))
             + '<body>\n<section class="story" epub:type="chapter">\n' + _title_block(story) + body
             + ("\n" if body else "") + _end_matter(story, link) + "</section>\n</body>\n</html>\n")
    return _Chapter(story, href, xhtml.encode("utf-8"), renderer.headings)


def _section_page(section: _Section, language: str) -> bytes:
    name = escape_text(section.name or "")
    return (_XHTML_HEAD.format(lang=escape_text(language), title=name)
            + f'<body>\n<section epub:type="part">\n<h1 class="section-title">{name}</h1>\n</section>\n'
            + "</body>\n</html>\n").encode("utf-8")


# ---------------------------------------------------------------- cover


@dataclass(frozen=True)
class _Cover:
    """The cover photo's manifest id and path, and its bytes when drawn for this book."""

    item_id: str
    href: str
    drawn: bytes | None
    alt: str


def _cover(stories: Sequence[Story], title: str, book_images: _BookImages, edition: bool) -> _Cover:
    """A story's lead photo; else (and for editions) a typographic cover with the title and date."""
    if not edition:
        for figure in stories[0].figures:
            entry = book_images.add(figure.image) if figure.image is not None else None
            if entry is not None:
                return _Cover(entry[0], entry[1], None, f"Cover: {title}")
    date = next((s.date for s in stories if s.date is not None), None)
    date_text = f"{date.day} {_MONTHS[date.month - 1]} {date.year}" if date else ""
    return _Cover("cover-image", "images/cover.png", _typographic_cover(title, date_text), f"Cover: {title}")


@lru_cache(maxsize=64)
def _typographic_cover(title: str, date_text: str) -> bytes:
    """A plain cover drawn with Pillow's built-in font: the title, a rule and the date (greyscale PNG)."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    width, height, margin = 600, 900, 50
    cover = PILImage.new("L", (width, height), 255)
    draw = ImageDraw.Draw(cover)
    title_font = ImageFont.load_default(size=44)
    date_font = ImageFont.load_default(size=26)
    y = 160
    for line in _wrap(title, lambda text: draw.textlength(text, font=title_font), width - 2 * margin)[:9]:
        draw.text((margin, y), line, fill=0, font=title_font)
        y += 56
    draw.line((margin, y + 20, width - margin, y + 20), fill=0, width=3)
    if date_text:
        draw.text((margin, y + 45), date_text, fill=60, font=date_font)
    buffer = io.BytesIO()
    cover.save(buffer, "PNG", compress_level=6, optimize=False)
    return buffer.getvalue()


def _wrap(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """Greedy word wrap to ``width`` pixels (a word longer than the line gets a line of its own)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and measure(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return lines + ([current] if current else [])


def _cover_page(cover: _Cover, language: str) -> bytes:
    return (_XHTML_HEAD.format(lang=escape_text(language), title="Cover")
            + '<body class="cover">\n<section class="cover" epub:type="cover">\n'
            + f'<img src="{cover.href}" alt="{escape_text(cover.alt)}"/>\n</section>\n</body>\n</html>\n').encode("utf-8")


# ---------------------------------------------------------------- navigation


def _nav_entries(sections: list[_Section]) -> list[tuple[str, str, list]]:
    """The table of contents as a tree of (label, href, children): sections, stories, subheadings."""
    def story_entry(chapter: _Chapter) -> tuple[str, str, list]:
        subheads: list[tuple[str, str, list[Any]]] = [(h.text, f"{chapter.href}#{anchor}", []) for anchor, h in chapter.headings]
        return (chapter.story.headline, chapter.href, subheads)

    tree: list[tuple[str, str, list]] = []
    for section in sections:
        stories = [story_entry(c) for c in section.chapters]
        if section.name is None:
            tree.extend(stories)
        else:
            tree.append((section.name, section.href or "", stories))
    return tree


def _nav_ol(entries: list[tuple[str, str, list]]) -> str:
    items = []
    for label, href, children in entries:
        inner = _nav_ol(children) if children else ""
        items.append(f'<li><a href="{escape_text(href)}">{escape_text(label)}</a>{inner}</li>')
    return "<ol>" + "".join(items) + "</ol>"


def _nav_document(entries: list, title: str, language: str, edition: bool, first_href: str) -> bytes:
    landmarks = ['<li><a epub:type="cover" href="cover.xhtml">Cover</a></li>']
    if edition:  # the contents page is in the reading order only in an edition
        landmarks.append('<li><a epub:type="toc" href="nav.xhtml#toc">Contents</a></li>')
    landmarks.append(f'<li><a epub:type="bodymatter" href="{first_href}">Start of content</a></li>')
    return (_XHTML_HEAD.format(lang=escape_text(language), title=escape_text(title)) + "<body>\n"
            + f'<nav epub:type="toc" id="toc" role="doc-toc">\n<h1>Contents</h1>\n{_nav_ol(entries)}\n</nav>\n'
            + '<nav epub:type="landmarks" id="landmarks" hidden="hidden">\n<h2>Landmarks</h2>\n'
            + f'<ol>{"".join(landmarks)}</ol>\n</nav>\n</body>\n</html>\n').encode("utf-8")


def _ncx(entries: list, title: str, language: str, identifier: str) -> bytes:
    """The EPUB 2 table of contents (toc.ncx) for readers that do not read the navigation document."""
    order = 0

    def points(items: list, depth: int) -> tuple[str, int]:
        nonlocal order
        out, deepest = [], depth
        for label, href, children in items:
            order += 1
            mine = order  # pre-order numbering: a point comes before its children
            inner, child_depth = points(children, depth + 1) if children else ("", depth)
            deepest = max(deepest, child_depth)
            out.append(f'<navPoint id="nav-{mine}" playOrder="{mine}"><navLabel><text>{escape_text(label)}</text>'
                       f'</navLabel><content src="{escape_text(href)}"/>{inner}</navPoint>')
        return "".join(out), deepest

    nav_map, depth = points(entries, 1)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1" xml:lang="{escape_text(language)}">\n'
            f'<head><meta name="dtb:uid" content="{escape_text(identifier)}"/><meta name="dtb:depth" content="{depth}"/>'
            '<meta name="dtb:totalPageCount" content="0"/><meta name="dtb:maxPageNumber" content="0"/></head>\n'
            f"<docTitle><text>{escape_text(title)}</text></docTitle>\n<navMap>{nav_map}</navMap>\n</ncx>\n").encode("utf-8")


# ---------------------------------------------------------------- package document


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v and v.strip()))


def _metadata(stories: Sequence[Story], title: str, language: str, identifier: str, cover: _Cover,
              edition: bool, all_alt: bool) -> str:
    first = stories[0]
    if edition:
        creators = _unique([s.source.name for s in stories if s.source])
        subjects = _unique([s.subjects[0].name for s in stories if s.subjects])
    else:
        creators = _unique([b.name for b in first.bylines])
        subjects = _unique([s.name for s in first.subjects] + list(first.keywords))
    publishers = _unique([s.source.name for s in stories if s.source])
    rights = _unique([s.rights or "" for s in stories])
    dates = [s.date for s in stories if s.date is not None]
    date = (first.published or first.date) if not edition else (max(dates) if dates else None)
    out = [f'<dc:identifier id="uid">{escape_text(identifier)}</dc:identifier>',
           f"<dc:title>{escape_text(title)}</dc:title>",
           f"<dc:language>{escape_text(language)}</dc:language>"]
    for n, name in enumerate(creators, 1):
        role = "pbl" if edition else "aut"
        out.append(f'<dc:creator id="creator-{n}">{escape_text(name)}</dc:creator>')
        out.append(f'<meta refines="#creator-{n}" property="role" scheme="marc:relators">{role}</meta>')
    if date is not None:
        out.append(f"<dc:date>{_utc(date)}</dc:date>")
    out += [f"<dc:publisher>{escape_text(p)}</dc:publisher>" for p in publishers]
    out += [f"<dc:rights>{escape_text(r)}</dc:rights>" for r in rights]
    out += [f"<dc:subject>{escape_text(s)}</dc:subject>" for s in subjects]
    if not edition and first.summary.strip():
        out.append(f"<dc:description>{escape_text(first.summary)}</dc:description>")
    out.append(f'<meta property="dcterms:modified">{_modified(stories)}</meta>')
    out += _accessibility(edition, all_alt)
    out.append(f'<meta name="cover" content="{cover.item_id}"/>')
    return "\n".join(out)


def _accessibility(edition: bool, all_alt: bool) -> list[str]:
    """schema.org accessibility metadata (EPUB Accessibility 1.1): what the book offers readers."""
    features = ["structuralNavigation", *(["alternativeText"] if all_alt else []), "tableOfContents", "readingOrder"]
    kind = "An edition of news stories" if edition else "A news story"
    photos = ("every photo has a text alternative" if all_alt else "photos have text alternatives where the source "
              "gave a description or caption")
    summary = (f"{kind} with headings for navigation, a table of contents and a logical reading order; "
               f"{photos}, and captions and credits are given as text.")
    lines = ['<meta property="schema:accessMode">textual</meta>', '<meta property="schema:accessMode">visual</meta>',
             '<meta property="schema:accessModeSufficient">textual,visual</meta>']
    if all_alt:  # the text alone carries everything only when no photo lacks a description
        lines.append('<meta property="schema:accessModeSufficient">textual</meta>')
    lines += [f'<meta property="schema:accessibilityFeature">{f}</meta>' for f in features]
    lines += ['<meta property="schema:accessibilityHazard">none</meta>',
              f'<meta property="schema:accessibilitySummary">{escape_text(summary)}</meta>']
    return lines


def _package(metadata: str, manifest: list[tuple[str, str, str, str]], spine: list[str], language: str) -> bytes:
    items = "\n".join(f'<item id="{i}" href="{h}" media-type="{m}"{f" properties={chr(34)}{p}{chr(34)}" if p else ""}/>'
                      for i, h, m, p in manifest)
    refs = "\n".join(f'<itemref idref="{i}"/>' for i in spine)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" '
            f'xml:lang="{escape_text(language)}">\n'
            f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n{metadata}\n</metadata>\n'
            f"<manifest>\n{items}\n</manifest>\n"
            f'<spine toc="ncx">\n{refs}\n</spine>\n</package>\n').encode("utf-8")


# ---------------------------------------------------------------- assembly


@lru_cache(maxsize=1)
def _stylesheet() -> bytes:
    return (files("syndicate") / "epub.css").read_bytes()


def _documents(stories: Sequence[Story], sections: list[_Section], title: str, language: str, identifier: str,
               cover: _Cover, book_images: _BookImages, edition: bool) -> list[tuple[str, bytes]]:
    """Every file of the book in its fixed order, with the package document that lists them."""
    entries = _nav_entries(sections)
    first_href = sections[0].href or sections[0].chapters[0].href
    manifest = [("nav", "nav.xhtml", "application/xhtml+xml", "nav"),
                ("ncx", "toc.ncx", "application/x-dtbncx+xml", ""),
                ("css", "style.css", "text/css", ""),
                ("cover", "cover.xhtml", "application/xhtml+xml", "")]
    spine = ["cover"] + (["nav"] if edition else [])
    content: list[tuple[str, bytes]] = []
    for n, section in enumerate(sections, 1):
        if section.href:
            manifest.append((f"section-{n:02d}", section.href, "application/xhtml+xml", ""))
            spine.append(f"section-{n:02d}")
            content.append((section.href, _section_page(section, language)))
        for chapter in section.chapters:
            item_id = chapter.href.removesuffix(".xhtml")
            manifest.append((item_id, chapter.href, "application/xhtml+xml", ""))
            spine.append(item_id)
            content.append((chapter.href, chapter.xhtml))
    for item_id, href, resolved in book_images.entries():
        manifest.append((item_id, href, resolved.media_type, "cover-image" if item_id == cover.item_id else ""))
        content.append((href, resolved.data))
    if cover.drawn is not None:
        manifest.append((cover.item_id, cover.href, "image/png", "cover-image"))
        content.append((cover.href, cover.drawn))
    all_alt = all((f.alt if f.alt is not None else f.caption).strip()
                  for s in stories for f in s.figures if f.image is not None and book_images.by_src.get(f.image.src))
    metadata = _metadata(stories, title, language, identifier, cover, edition, all_alt)
    return [
        ("mimetype", b"application/epub+zip"),
        ("META-INF/container.xml", _CONTAINER.encode("utf-8")),
        ("OEBPS/content.opf", _package(metadata, manifest, spine, language)),
        ("OEBPS/nav.xhtml", _nav_document(entries, title, language, edition, first_href)),
        ("OEBPS/toc.ncx", _ncx(entries, title, language, identifier)),
        ("OEBPS/style.css", _stylesheet()),
        ("OEBPS/cover.xhtml", _cover_page(cover, language)),
        *((f"OEBPS/{name}", data) for name, data in content),
    ]


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    """The OCF container: ``mimetype`` first and stored, fixed dates and order, photos stored, text deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = 3  # "Unix", fixed: zipfile otherwise records the platform it runs on
            info.external_attr = 0o100644 << 16
            stored = name == "mimetype" or name.lower().endswith(_STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=None if stored else 6)
    return buffer.getvalue()
