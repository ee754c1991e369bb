"""EPUB 3 books: one story, or an edition of many (with an NCX for EPUB 2 readers).

One story gives a book of a cover and one chapter: the story's title block
(headline, deck, by-line, dateline, dates), then its body rendered by the
shared :class:`~syndicate.html.HtmlRenderer`. Several stories give an
*edition*: cover, contents page, then the stories newest first, grouped into
sections by their first subject when they have subjects.

An edition never holds its stories, chapters or photos: the build may hand
over a sequence that loads each story from disk when it is indexed, so the
book is made in two passes over it. The first keeps only each story's sort
key and first subject (the reading order and the sections); the second loads
the stories in reading order and writes each chapter, and each photo the
first time it is used, into the zip at once. What stays behind is what the
package documents need: each chapter's number, headline and subheadings, each
photo's number, type and size, and a few facts for the metadata (with the
zip's own record of each entry, a few KB a story besides the book's bytes).
Those documents (cover page, navigation, NCX, package document) are written
last, piece by piece.

Why the package documents are written here from templates rather than by
ebooklib: ebooklib writes every zip entry with the clock's time, deflates
JPEGs (86 % of its time on a story with five photos), stamps
``dcterms:modified`` with the current time and regenerates ids, so its books
are neither reproducible nor fast (about 50 ms for a five-photo story); it
also holds the whole book until it writes it. The documents below are small
and fixed in shape; every text goes through
:func:`~syndicate.html.escape_text`, so they are well-formed by construction
(the tests parse each one with lxml and run EPUBCheck). The zip is written
with ``mimetype`` first and stored, a fixed entry order, a fixed date on
every entry, photos stored and text deflated, so the same stories always give
the same bytes, whatever the machine's clock or time zone. The zip is written
straight into a file object (:func:`write_epub`, :func:`write_edition`), so a
build's edition never holds its photos in memory: only :func:`export_epub`,
which returns bytes, collects the book in a buffer.

Languages: the book's own words (by-line, dates, "Contents", "Cover", the
edition's unfiled section…) come from :mod:`syndicate.labels` in each story's
language, and the edition's pages in the edition's; a language without its own
words gets a layout of names, symbols and ISO dates. Every XHTML page carries
``dir`` and ``xml:lang``, the spine ``page-progression-direction``, and every
navigation entry its story's language (and ``dir`` where it differs).

Dates: a book shows only the dates its stories have, and no time where only
the day is known (``Story.date_only``). EPUB 3 requires ``dcterms:modified``
even so: a book none of whose stories has a date gets the exporters' one
documented stand-in, :func:`~syndicate.exporters.fallback_date` of its
stories' ids (the date in a ``tag:`` id; never the clock, never shown to
readers), with a warning. An edition's title, publisher and rights come from
the options only, never from one of its stories. Warnings go to
:meth:`ExportOptions.warn <syndicate.exporters.ExportOptions.warn>`, as every
exporter's do.
"""

from __future__ import annotations

import io
import itertools
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from typing import IO, TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from ..errors import ExportError
from ..html import HtmlRenderer, escape_text, public_link
from ..labels import Labels, accessibility_summary, direction, labels_for
from ..model import Figure, Heading, Image, Story, age_key
from . import ExportOptions, fallback_date

if TYPE_CHECKING:
    from ..images import ImageResolver

__all__ = ["export_epub", "export_edition", "write_epub", "write_edition"]
#: Every zip entry's date: the zip format's own epoch, so the file never depends on the clock (readers
#: never see it: it is not the book's date).
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
#: Heading of the section holding an English edition's stories without subjects (other languages:
#: :attr:`syndicate.labels.Labels.more_news`).
UNFILED_SECTION = labels_for("en").more_news
#: Namespace of the UUIDs identifying editions (derived from their stories' ids).
EDITION_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://syndicate.invalid/edition")

_STORED_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif")  # already compressed: deflating them only costs time
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
_XHTML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
               '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
               'xml:lang="{lang}" lang="{lang}" dir="{dir}">\n<head>\n<meta charset="UTF-8"/>\n<title>{title}</title>\n'
               '<link rel="stylesheet" type="text/css" href="style.css"/>\n</head>\n')
_CONTAINER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n'
              '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
              '</rootfiles>\n</container>\n')


# ---------------------------------------------------------------- the container


