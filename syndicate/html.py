"""The one block-to-HTML renderer and sanitiser every exporter shares.

:class:`HtmlRenderer` dispatches each block to the method named after its
``type`` (``paragraph``, ``heading``, ``figure``, ``quote``, ``list``), so a
new block type is one method here. Its output is well-formed XHTML as well
as HTML (every element closed, ``<img/>`` self-closed, text escaped), so feeds,
NewsML-G2 ``inlineXML``, ninjs ``body_html`` and EPUB chapters all use it.

URL safety lives in :func:`safe_url` (an allow-list of schemes) and every
link and image goes through it; HTML that arrives from an input goes through
:func:`sanitize_html` before it is parsed into blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar
from urllib.parse import quote, urljoin, urlsplit

from .model import (
    Block,
    Figure,
    Heading,
    Image,
    ListBlock,
    Mark,
    Paragraph,
    Quote,
    Related,
    Story,
)
from .patterns import LazyPattern

__all__ = [
    "HtmlRenderer", "render_body", "safe_url", "sanitize_html", "xml_safe", "escape_text",
    "public_link", "photo_link", "is_web_url", "IMAGES_FOLDER",
]

#: Where a build publishes local image files, under the output folder (``output/images/<src>``).
IMAGES_FOLDER = "images"

# Characters XML 1.0 cannot carry (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF).
_XML_INVALID = LazyPattern("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # most text never needs it
_SAFE_SCHEMES = ("http", "https", "mailto", "tel", "ftp")
_SCHEME = LazyPattern(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_IGNORED_IN_SCHEME = LazyPattern(r"[\x00-\x20\x7f]")
# An absolute http(s) URL that urljoin and the scheme check would return unchanged (no controls, no IPv6
# brackets to validate, lowercase scheme), so :func:`public_link` can skip both.
_ABSOLUTE_WEB = LazyPattern(r"\s*https?://[^\x00-\x20\x7f\[\]]+\s*\Z")

ImageUrl = Callable[[Image], "str | None"]


#: The whitespace ``str.split`` drops that XML 1.0 cannot carry (the rest, tab, line ends and spaces, it can).
_INVALID_SPACES = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def xml_safe(text: str) -> str:
    """Remove the characters XML 1.0 cannot carry, keeping everything else."""
    if text.isprintable() or _printable_but_spaces(text):  # the common cases, checked in C
        return text
    return _XML_INVALID.sub("", text)


def _printable_but_spaces(text: str) -> bool:
    """True when ``text`` holds nothing but printable characters and whitespace XML can carry (a whole story,
    with its line ends: no control, surrogate or non-character among them, so nothing to remove)."""
    return "".join(text.split()).isprintable() and not any(space in text for space in _INVALID_SPACES)


def escape_text(text: str) -> str:
    """Escape text for an HTML/XML text node or attribute, dropping XML-invalid characters.

    The same as ``html.escape(xml_safe(text), quote=True)``, in one call: it runs for every piece of text
    of every body a feed renders, so each character is looked for (``in``, no method call) before it is
    replaced, and most texts need few replacements or none.
    """
    if not text.isprintable():
        text = xml_safe(text)
    if "&" in text:  # first, so the references written below are not escaped again
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "'" in text:
        text = text.replace("'", "&#x27;")
    return text


def safe_url(url: str | None) -> str | None:
    """Return ``url`` if its scheme is allowed (http, https, mailto, tel, ftp, or relative), else None."""
    if url is None:
        return None
    if _ABSOLUTE_WEB.match(url):  # most links: http(s), nothing a browser would ignore before the scheme
        return xml_safe(url.strip())
    cleaned = _IGNORED_IN_SCHEME.sub("", url)  # browsers ignore these inside a scheme
    match = _SCHEME.match(cleaned)
    if match and match.group(1).lower() not in _SAFE_SCHEMES:
        return None
    return xml_safe(url.strip()) or None


def public_link(href: str | None, base_url: str | None) -> str | None:
    """``href`` made absolute against ``base_url``, if it is safe; None when it is unsafe or can only stay relative.

    Feeds, books and wire formats are read far from where they were made, so
    a link that is still relative after joining has nothing to point to.
    """
    if not href:
        return None
    if _ABSOLUTE_WEB.match(href):  # most links: already absolute and safe, so joining would change nothing
        return xml_safe(href.strip())
    try:
        url = urljoin(base_url, href.strip()) if base_url else href.strip()
        absolute = bool(urlsplit(url).scheme)
    except ValueError:  # e.g. a malformed IPv6 host: not a link anyone can follow
        return None
    return safe_url(url) if absolute else None


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host and no white space: what a story's ``url`` and a remote
    photo may be, and ``base_url`` and ``feed_url`` must be (feed readers follow them; a build fetches them)."""
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed host or port
        return False


