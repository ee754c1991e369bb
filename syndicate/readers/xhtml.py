"""The one HTML/XHTML walker that turns markup into story blocks, shared by the NewsML-G2 and HTML readers.

:class:`BlockWalker` reads an element (a NewsML-G2 ``inlineXML`` body, a
NITF body, or the article container of a web page) into paragraphs,
headings, quotes, lists and figures in reading order, with links and
emphasis as :class:`~syndicate.model.Mark` ranges. Text that sits loose in a
container (``<div>text <a>link</a> text<br>text</div>``) is gathered into
paragraphs the way a browser shows it, a ``<br>`` ending one. The HTML
reader subclasses it to drop page furniture, resolve relative links and
choose the best image of a ``srcset``; the hooks are :meth:`skip`,
:meth:`href`, :meth:`image_of` and :meth:`figure`.

Nothing here parses: callers hand over an element tree that was parsed
safely. Depth is bounded by :data:`MAX_DEPTH` (an :class:`InputError`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, cast

from lxml import etree

from ..errors import InputError
from ..html import safe_url, xml_safe
from ..model import Block, Figure, Heading, Image, ListBlock, Mark, MarkKind, Paragraph, Quote

__all__ = ["BlockWalker", "MAX_DEPTH", "local_name", "collapse", "text_of", "text_length", "positive_int", "XML_SPACE"]

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
#: Deepest element nesting the walker follows (libxml2 already stops at 256 without huge_tree).
MAX_DEPTH = 200

_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_HEADING = re.compile(r"h[1-6]|hl[12]")

#: An active mark while walking: (identity of its element, kind, href).
_Active = tuple[tuple[int, str, "str | None"], ...]


def local_name(element: Any) -> str:
    """An element's local name, lowercased; '' for comments and processing instructions."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def collapse(text: str) -> str:
    """Text with runs of HTML white space made one space, XML-invalid characters removed, ends trimmed."""
    return _HTML_SPACE.sub(" ", xml_safe(text)).strip(" ")


def text_of(element: etree._Element) -> str:
    """All the text inside an element, white space collapsed."""
    return collapse("".join(element.itertext()))


def text_length(element: etree._Element) -> int:
    """How many characters :func:`text_of` would give, counted without building that text (fast)."""
    words = "".join(element.itertext()).split()
    return sum(map(len, words)) + max(len(words) - 1, 0)


def positive_int(value: str | None) -> int | None:
    """``value`` as a positive integer (``"640"``, ``" 640px"`` is not), else None."""
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if number > 0 else None


class _Run:
    """The text of one paragraph in segments, each with the marks over it; white space as HTML or exact."""

    def __init__(self, preserve: bool) -> None:
        self.preserve = preserve
        self.parts: list[str] = []
        self.length = 0
        self.after_space = True  # a paragraph never starts with a space
        self.spans: dict[tuple[int, str, str | None], list[list[int]]] = {}

    def add(self, text: str, active: _Active) -> None:
        text = xml_safe(text)
        if not self.preserve:
            text = _HTML_SPACE.sub(" ", text)
            if self.after_space and text.startswith(" "):
                text = text[1:]
        if not text:
            return
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        self.after_space = text.endswith(" ")
        for key in active:
            ranges = self.spans.setdefault(key, [])
            if ranges and ranges[-1][1] == start:
                ranges[-1][1] = self.length
            else:
                ranges.append([start, self.length])

    def finish(self) -> tuple[str, tuple[Mark, ...]]:
        text = "".join(self.parts)
        if not self.preserve:
            text = text.rstrip(" ")
        found = {(s, min(e, len(text)), kind, href)
                 for (_, kind, href), ranges in self.spans.items() for s, e in ranges if s < min(e, len(text))}
        marks = tuple(Mark(s, e, cast(MarkKind, kind), href) for s, e, kind, href in sorted(found, key=lambda m: (m[0], m[1], m[2])))
        return text, marks

    def clear(self) -> None:
        self.__init__(self.preserve)  # type: ignore[misc]