class _Container:
    """The OCF zip, written entry by entry into ``out`` as the book is made.

    ``mimetype`` comes first and stored (the OCF rule); every entry has the
    same fixed date and attributes; photos are stored (already compressed)
    and text is deflated. The caller adds entries in a fixed order, so the
    bytes depend on nothing but the stories. ``out`` must be seekable (a
    file or a buffer): on a pipe zipfile would add data descriptors, and the
    bytes would depend on where the book is written.
    """

    def __init__(self, out: IO[bytes]) -> None:
        if not out.seekable():
            raise ExportError("an EPUB is written into a seekable file (a regular file or a buffer), not a stream")
        self._archive = zipfile.ZipFile(out, "w")
        self.write("mimetype", b"application/epub+zip")
        self.write("META-INF/container.xml", _CONTAINER.encode("utf-8"))

    def write(self, name: str, data: bytes) -> None:
        """Add one file (``name`` is its path inside the zip)."""
        self._archive.writestr(self._entry(name), data)

    def write_text(self, name: str, parts: Iterable[str]) -> None:
        """Add one text file as it is made, piece by piece (the documents listing every chapter are
        never whole in memory), in batches of about 64 KB so deflating stays quick."""
        batch: list[str] = []
        size = 0
        with self._archive.open(self._entry(name), "w") as entry:
            for part in parts:
                batch.append(part)
                size += len(part)
                if size >= 65536:
                    entry.write("".join(batch).encode("utf-8"))
                    batch, size = [], 0
            entry.write("".join(batch).encode("utf-8"))

    @staticmethod
    def _entry(name: str) -> zipfile.ZipInfo:
        """The fixed header of an entry: the zip epoch's date, "Unix", rw-r--r--, photos stored."""
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
        info.create_system = 3  # fixed: zipfile otherwise records the platform it runs on
        info.external_attr = 0o100644 << 16
        stored = name == "mimetype" or name.lower().endswith(_STORED_SUFFIXES)
        # Text is deflated at zlib's default level (6), whether written whole or in pieces.
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        return info

    def __enter__(self) -> _Container:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Write the central directory and let go of the zip, also when the export stops half-way (the
        caller discards such a file)."""
        self._archive.close()


# ---------------------------------------------------------------- the book's parts


@dataclass(frozen=True, slots=True)
class _Photo:
    """A photo written into the book: what the manifest and the ``<img/>`` need, never its bytes.

    An edition keeps one per photo, so its names are derived from its number rather than stored.
    """

    number: int
    extension: str
    media_type: str
    width: int
    height: int
    animated: bool

    @property
    def item_id(self) -> str:
        return f"img-{self.number:03d}"

    @property
    def href(self) -> str:
        return f"images/{self.item_id}{self.extension}"


@dataclass
class _BookImages:
    """The photos embedded in one book, in first-use order, each written once however often it is used."""

    resolver: ImageResolver
    container: _Container
    by_src: dict[str, _Photo | None] = field(default_factory=dict)
    count: int = 0

    def add(self, image: Image) -> _Photo | None:
        """The photo as it is in the book (written into it on first use), or None when it is not available."""
        if image.src not in self.by_src:
            resolved = self.resolver.resolve(image)
            photo = None
            if resolved is not None:  # numbered in first-use order, so the same stories give the same names
                self.count += 1
                photo = _Photo(self.count, resolved.extension, resolved.media_type, resolved.width, resolved.height,
                               resolved.animated)
                self.container.write(f"OEBPS/{photo.href}", resolved.data)
            self.by_src[image.src] = photo
        return self.by_src[image.src]

    def available(self, image: Image | None) -> bool:
        """Whether a photo already met in the book is in it."""
        return image is not None and self.by_src.get(image.src) is not None

    def photos(self) -> list[_Photo]:
        """Every photo in the book, in first-use order."""
        return [p for p in self.by_src.values() if p is not None]


@dataclass(frozen=True, slots=True)
class _Chapter:
    """One story's file in the book, with what the navigation lists: its headline and subheadings.

    An edition keeps one per story, so the file name and anchors are derived from numbers, not stored.
    """

    number: int
    headline: str
    headings: tuple[str, ...]
    language: str

    @property
    def href(self) -> str:
        return f"story-{self.number:03d}.xhtml"

    def anchored_headings(self) -> Iterator[tuple[str, str]]:
        """(anchor, text) of each subheading, as the chapter's ids name them."""
        for number, text in enumerate(self.headings, 1):
            yield _anchor(number), text


def _anchor(number: int) -> str:
    """The id of a chapter's ``number``-th subheading."""
    return f"sub-{number}"


@dataclass
class _Section:
    """A group of an edition's chapters under one subject (``name`` None: no sections at all)."""

    name: str | None
    href: str | None
    chapters: list[_Chapter] = field(default_factory=list)


class _ChapterRenderer(HtmlRenderer):
    """The shared renderer, with ids on subheadings (for the navigation) and photos from the book."""

    def __init__(self, book_images: _BookImages, link_url: Callable[[str], str], labels: Labels) -> None:
        super().__init__(self._image_href, link_url=link_url)
        self.book_images = book_images
        self.headings: list[str] = []
        self.related_heading = labels.related

    def _image_href(self, image: Image) -> str | None:
        photo = self.book_images.add(image)
        return photo.href if photo else None

    def heading(self, block: Heading) -> str:
        self.headings.append(block.text)
        anchor = _anchor(len(self.headings))
        return f'<h{block.level} id="{anchor}">{escape_text(block.text)}</h{block.level}>'

    def img(self, src: str, block: Figure) -> str:
        """The photo at the size it has in the book (after rotation and scaling), alt never missing."""
        alt = block.alt if block.alt is not None else block.caption
        photo = self.book_images.add(block.image) if block.image is not None else None
        size = f' width="{photo.width}" height="{photo.height}"' if photo else ""
        return f'<img src="{escape_text(src)}" alt="{escape_text(alt)}"{size}/>'