def photo_link(image: Image, base_url: str | None, location: str | None) -> str | None:
    """Where a file links a photo as the build publishes it (``images/<name>`` under the output folder).

    A remote photo is linked where it is. A local one is absolute against
    ``base_url`` when there is one; else relative from ``location``, the folder
    of the linking file under the output folder (``"newsml/"`` gives
    ``../images/<name>``); else (a file on its own, whose photos are not
    published beside it) None: there is nothing the link could point at.
    """
    if image.is_remote:
        return safe_url(image.src)
    path = f"{IMAGES_FOLDER}/{quote(image.src)}"
    if base_url:
        # a base URL is a folder (ExportOptions ends it with "/"): joining a relative path is appending it
        return base_url + path if base_url.endswith("/") and not ("?" in base_url or "#" in base_url) \
            else urljoin(base_url, path)
    if location is None:
        return None
    return "../" * location.count("/") + path


_ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "a", "em", "i", "strong", "b", "u", "s", "sub", "sup", "code",
    "blockquote", "q", "cite", "ul", "ol", "li", "figure", "figcaption", "img", "span", "small", "abbr",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "abbr": {"title"}}


def sanitize_html(fragment: str) -> str:
    """Clean HTML from an input: no script/style, no event handlers, only safe URL schemes."""
    import nh3  # the sanitiser loads with the first HTML fragment, not with every reader of links

    return nh3.clean(
        xml_safe(fragment),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=set(_SAFE_SCHEMES),
        link_rel=None,
    )