class BlockWalker:
    """Markup to blocks. Subclasses change what is skipped, how links and images resolve, what a figure is."""

    MARK_TAGS: ClassVar[dict[str, str]] = {"a": "link", "em": "emphasis", "i": "emphasis", "strong": "strong", "b": "strong"}
    DROP: ClassVar[frozenset[str]] = frozenset({
        "script", "style", "iframe", "object", "embed", "noscript", "template", "head", "title", "body.head",
        "body.end", "nav", "form", "button", "input", "select", "textarea", "svg", "math", "frame", "frameset",
        "applet", "meta", "link", "base", "audio", "video", "canvas", "map", "dialog"})
    CONTAINERS: ClassVar[frozenset[str]] = frozenset({
        "html", "body", "div", "section", "article", "main", "body.content", "block", "header", "footer",
        "nitf", "aside", "center"})
    BLOCK_NAMES: ClassVar[frozenset[str]] = frozenset({
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "hl1", "hl2", "blockquote", "bq", "ul", "ol", "dl", "figure",
        "img", "media", "table", "pre", "hr", "li", "tr", "td", "picture", "figcaption", "address"}) | CONTAINERS
    #: Inline elements whose text joins the surrounding paragraph (when they hold no block).
    INLINE: ClassVar[frozenset[str]] = frozenset({
        "a", "em", "i", "strong", "b", "u", "s", "span", "small", "sub", "sup", "abbr", "cite", "q", "code", "time",
        "mark", "font", "label", "big", "tt", "var", "kbd", "samp", "dfn", "ins", "del", "strike", "bdi", "bdo",
        "wbr", "nobr", "acronym", "data"})

    def __init__(self, preserve: bool = False) -> None:
        self.preserve = preserve

    # -- hooks

    def skip(self, element: etree._Element, name: str) -> bool:
        """True when ``element`` (named ``name``) and everything inside it is left out."""
        return name in self.DROP

    def href(self, raw: str | None) -> str | None:
        """A link's target as the story keeps it, or None for a link that is dropped (unsafe scheme)."""
        return safe_url(raw)

    def image_of(self, img: etree._Element) -> Image | None:
        """The picture an ``<img>`` (or NITF ``media-reference``) shows, or None."""
        src = safe_url(img.get("src") or img.get("source") or img.get("href"))
        if not src:
            return None
        return Image(src, img.get("contenttype") or img.get("mime-type") or None,
                     positive_int(img.get("width")), positive_int(img.get("height")))

    def figure(self, element: etree._Element, preserve: bool) -> Iterator[Block]:
        """A ``<figure>``: its image, its caption and credit (``<span class=caption|credit>``), its alt."""
        img = next((e for e in element.iter() if local_name(e) == "img"), None)
        image = self.image_of(img) if img is not None else None
        caption, credit = "", None
        figcaption = next((e for e in element if local_name(e) == "figcaption"), None)
        if figcaption is not None:
            spans = {c.get("class"): c for c in figcaption if local_name(c) == "span" and c.get("class") in ("caption", "credit")}
            if spans:
                caption = self.plain(spans["caption"], preserve) if "caption" in spans else ""
                credit = self.plain(spans["credit"], preserve) if "credit" in spans else None
            else:
                caption = self.plain(figcaption, preserve)
        alt = img.get("alt") if img is not None else None
        if caption.strip() or credit or image is not None:
            yield Figure(caption if caption.strip() else "", credit or None, None if alt == caption else alt, image)

    def image_block(self, img: etree._Element) -> Iterator[Block]:
        """An ``<img>`` standing on its own in the body."""
        image = self.image_of(img)
        alt = img.get("alt")
        if image is not None or (alt and alt.strip()):
            yield Figure(caption=alt or "", image=image)

    # -- walking

    def blocks(self, element: etree._Element) -> list[Block]:
        """The blocks inside ``element``, in reading order."""
        return list(self._container(element, self.preserve, 0))

    def preserves(self, element: etree._Element, inherited: bool) -> bool:
        """Whether white space is kept exactly under ``element`` (``xml:space="preserve"``)."""
        value = element.get(XML_SPACE)
        return inherited if value is None else value == "preserve"

    def inline(self, element: etree._Element, preserve: bool, *, skip: frozenset[str] = frozenset()) -> tuple[str, tuple[Mark, ...]]:
        """The text of an element with its links and emphasis as marks."""
        run = _Run(self.preserves(element, preserve))
        if element.text:
            run.add(element.text, ())
        for child in element:
            self._add_inline(run, child, (), 0, skip)
        return run.finish()

    def plain(self, element: etree._Element, preserve: bool, *, skip: frozenset[str] = frozenset()) -> str:
        """The text of an element, white space collapsed (unless preserved), no marks."""
        return self.inline(element, preserve, skip=skip)[0]

    def _add_inline(self, run: _Run, node: etree._Element, active: _Active, depth: int,
                    skip: frozenset[str] = frozenset()) -> None:
        """Add ``node`` (and its tail) to ``run``."""
        name = local_name(node)
        if depth <= MAX_DEPTH and name and name not in skip and not self.skip(node, name):
            if name == "br":
                run.add("\n" if run.preserve else " ", active)
            else:
                inner = active + self._mark_of(node, name)
                if node.text:
                    run.add(node.text, inner)
                for child in node:
                    self._add_inline(run, child, inner, depth + 1, skip)
        if node.tail:
            run.add(node.tail, active)

    def _mark_of(self, element: etree._Element, name: str) -> _Active:
        kind = self.MARK_TAGS.get(name)
        if kind is None:
            return ()
        if kind != "link":
            return ((id(element), kind, None),)
        href = self.href(element.get("href"))
        return ((id(element), "link", href),) if href else ()

    def is_inline(self, element: etree._Element, name: str) -> bool:
        """True for an inline element that holds no block (its text joins the paragraph around it)."""
        if name not in self.INLINE:
            return False
        return not any(local_name(d) in self.BLOCK_NAMES for d in element.iterdescendants())

    def _container(self, element: etree._Element, preserve: bool, depth: int) -> Iterator[Block]:
        """A container's blocks: its block children, and the loose inline text between them as paragraphs."""
        if depth > MAX_DEPTH:
            raise InputError(f"body nested deeper than {MAX_DEPTH} levels")
        preserve = self.preserves(element, preserve)
        run = _Run(preserve)
        if element.text:
            run.add(element.text, ())
        for child in element:
            name = local_name(child)
            if not name or self.skip(child, name):
                pass
            elif name == "br":
                yield from self._flush(run)
            elif self.is_inline(child, name):
                self._add_inline(run, child, (), depth + 1)
                continue  # _add_inline took the tail too
            else:
                yield from self._flush(run)
                yield from self.block(child, name, preserve, depth + 1)
            if child.tail:
                run.add(child.tail, ())
        yield from self._flush(run)

    @staticmethod
    def _flush(run: _Run) -> Iterator[Block]:
        text, marks = run.finish()
        run.clear()
        if text.strip():
            yield Paragraph(text, marks)

    def block(self, element: etree._Element, name: str, preserve: bool, depth: int) -> Iterator[Block]:
        """The blocks of one block-level element."""
        preserve = self.preserves(element, preserve)
        if name == "p":
            text, marks = self.inline(element, preserve)
            if text.strip():
                yield Paragraph(text, marks)
            for img in (e for e in element.iter() if local_name(e) == "img"):
                yield from self.image_block(img)  # a photo inside a paragraph is still a photo
        elif _HEADING.fullmatch(name):
            text = self.plain(element, preserve)
            if text.strip():
                level = 2 if name in ("hl1", "hl2") else min(max(int(name[1]), 2), 4)
                yield Heading(text, level)
        elif name in ("blockquote", "bq"):
            yield from self.quote(element, preserve, depth)
        elif name in ("ul", "ol"):
            items = tuple(t for li in element if local_name(li) == "li" and (t := self.plain(li, preserve)).strip())
            if items:
                yield ListBlock(items, ordered=name == "ol", start=list_start(element) if name == "ol" else 1)
        elif name == "figure":
            yield from self.figure(element, preserve)
        elif name == "img":
            yield from self.image_block(element)
        elif name == "media":
            yield from self._nitf_media(element, preserve)
        elif name in self.CONTAINERS or any(local_name(c) in self.BLOCK_NAMES for c in element):
            yield from self._container(element, preserve, depth)
        else:  # an unknown block (table, pre, dl…): keep its text rather than lose it
            text, marks = self.inline(element, preserve)
            if text.strip():
                yield Paragraph(text, marks)

    def quote(self, element: etree._Element, preserve: bool, depth: int) -> Iterator[Block]:
        """A block quotation; a ``<footer>``/``<cite>`` inside it is the attribution."""
        attribution_elements = [c for c in element if local_name(c) in ("footer", "cite", "credit")]
        attribution = " ".join(t for c in attribution_elements if (t := self.plain(c, preserve)).strip()) or None
        paragraphs = [c for c in element if local_name(c) == "p"]
        if paragraphs:
            text = " ".join(t for p in paragraphs if (t := self.plain(p, preserve)).strip())
        else:
            text = self.plain(element, preserve, skip=frozenset({"footer", "cite", "credit"}))
        if text.strip():
            yield Quote(text, attribution)

    def _nitf_media(self, element: etree._Element, preserve: bool) -> Iterator[Block]:
        reference = next((e for e in element if local_name(e) == "media-reference"), None)
        image = self.image_of(reference) if reference is not None else None
        caption = " ".join(self.plain(e, preserve) for e in element if local_name(e) == "media-caption").strip()
        credit = " ".join(self.plain(e, preserve) for e in element if local_name(e) == "media-producer").strip() or None
        if caption or credit or image is not None:
            yield Figure(caption, credit, None, image)


def list_start(element: Any) -> int:
    """The number of a numbered list's first item: its ``start`` attribute when that is a plain number."""
    start = (element.get("start") or "").strip()
    return int(start) if start.isdigit() and len(start) < 9 else 1