# ---------------------------------------------------------------- entry point


def export_edition(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """An edition, even of one story: the edition's title and drawn cover, a contents page, the stories
    (a build's ``edition.epub`` stays an edition on a day with a single story)."""
    return export_epub(stories, options, images, edition=True)


def export_epub(stories: Sequence[Story], options: ExportOptions, images: ImageResolver, *,
                edition: bool | None = None) -> bytes:
    """One story as an EPUB 3 book; several as an edition (newest first, sectioned by subject).

    ``edition`` forces the choice (default: an edition when there is more than one story). The book is
    returned as bytes; :func:`write_epub` writes it into a file instead, never holding it whole.
    """
    buffer = io.BytesIO()
    write_epub(stories, options, images, buffer, edition=edition)
    return buffer.getvalue()


def write_edition(stories: Sequence[Story], options: ExportOptions, images: ImageResolver, out: IO[bytes]) -> None:
    """:func:`export_edition`, written into ``out`` (a seekable binary file) as it is made."""
    write_epub(stories, options, images, out, edition=True)


def write_epub(stories: Sequence[Story], options: ExportOptions, images: ImageResolver, out: IO[bytes], *,
               edition: bool | None = None) -> None:
    """:func:`export_epub`, written into ``out`` (a seekable binary file, e.g. a temporary file) as it is made.

    ``stories`` is only indexed, each story at most twice (once to order the
    edition, once to write its chapter), and no story is kept; each chapter
    and photo goes into ``out`` as soon as it is made. With a sequence that
    loads its stories on demand, memory holds a few KB of navigation a
    story, never the stories, their photos or the book.

    Non-fatal problems are one line each: a photo that is missing in
    ``images.problems``; a book with no date at all, or an edition without a
    title in the options, through ``options.warn``.
    """
    if len(stories) == 0:
        raise ExportError("nothing to export: no stories given")
    plan = _plan(stories)  # first pass
    edition = len(plan.keys) > 1 if edition is None else edition
    language = (options.language or plan.lead.language) if edition else plan.lead.language
    labels = labels_for(language)
    info = _BookInfo(
        title=_edition_title(options, labels, plan.lead) if edition else plan.lead.headline,
        language=language,
        identifier=_edition_id(plan.keys) if edition else plan.keys[0].story_id,
        edition=edition,
        labels=labels,
    )
    with _Container(out) as container:  # closed even when the export is interrupted
        book = _Book(container, images, options, info)
        for name, keys in _sections(plan.keys, labels):  # second pass, in reading order
            section = book.start_section(name)
            for key in keys:
                book.write_chapter(section, stories[key.position])
        book.finish(plan)


def _edition_title(options: ExportOptions, labels: Labels, lead: _Lead) -> str:
    """``edition_title``, else the publication's name from the options; without either, "Edition of <newest
    date>" in the edition's language (its newest headline when no story has a date), and a hint."""
    for title in (options.edition_title, options.publication_name):
        if title and title.strip():
            return title
    options.warn("the edition has no title: set edition_title (or title) in the config")
    if lead.date is None:
        return lead.headline
    return labels.edition.format(date=labels.day(lead.date))


# ---------------------------------------------------------------- first pass: order and sections


class _StoryKey(NamedTuple):
    """All the first pass keeps of a story: where it is in the sequence, its age and its section."""

    age: tuple[bool, float, str]
    position: int  # ties in age keep the sequence's order, as a stable sort does
    story_id: str
    subject: str | None


@dataclass(frozen=True)
class _Lead:
    """The newest story's headline, language and date (a book's title, language and cover date)."""

    headline: str
    language: str
    date: datetime | None


@dataclass(frozen=True)
class _Plan:
    """The book's reading order: the stories' keys newest first, and the newest story."""

    keys: list[_StoryKey]
    lead: _Lead


def _plan(stories: Sequence[Story]) -> _Plan:
    """One pass over the stories, keeping their keys: the order of :func:`~syndicate.model.newest_first`."""
    keys: list[_StoryKey] = []
    newest: tuple[_StoryKey, _Lead] | None = None
    for position in range(len(stories)):
        story = stories[position]
        key = _StoryKey(age_key(story.date, story.id), position, story.id,
                        story.subjects[0].name if story.subjects else None)
        if newest is None or key < newest[0]:
            newest = (key, _Lead(story.headline, story.language, story.date))
        keys.append(key)
    assert newest is not None  # write_epub refuses an empty sequence
    keys.sort()  # by age, then by position: the stable order newest_first gives
    return _Plan(keys, newest[1])


def _sections(keys: list[_StoryKey], labels: Labels) -> list[tuple[str | None, list[_StoryKey]]]:
    """Group newest-first stories by their first subject, sections in order of their newest story.

    Stories without subjects go last, under the labels' "More news"
    (:data:`UNFILED_SECTION` in English); when no story has a subject, or
    there is only one story, there are no sections at all.
    """
    if len(keys) == 1 or all(k.subject is None for k in keys):
        return [(None, keys)]
    groups: dict[str, list[_StoryKey]] = {}
    unfiled: list[_StoryKey] = []
    for key in keys:
        if key.subject is not None:
            groups.setdefault(key.subject, []).append(key)
        else:
            unfiled.append(key)
    return [*groups.items(), *([(labels.more_news, unfiled)] if unfiled else [])]


def _edition_id(keys: Iterable[_StoryKey]) -> str:
    """A deterministic identifier for an edition: a name-based UUID of its stories' ids (order-free)."""
    return "urn:uuid:" + str(uuid.uuid5(EDITION_NAMESPACE, "\n".join(sorted(k.story_id for k in keys))))


# ---------------------------------------------------------------- second pass: writing the book


@dataclass(frozen=True)
class _BookInfo:
    """What the whole book is called and how it is identified."""

    title: str
    language: str
    identifier: str
    edition: bool
    labels: Labels


@dataclass
class _BookFacts:
    """What the package document says of the stories, gathered chapter by chapter in reading order.

    Ordered sets (dicts with None values) keep first-seen order, so the
    metadata lists names in reading order, each once. Only a single-story
    book keeps its story: its by-lines, source, rights, subjects and summary
    describe the book. An edition's publisher and rights are the options',
    never one story's.
    """

    first_subjects: dict[str, None] = field(default_factory=dict)
    latest: datetime | None = None  # the latest Story.date (an edition's dc:date)
    modified: datetime | None = None  # the latest published or updated date (dcterms:modified)
    all_alt: bool = True  # every photo in the book has a text alternative
    only_story: Story | None = None

    def add(self, story: Story, book_images: _BookImages, edition: bool) -> None:
        """Note a story whose chapter has just been written (its photos are in ``book_images``)."""
        _add_text(self.first_subjects, story.subjects[0].name if story.subjects else None)
        self.latest = _later(self.latest, story.date)
        self.modified = _later(_later(self.modified, story.updated), story.published)
        self.all_alt = self.all_alt and all((f.alt if f.alt is not None else f.caption).strip()
                                            for f in story.figures if book_images.available(f.image))
        if not edition:
            self.only_story = story


def _add_text(found: dict[str, None], value: str | None) -> None:
    if value and value.strip():
        found.setdefault(value, None)


def _later(current: datetime | None, value: datetime | None) -> datetime | None:
    """The later of two dates (the first on a tie, as ``max`` picks), ignoring missing ones."""
    if value is None or (current is not None and value <= current):
        return current
    return value


class _Book:
    """The book being written: its zip, its photos, and what its package documents will list.

    The zip's entries come in one fixed order: ``mimetype``, ``container.xml``,
    the stylesheet; then, in reading order, each section page, each photo
    where a chapter first uses it and each chapter; then the cover page, the
    drawn cover, the navigation document, the NCX and the package document.
    """

    def __init__(self, container: _Container, images: ImageResolver, options: ExportOptions, info: _BookInfo) -> None:
        self.container = container
        self.images = _BookImages(images, container)
        self.options = options
        self.info = info
        self.facts = _BookFacts()
        self.sections: list[_Section] = []
        self.chapter_count = 0
        container.write("OEBPS/style.css", _stylesheet())

    def start_section(self, name: str | None) -> _Section:
        """A new section, its title page written when it has a name (editions with subjects)."""
        href = f"section-{len(self.sections) + 1:02d}.xhtml" if name is not None else None
        section = _Section(name, href)
        if href is not None:
            self.container.write(f"OEBPS/{href}", _section_page(section, self.info.language))
        self.sections.append(section)
        return section

    def write_chapter(self, section: _Section, story: Story) -> None:
        """Render a story, write its chapter (and any photo it uses first) and keep only its navigation."""
        self.chapter_count += 1  # chapters numbered in reading order
        chapter, xhtml = _chapter(story, self.chapter_count, self.images, self.options)
        self.container.write(f"OEBPS/{chapter.href}", xhtml)
        section.chapters.append(chapter)
        self.facts.add(story, self.images, self.info.edition)

    def finish(self, plan: _Plan) -> None:
        """Write the cover and the package documents after the chapters."""
        cover = _cover(self.facts.only_story, self.info, plan.lead, self.images)
        self.container.write("OEBPS/cover.xhtml", _cover_page(cover, self.info))
        if cover.drawn is not None:
            self.container.write(f"OEBPS/{cover.href}", cover.drawn)
        self.container.write_text("OEBPS/nav.xhtml", _nav_document(self.sections, self.info))
        self.container.write_text("OEBPS/toc.ncx", _ncx(self.sections, self.info))
        photos = self.images.photos()
        manifest = _manifest(self.sections, photos, cover)
        spine = _spine(self.sections, self.info.edition)
        if self.facts.modified is None:
            self.facts.modified = max(fallback_date(key.story_id) for key in plan.keys)
            self.options.warn(f"no story in the book has a date: its dcterms:modified (required by EPUB 3) is the "
                              f"stand-in {_utc(self.facts.modified)} from the story ids; the book shows no date")
        metadata = _metadata(self.facts, self.info, self.options, cover, any(p.animated for p in photos))
        self.container.write_text("OEBPS/content.opf", _package(metadata, manifest, spine, self.info.language))


# ---------------------------------------------------------------- dates


def _utc(value: datetime) -> str:
    """``CCYY-MM-DDThh:mm:ssZ``, the form ``dcterms:modified`` requires (valid for dc:date and <time> too)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time_element(value: datetime, labels: Labels, date_only: bool) -> str:
    """A ``<time>`` with the date in the book's words; only the day (in both) when no time is known."""
    machine = value.date().isoformat() if date_only else _utc(value)
    return f'<time datetime="{machine}">{escape_text(labels.moment(value, date_only=date_only))}</time>'


def _fill(template: str, field_name: str, markup: str) -> str:
    """A label template with one field replaced by ready markup, the rest of its words escaped."""
    before, _, after = template.partition("{" + field_name + "}")
    return escape_text(before) + markup + escape_text(after)


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


def _byline(story: Story, labels: Labels) -> str:
    names = [labels.role.format(name=b.name, role=b.role) if b.role else b.name for b in story.bylines]
    if not names:
        return ""
    return f'<p class="byline">{escape_text(labels.byline(names))}</p>\n'


def _title_block(story: Story, labels: Labels) -> str:
    """The story's title page: headline, deck, by-line, dateline and dates (only those the story has)."""
    parts = ['<header class="story">\n', f'<h1 id="headline">{escape_text(story.headline)}</h1>\n']
    if story.subheadline:
        parts.append(f'<p class="deck">{escape_text(story.subheadline)}</p>\n')
    parts.append(_byline(story, labels))
    if story.dateline:
        parts.append(f'<p class="dateline">{escape_text(story.dateline)}</p>\n')
    for template, value in ((labels.published, story.published), (labels.updated, story.updated)):
        if value is not None:
            time = _time_element(value, labels, story.date_only)
            parts.append(f'<p class="date">{_fill(template, "date", time)}</p>\n')
    parts.append("</header>\n")
    return "".join(parts)


def _end_matter(story: Story, renderer: _ChapterRenderer, labels: Labels) -> str:
    """Related links, source and rights after the body (nothing the input had is lost)."""
    parts = []
    if story.related:
        parts.append(renderer.related(story.related) + "\n")
    if story.source:
        href = renderer.link_url(story.source.url) if story.source.url else ""
        name = escape_text(story.source.name)
        markup = f'<a href="{escape_text(href)}">{name}</a>' if href else name
        parts.append(f'<p class="source">{_fill(labels.source, "name", markup)}</p>\n')
    if story.rights:
        parts.append(f'<p class="rights">{escape_text(story.rights)}</p>\n')
    return "".join(parts)


def _chapter(story: Story, number: int, book_images: _BookImages, options: ExportOptions) -> tuple[_Chapter, bytes]:
    """A story's chapter as XHTML, in the story's language and direction, with what the navigation needs."""
    labels = labels_for(story.language)
    renderer = _ChapterRenderer(book_images, _link_url(story.url or options.base_url), labels)
    body = renderer.render(story.body)
    xhtml = (_xhtml_head(story.language, story.headline)
             + '<body>\n<section class="story" epub:type="chapter">\n' + _title_block(story, labels) + body
             + ("\n" if body else "") + _end_matter(story, renderer, labels) + "</section>\n</body>\n</html>\n")
    return _Chapter(number, story.headline, tuple(renderer.headings), story.language), xhtml.encode("utf-8")


def _xhtml_head(language: str, title: str) -> str:
    """An XHTML page's start, up to ``<body>``: its language, its writing direction and its title."""
    return _XHTML_HEAD.format(lang=escape_text(language), dir=direction(language), title=escape_text(title))


def _section_page(section: _Section, language: str) -> bytes:
    name = escape_text(section.name or "")
    return (_xhtml_head(language, section.name or "")
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


def _cover(only_story: Story | None, info: _BookInfo, lead: _Lead, book_images: _BookImages) -> _Cover:
    """A single story's lead photo; else (and for editions) a typographic cover with the title and the
    newest story's date."""
    alt = info.labels.cover_alt.format(title=info.title)
    if only_story is not None:
        for figure in only_story.figures:
            photo = book_images.add(figure.image) if figure.image is not None else None
            if photo is not None:  # already in the book: the chapter used it
                return _Cover(photo.item_id, photo.href, None, alt)
    return _Cover("cover-image", "images/cover.png", _drawn_cover(info, lead.date, book_images.resolver), alt)


def _drawn_cover(info: _BookInfo, date: datetime | None, images: ImageResolver) -> bytes:
    """The typographic cover's PNG. An edition's is kept in the image cache under the words it is drawn from
    (and Pillow's version, whose built-in font draws them): the edition is written again at every change of
    any story, its title and newest date seldom change, and drawing it would load Pillow for nothing."""
    def draw() -> bytes:
        return _typographic_cover(*_cover_words(info.title, info.labels, date))

    if not info.edition:
        return draw()
    import PIL  # its version only (PIL.Image, the heavy part, loads when a cover is drawn)

    day = (info.labels.day(date), date.date().isoformat()) if date is not None else None
    return images.drawn("edition-cover", repr((PIL.__version__, info.title, day)), draw)


def _cover_words(title: str, labels: Labels, date: datetime | None) -> tuple[str, str]:
    """What the drawn cover shows: the title and the date in the book's words, each only if Pillow's
    built-in font has every letter of it (else no title, and an ISO date).

    The built-in font is the one every machine has, so the cover's bytes do
    not depend on the fonts installed; it covers basic Latin only. A title
    in Arabic, Chinese, Cyrillic or with accents would be drawn as empty
    boxes, so such a cover is language-neutral: a rule and the date in
    digits. The title is still the cover page's text alternative.
    """
    if date is None:
        date_text = ""
    else:
        date_text = labels.day(date) if _drawable(labels.day(date)) else date.date().isoformat()
    return (title if _drawable(title) else ""), date_text


def _drawable(text: str) -> bool:
    """Whether Pillow's built-in font draws every character of ``text`` (none falls back to its empty box)."""
    return all(character.isspace() or _has_glyph(character) for character in text)


@lru_cache(maxsize=4096)
def _has_glyph(character: str) -> bool:
    font = _font(44)
    return _mask(font, character) != _mask(font, "\ue000")  # a private-use character: surely the empty box


@lru_cache(maxsize=4)
def _font(size: int) -> Any:
    """Pillow's built-in font at ``size`` px (loaded once: it is parsed from an embedded file each time)."""
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _mask(font: Any, text: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(text)
    return mask.size, bytes(mask)


@lru_cache(maxsize=64)
def _typographic_cover(title: str, date_text: str) -> bytes:
    """A plain cover drawn with Pillow's built-in font: the title, a rule and the date (greyscale PNG)."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    width, height, margin = 600, 900, 50
    cover = PILImage.new("L", (width, height), 255)
    draw = ImageDraw.Draw(cover)
    title_font = _font(44)
    date_font = _font(26)
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


def _cover_page(cover: _Cover, info: _BookInfo) -> bytes:
    return (_xhtml_head(info.language, info.labels.cover.format(title=info.title))
            + '<body class="cover">\n<section class="cover" epub:type="cover">\n'
            + f'<img src="{cover.href}" alt="{escape_text(cover.alt)}"/>\n</section>\n</body>\n</html>\n').encode("utf-8")


# ---------------------------------------------------------------- navigation


class _TocEntry(NamedTuple):
    """One entry of the table of contents, with its children (made as they are read)."""

    label: str
    href: str
    children: Iterable[_TocEntry]
    language: str | None  # a story's (its subheadings' too); None: the book's own (a section)


def _toc(sections: list[_Section]) -> Iterator[_TocEntry]:
    """The table of contents as a tree: sections, stories, subheadings.

    Made as it is read (each document walks a fresh one), so no second copy
    of the edition's navigation is ever held.
    """
    def story_entry(chapter: _Chapter) -> _TocEntry:
        subheadings = (_TocEntry(text, f"{chapter.href}#{anchor}", (), chapter.language)
                       for anchor, text in chapter.anchored_headings())
        return _TocEntry(chapter.headline, chapter.href, subheadings, chapter.language)

    for section in sections:
        stories = (story_entry(c) for c in section.chapters)
        if section.name is None:
            yield from stories
        else:
            yield _TocEntry(section.name, section.href or "", stories, None)


def _toc_depth(sections: list[_Section]) -> int:
    """How many levels the table of contents has: sections (when named), stories, subheadings (when any)."""
    named = any(section.name is not None for section in sections)
    subheadings = any(chapter.headings for section in sections for chapter in section.chapters)
    return 1 + named + subheadings


def _language_attributes(language: str | None, *, xml_only: bool = False) -> str:
    """``lang``, ``xml:lang`` and ``dir`` of an entry in its story's language ("" for the book's own)."""
    if language is None:
        return ""
    lang = escape_text(language)
    html_lang = "" if xml_only else f' lang="{lang}"'
    return f'{html_lang} xml:lang="{lang}" dir="{direction(language)}"'


def _nav_ol(entries: Iterable[_TocEntry], inherited: str | None = None) -> Iterator[str]:
    """Nested ``<ol>`` lists of links (none at all for an entry without children); a story's entry carries
    its language, which its subheadings' entries inherit."""
    opened = False
    for entry in entries:
        if not opened:
            opened = True
            yield "<ol>"
        own = entry.language if entry.language != inherited else None
        yield (f'<li{_language_attributes(own)}>'
               f'<a href="{escape_text(entry.href)}">{escape_text(entry.label)}</a>')
        yield from _nav_ol(entry.children, entry.language or inherited)
        yield "</li>"
    if opened:
        yield "</ol>"


def _nav_document(sections: list[_Section], info: _BookInfo) -> Iterator[str]:
    """The EPUB 3 navigation document: the table of contents and the landmarks, in the book's language."""
    labels = info.labels
    contents = escape_text(labels.contents.format(title=info.title))
    first_href = sections[0].href or sections[0].chapters[0].href
    landmarks = [f'<li><a epub:type="cover" href="cover.xhtml">{escape_text(labels.cover.format(title=info.title))}'
                 '</a></li>']
    if info.edition:  # the contents page is in the reading order only in an edition
        landmarks.append(f'<li><a epub:type="toc" href="nav.xhtml#toc">{contents}</a></li>')
    landmarks.append(f'<li><a epub:type="bodymatter" href="{first_href}">{escape_text(labels.start)}</a></li>')
    yield _xhtml_head(info.language, info.title) + "<body>\n"
    yield f'<nav epub:type="toc" id="toc" role="doc-toc">\n<h1>{contents}</h1>\n'
    yield from _nav_ol(_toc(sections))
    yield ('\n</nav>\n<nav epub:type="landmarks" id="landmarks" hidden="hidden">\n'
           f'<h2>{escape_text(labels.landmarks)}</h2>\n<ol>{"".join(landmarks)}</ol>\n</nav>\n</body>\n</html>\n')


def _nav_points(entries: Iterable[_TocEntry], numbers: Iterator[int]) -> Iterator[str]:
    """NCX ``navPoint`` elements, numbered in pre-order: a point comes before its children."""
    for entry in entries:
        number = next(numbers)
        yield (f'<navPoint id="nav-{number}" playOrder="{number}">'
               f'<navLabel{_language_attributes(entry.language, xml_only=True)}><text>{escape_text(entry.label)}'
               f'</text></navLabel><content src="{escape_text(entry.href)}"/>')
        yield from _nav_points(entry.children, numbers)
        yield "</navPoint>"


def _ncx(sections: list[_Section], info: _BookInfo) -> Iterator[str]:
    """The EPUB 2 table of contents (toc.ncx) for readers that do not read the navigation document."""
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"'
           f'{_language_attributes(info.language, xml_only=True)}>\n'
           f'<head><meta name="dtb:uid" content="{escape_text(info.identifier)}"/>'
           f'<meta name="dtb:depth" content="{_toc_depth(sections)}"/>'
           '<meta name="dtb:totalPageCount" content="0"/><meta name="dtb:maxPageNumber" content="0"/></head>\n'
           f"<docTitle><text>{escape_text(info.title)}</text></docTitle>\n<navMap>")
    yield from _nav_points(_toc(sections), itertools.count(1))
    yield "</navMap>\n</ncx>\n"


# ---------------------------------------------------------------- package document


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v and v.strip()))