class HtmlRenderer:
    """Render story blocks to XHTML-compatible HTML, one method per block type.

    ``photo`` maps a figure's :class:`Image` to the image the output has
    (for linking formats, the published file: its name, type and size), or
    None; ``image_url`` maps that to the URL the output should use (absolute
    for feeds, relative for NewsML-G2, a path inside the book for EPUB), or
    None when the picture is not available there. Either way the figure then
    keeps its caption and credit without an ``<img>``.
    """

    #: Order in which overlapping inline marks nest (outermost first).
    MARK_ORDER: ClassVar[dict[str, int]] = {"link": 0, "strong": 1, "emphasis": 2}
    MARK_TAGS: ClassVar[dict[str, str]] = {"link": "a", "strong": "strong", "emphasis": "em"}
    #: Heading of the related links (a book sets it in the story's language).
    related_heading: str = "Also see"

    def __init__(self, image_url: ImageUrl | None = None, *, link_url: Callable[[str], str] | None = None,
                 photo: Callable[[Image], Image | None] | None = None) -> None:
        self.image_url = image_url or (lambda image: safe_url(image.src))
        self.link_url = link_url or (lambda href: href)
        # The photo as the output has it (published: normalised path, type and size), None when it has none.
        self.photo = photo or (lambda image: image)

    # -- whole bodies

    def render(self, blocks: Iterable[Block]) -> str:
        """Render blocks in order, one per line."""
        return "\n".join([getattr(self, b.type)(b) for b in blocks])  # what block() does, a call less per block

    def block(self, block: Block) -> str:
        """Render one block by dispatching on its type."""
        method: Callable[[Block], str] = getattr(self, block.type)
        return method(block)

    # -- one method per block type

    def paragraph(self, block: Paragraph) -> str:
        return f"<p>{self.inline(block.text, block.marks) if block.marks else escape_text(block.text)}</p>"

    def heading(self, block: Heading) -> str:
        return f"<h{block.level}>{escape_text(block.text)}</h{block.level}>"

    def quote(self, block: Quote) -> str:
        attribution = f"<footer>{escape_text(block.attribution)}</footer>" if block.attribution else ""
        return f"<blockquote><p>{escape_text(block.text)}</p>{attribution}</blockquote>"

    def list(self, block: ListBlock) -> str:
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"<li>{escape_text(item)}</li>" for item in block.items)
        start = f' start="{block.start}"' if block.start != 1 else ""
        return f"<{tag}{start}>{items}</{tag}>"

    def figure(self, block: Figure) -> str:
        parts = ["<figure>"]
        image = self.photo(block.image) if block.image is not None else None
        src = self.image_url(image) if image is not None else None
        if src and image is not None:
            parts.append(self.img(src, block) if image is block.image else self.published_img(src, block, image))
        caption = self.figcaption(block)
        if caption:
            parts.append(caption)
        parts.append("</figure>")
        return "".join(parts)

    # -- the story around the body, for formats with no fields of their own for it (feeds)

    def article(self, story: Story) -> str:
        """Deck, dateline, body and related links: the whole story as one HTML document body."""
        parts = [self.deck(story), self.dateline(story), self.render(story.body), self.related(story.related)]
        return "\n".join(part for part in parts if part)

    def deck(self, story: Story) -> str:
        return f'<p class="deck"><strong>{escape_text(story.subheadline)}</strong></p>' if story.subheadline else ""

    def dateline(self, story: Story) -> str:
        return f'<p class="dateline">{escape_text(story.dateline)}</p>' if story.dateline else ""

    def related(self, items: Iterable[Related]) -> str:
        """``Also see`` links (a title without a URL stays as text)."""
        entries = []
        for item in items:
            href = safe_url(self.link_url(item.url)) if item.url else None
            title = escape_text(item.title)
            entries.append(f'<li><a href="{escape_text(href)}">{title}</a></li>' if href else f"<li>{title}</li>")
        if not entries:
            return ""
        return f'<section class="related"><h2>{escape_text(self.related_heading)}</h2><ul>{"".join(entries)}</ul></section>'

    # -- pieces

    def img(self, src: str, block: Figure) -> str:
        """The ``<img/>`` of a figure; alt falls back to the caption so it is never missing."""
        return self.published_img(src, block, block.image)

    def published_img(self, src: str, block: Figure, image: Image | None) -> str:
        """The ``<img/>`` of a figure showing ``image`` (the photo as the output has it, with its size)."""
        alt = block.alt if block.alt is not None else block.caption
        size = ""
        if image is not None and image.width and image.height:
            size = f' width="{image.width}" height="{image.height}"'
        return f'<img src="{escape_text(src)}" alt="{escape_text(alt)}"{size}/>'

    def figcaption(self, block: Figure) -> str:
        """Caption and credit, the credit in its own ``span.credit``."""
        inner = []
        if block.caption:
            inner.append(f'<span class="caption">{escape_text(block.caption)}</span>')
        if block.credit:
            inner.append(f'<span class="credit">{escape_text(block.credit)}</span>')
        return f"<figcaption>{' '.join(inner)}</figcaption>" if inner else ""

    def inline(self, text: str, marks: tuple[Mark, ...]) -> str:
        """Escape ``text`` and wrap the marked ranges, nesting overlapping marks properly."""
        if not marks:
            return escape_text(text)
        if len(marks) == 1 and 0 <= marks[0].start < marks[0].end <= len(text):  # the usual case: one link
            return self.side_by_side(text, marks)
        ordered = sorted(marks, key=lambda m: (m.start, -m.end))
        if all(0 <= a.start < a.end <= b.start for a, b in zip(ordered, ordered[1:])) and \
                0 <= ordered[-1].start < ordered[-1].end <= len(text):
            return self.side_by_side(text, ordered)
        cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
        out: list[str] = []
        open_marks: list[Mark] = []
        for start, end in zip(cuts, cuts[1:]):
            wanted = sorted((m for m in marks if m.start <= start and end <= m.end),
                            key=lambda m: (self.MARK_ORDER[m.kind], m.start, -m.end))
            keep = 0
            while keep < len(open_marks) and keep < len(wanted) and open_marks[keep] is wanted[keep]:
                keep += 1
            for mark in reversed(open_marks[keep:]):
                out.append(f"</{self.MARK_TAGS[mark.kind]}>")
            del open_marks[keep:]
            for mark in wanted[keep:]:
                out.append(self.open_mark(mark))
                open_marks.append(mark)
            out.append(escape_text(text[start:end]))
        out.extend(f"</{self.MARK_TAGS[m.kind]}>" for m in reversed(open_marks))
        return "".join(out)

    def side_by_side(self, text: str, marks: Sequence[Mark]) -> str:
        """:meth:`inline` for marks that do not overlap (the usual case), in order: the same output, in one pass."""
        out: list[str] = []
        position = 0
        for mark in marks:
            start, end = mark.start, mark.end
            out.append(f"{escape_text(text[position:start])}{self.open_mark(mark)}{escape_text(text[start:end])}"
                       f"</{self.MARK_TAGS[mark.kind]}>")
            position = end
        out.append(escape_text(text[position:]))
        return "".join(out)

    def open_mark(self, mark: Mark) -> str:
        if mark.kind != "link":
            return f"<{self.MARK_TAGS[mark.kind]}>"
        href = safe_url(self.link_url(mark.href or ""))
        return f'<a href="{escape_text(href)}">' if href else "<a>"


def render_body(story: Story, image_url: ImageUrl | None = None, *, link_url: Callable[[str], str] | None = None) -> str:
    """The story's whole body as HTML, with the default renderer."""
    return HtmlRenderer(image_url, link_url=link_url).render(story.body)