def _metadata(facts: _BookFacts, info: _BookInfo, options: ExportOptions, cover: _Cover, animated: bool) -> str:
    """The package document's metadata: Dublin Core, dates, accessibility and the EPUB 2 cover.

    A single story's book is described by the story (its by-lines, source,
    rights, subjects, summary); an edition by the options alone (``author``
    as its publisher, ``rights`` when the options have it) and its sections.
    """
    story = facts.only_story
    if story is None:
        creators: list[str] = []
        subjects = list(facts.first_subjects)
        date = facts.latest
        publishers = _unique([options.publication_name or ""])
        rights = _unique([options.rights or ""])
    else:
        creators = _unique(b.name for b in story.bylines)
        subjects = _unique([s.name for s in story.subjects] + list(story.keywords))
        date = story.published or story.date
        publishers = _unique([story.source.name if story.source else ""])
        rights = _unique([story.rights or ""])
    out = [f'<dc:identifier id="uid">{escape_text(info.identifier)}</dc:identifier>',
           f"<dc:title>{escape_text(info.title)}</dc:title>",
           f"<dc:language>{escape_text(info.language)}</dc:language>"]
    for n, name in enumerate(creators, 1):
        out.append(f'<dc:creator id="creator-{n}">{escape_text(name)}</dc:creator>')
        out.append(f'<meta refines="#creator-{n}" property="role" scheme="marc:relators">aut</meta>')
    if date is not None:
        out.append(f"<dc:date>{_utc(date)}</dc:date>")
    out += [f"<dc:publisher>{escape_text(p)}</dc:publisher>" for p in publishers]
    out += [f"<dc:rights>{escape_text(r)}</dc:rights>" for r in rights]
    out += [f"<dc:subject>{escape_text(s)}</dc:subject>" for s in subjects]
    if story is not None and story.summary.strip():
        out.append(f"<dc:description>{escape_text(story.summary)}</dc:description>")
    if facts.modified is not None:  # always, by the time the book is finished
        out.append(f'<meta property="dcterms:modified">{_utc(facts.modified)}</meta>')
    out += _accessibility(info, facts.all_alt, animated)
    out.append(f'<meta name="cover" content="{cover.item_id}"/>')
    return "\n".join(out)


def _accessibility(info: _BookInfo, all_alt: bool, animated: bool) -> list[str]:
    """schema.org accessibility metadata (EPUB Accessibility 1.1): what the book offers readers.

    A moving picture (an animated GIF) may flash, and nothing here can tell,
    so such a book declares its hazards ``unknown`` rather than ``none``. The
    summary is in the book's language (English, marked as such, for a
    language without words of its own).
    """
    features = ["structuralNavigation", *(["alternativeText"] if all_alt else []), "tableOfContents", "readingOrder"]
    summary, summary_language = accessibility_summary(info.labels, all_alt=all_alt, moving=animated)
    marked = "" if summary_language == info.labels.language else f' xml:lang="{summary_language}"'
    lines = ['<meta property="schema:accessMode">textual</meta>', '<meta property="schema:accessMode">visual</meta>',
             '<meta property="schema:accessModeSufficient">textual,visual</meta>']
    if all_alt:  # the text alone carries everything only when no photo lacks a description
        lines.append('<meta property="schema:accessModeSufficient">textual</meta>')
    lines += [f'<meta property="schema:accessibilityFeature">{f}</meta>' for f in features]
    lines += [f'<meta property="schema:accessibilityHazard">{"unknown" if animated else "none"}</meta>',
              f'<meta property="schema:accessibilitySummary"{marked}>{escape_text(summary)}</meta>']
    return lines


def _package(metadata: str, manifest: Iterable[tuple[str, str, str, str]], spine: Iterable[str],
             language: str) -> Iterator[str]:
    """The package document (content.opf): metadata, every file of the book and the reading order."""
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" '
           f'xml:lang="{escape_text(language)}">\n'
           f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n{metadata}\n</metadata>\n<manifest>')
    for item_id, href, media_type, properties in manifest:
        extra = f' properties="{properties}"' if properties else ""
        yield f'\n<item id="{item_id}" href="{href}" media-type="{media_type}"{extra}/>'
    yield f'\n</manifest>\n<spine toc="ncx" page-progression-direction="{direction(language)}">'
    for item_id in spine:
        yield f'\n<itemref idref="{item_id}"/>'
    yield "\n</spine>\n</package>\n"


# ---------------------------------------------------------------- assembly


@lru_cache(maxsize=1)
def _stylesheet() -> bytes:
    return (files("syndicate") / "epub.css").read_bytes()


def _content_files(sections: list[_Section]) -> Iterator[str]:
    """The section pages and chapters, in reading order."""
    for section in sections:
        if section.href:
            yield section.href
        for chapter in section.chapters:
            yield chapter.href


def _manifest(sections: list[_Section], photos: list[_Photo], cover: _Cover) -> Iterator[tuple[str, str, str, str]]:
    """Every file of the book as (id, href, media type, properties), in a fixed order."""
    yield ("nav", "nav.xhtml", "application/xhtml+xml", "nav")
    yield ("ncx", "toc.ncx", "application/x-dtbncx+xml", "")
    yield ("css", "style.css", "text/css", "")
    yield ("cover", "cover.xhtml", "application/xhtml+xml", "")
    for href in _content_files(sections):
        yield (href.removesuffix(".xhtml"), href, "application/xhtml+xml", "")
    for photo in photos:
        yield (photo.item_id, photo.href, photo.media_type, "cover-image" if photo.item_id == cover.item_id else "")
    if cover.drawn is not None:
        yield (cover.item_id, cover.href, "image/png", "cover-image")


def _spine(sections: list[_Section], edition: bool) -> Iterator[str]:
    """The reading order by manifest id: cover, contents page (editions), then sections and chapters."""
    yield "cover"
    if edition:
        yield "nav"
    for href in _content_files(sections):
        yield href.removesuffix(".xhtml")
