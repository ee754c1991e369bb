"""Read NewsML-G2 (a text ``newsItem``, a ``packageItem`` or a ``newsMessage``) into a Story, safely.

Safety first: a document with a DOCTYPE is refused before it is parsed
(NewsML-G2 uses none, and a DOCTYPE is how entity bombs, external entities
and DTD fetches arrive); the parser never resolves entities, loads a DTD or
touches the network, and keeps libxml2's depth and size limits (no
``huge_tree``), so 100,000 levels of nesting are one clear error. The size
of the input is bounded by :data:`syndicate.readers.MAX_INPUT_BYTES` before
it gets here. Every refusal is an :class:`~syndicate.errors.InputError`
with one line of reason.

What is read: the text item (the one a package's first text ``itemRef``
names, else the first ``ninat:text`` item) gives the story's metadata and
body; the body is XHTML (or NITF) in ``inlineXML``, or plain text / HTML in
``inlineData``. Picture items become figures: one that matches a figure
already in the body (same caption) lends it its rendition; the others are
added after the body in package order. Body text is whitespace-collapsed as
HTML is, except under ``xml:space="preserve"`` (which syndicate's own
exporter writes), where it is taken exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from lxml import etree

from ..errors import InputError
from ..html import safe_url, sanitize_html, xml_safe
from ..iptc import NAR, QCODE_SCHEMES, UNDATED
from ..model import (
    LANGUAGE_TAG,
    Block,
    Byline,
    Figure,
    Image,
    Inferred,
    Paragraph,
    Related,
    Source,
    Story,
    Subject,
)
from .xhtml import MAX_DEPTH, BlockWalker, collapse, positive_int
from .xhtml import local_name as _local
from . import InputFile
from .finish import Draft, read_with

__all__ = ["read", "parse_xml", "MAX_DEPTH"]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_SAFE_PARSER_OPTIONS: dict[str, Any] = dict(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
)
# "<!DOCTYPE" in the encodings an XML document may start in (UTF-8/ASCII-compatible, UTF-16 both ways).
_DOCTYPE_MARKS = (b"<!doctype", "<!doctype".encode("utf-16-le"), "<!doctype".encode("utf-16-be"))


# ---------------------------------------------------------------- safe parsing


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse NewsML-G2 bytes safely, or raise a one-line :class:`InputError` naming ``name``."""
    # The whole input is searched (it is at most MAX_INPUT_BYTES): a long comment must not hide a DOCTYPE.
    # A "<!DOCTYPE" inside CDATA is refused too; NewsML-G2 has no use for one.
    lowered = data.lower()
    if any(mark in lowered for mark in _DOCTYPE_MARKS):
        raise InputError("has a DOCTYPE: refused (NewsML-G2 uses none; entities and DTDs are never loaded)", name)
    parser = etree.XMLParser(**_SAFE_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"not well-formed XML: {_one_line(str(exc))}", name) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise InputError(f"not readable XML: {_one_line(str(exc)) or type(exc).__name__}", name) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InputError("has a DOCTYPE: refused (NewsML-G2 uses none)", name)
    return root


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


# ---------------------------------------------------------------- small XML helpers


def _nar(element: etree._Element, path: str) -> list[etree._Element]:
    """Children along ``a/b`` in the NewsML-G2 namespace."""
    result: list[etree._Element] = element.findall("/".join(f"{{{NAR}}}{step}" for step in path.split("/")))
    return result


def _first(element: etree._Element, path: str) -> etree._Element | None:
    found = _nar(element, path)
    return found[0] if found else None


def _text(element: etree._Element | None) -> str:
    """All text inside a metadata element, whitespace collapsed."""
    if element is None:
        return ""
    return collapse("".join(element.itertext()))


def _first_text(element: etree._Element, path: str) -> str:
    return _text(_first(element, path))


def _item_class(item: etree._Element) -> str:
    found = _first(item, "itemMeta/itemClass")
    return (found.get("qcode") or found.get("uri") or "") if found is not None else ""


# ---------------------------------------------------------------- body blocks (the shared XHTML walker)

#: The body walker: XHTML and NITF bodies, and HTML in inlineData, read by the walker the HTML reader shares.
_WALKER = BlockWalker()


def _blocks(element: etree._Element, preserve: bool) -> list[Block]:
    """The blocks inside a body-like element, in reading order (whitespace exact under ``preserve``)."""
    return BlockWalker(preserve).blocks(element) if preserve else _WALKER.blocks(element)


def _image_of(element: etree._Element) -> Image | None:
    return _WALKER.image_of(element)



# ---------------------------------------------------------------- content sets


def _body_of(item: etree._Element, name: str) -> tuple[list[Block], dict[str, str]]:
    """The text item's body blocks, and what a NITF head told (headline, byline)."""
    content = _first(item, "contentSet")
    if content is None:
        return [], {}
    inline_xml = _nar(content, "inlineXML")
    inline_xml.sort(key=lambda e: 0 if "xhtml" in (e.get("contenttype") or "") else 1)
    for element in inline_xml:
        root = next((c for c in element if isinstance(c.tag, str)), None)
        if root is not None:
            return _blocks(root, False), _nitf_head(root)
    for data in _nar(content, "inlineData"):
        kind = (data.get("contenttype") or "text/plain").lower()
        text = data.text or ""
        if "html" in kind:
            return _html_string_blocks(text, name), {}
        if kind.startswith("text/"):
            return [Paragraph(p) for chunk in re.split(r"\n[ \t]*\n", xml_safe(text))
                    if (p := collapse(chunk))], {}
    return [], {}


def _html_string_blocks(markup: str, name: str) -> list[Block]:
    """Blocks from an HTML string (inlineData text/html): sanitised first, then parsed without network."""
    clean = sanitize_html(markup)
    parser = etree.HTMLParser(no_network=True, recover=True)
    try:
        root = etree.fromstring(f"<html><body>{clean}</body></html>", parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"unreadable HTML in inlineData: {_one_line(str(exc))}", name) from None
    return _blocks(root, False) if root is not None else []


def _nitf_head(root: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in root.iter():
        name = _local(element)
        if name == "hl1" and "headline" not in found:
            found["headline"] = _text(element)
        elif name == "byline" and "byline" not in found:
            found["byline"] = _text(element)
    return {k: v for k, v in found.items() if v}


# ---------------------------------------------------------------- metadata


def _date(item: etree._Element, path: str, name: str, inferred: list[Inferred], field_name: str = "published") -> datetime | None:
    value = _first_text(item, path)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(f"{path.rsplit('/', 1)[-1]} is not an ISO 8601 date-time: {value[:60]!r}", name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
        inferred.append(Inferred(field_name, parsed.isoformat(),
                                 f"{path.rsplit('/', 1)[-1]} had no UTC offset; UTC assumed"))
    return parsed


def _dates(item: etree._Element, name: str, inferred: list[Inferred]) -> tuple[datetime | None, datetime | None]:
    created = _date(item, "contentMeta/contentCreated", name, inferred) or _date(item, "itemMeta/firstCreated", name, inferred)
    modified = _date(item, "contentMeta/contentModified", name, inferred, "updated")
    version = _date(item, "itemMeta/versionCreated", name, inferred)
    version_element = _first(item, "itemMeta/versionCreated")
    if version == UNDATED or (version_element is not None and version_element.get("why") == "why:inferred"):
        version = None  # a stand-in the writer marked as inferred (syndicate's for an undated story): no date
    if created is None:
        return version, modified
    if modified is None and version is not None and version != created:
        modified = version
    return created, modified


def _bylines(meta: etree._Element | None, nitf: dict[str, str]) -> tuple[Byline, ...]:
    bylines: list[Byline] = []
    for creator in _nar(meta, "creator") if meta is not None else []:
        name = _first_text(creator, "name") or _text(creator) or creator.get("literal") or ""
        if not name.strip():
            continue
        uri = creator.get("uri")
        bylines.append(Byline(
            name=name,
            role=_first_text(creator, "note") or None,
            email=_first_text(creator, "personDetails/contactInfo/email") or None,
            url=uri if uri and uri.lower().startswith(("http://", "https://")) else None,
        ))
    if not bylines:
        by = (_first_text(meta, "by") if meta is not None else "") or nitf.get("byline", "")
        by = re.sub(r"^by\s+", "", by, flags=re.IGNORECASE).strip()
        if by:
            bylines.append(Byline(by))
    return tuple(bylines)


def _subjects(meta: etree._Element | None) -> tuple[Subject, ...]:
    subjects: list[Subject] = []
    for subject in _nar(meta, "subject") if meta is not None else []:
        qcode, uri, literal = subject.get("qcode"), subject.get("uri"), subject.get("literal")
        code = qcode or uri or literal
        name = _first_text(subject, "name") or code or ""
        if not name.strip():
            continue
        scheme = QCODE_SCHEMES.get(qcode.partition(":")[0]) if qcode else None
        subjects.append(Subject(name, code, scheme))
    return tuple(subjects)


def _source(item: etree._Element) -> Source | None:
    provider = _first(item, "itemMeta/provider")
    if provider is None:
        return None
    name = _first_text(provider, "name") or provider.get("literal") or provider.get("qcode") or provider.get("uri")
    if not name or not name.strip():
        return None
    uri = provider.get("uri")
    return Source(name, uri if uri and uri.lower().startswith(("http://", "https://")) else None)


def _related(item: etree._Element) -> tuple[Related, ...]:
    related = []
    for link in _nar(item, "itemMeta/link"):
        href = safe_url(link.get("href"))
        if href and (link.get("rel") or "") == "irel:seeAlso":
            related.append(Related(_first_text(link, "title") or href, href))
    return tuple(related)


def _language(item: etree._Element) -> str | None:
    """The item's language tag, or None when it gives no usable one (the finishing step's default applies)."""
    found = _first(item, "contentMeta/language")
    tag = (found.get("tag") if found is not None else None) or item.get(XML_LANG) or ""
    return tag if LANGUAGE_TAG.match(tag) else None


# ---------------------------------------------------------------- pictures


def _picture_figure(item: etree._Element) -> Figure | None:
    meta = _first(item, "contentMeta")
    caption = credit = ""
    if meta is not None:
        descriptions = _nar(meta, "description")
        chosen = next((d for d in descriptions if d.get("role") == "drol:caption"), descriptions[0] if descriptions else None)
        caption = _text(chosen) or _first_text(meta, "headline")
        credit = _first_text(meta, "creditline")
    image = None
    renditions = _nar(item, "contentSet/remoteContent")
    renditions.sort(key=lambda r: (r.get("rendition") != "rnd:highRes", -(positive_int(r.get("width")) or 0)))
    for rendition in renditions:
        image = _image_of(rendition)
        if image is not None:
            break
    if not caption and not credit and image is None:
        return None
    return Figure(caption, credit or None, None, image)


def _ref_figure(ref: etree._Element) -> Figure | None:
    """A picture known only from a package's ``itemRef`` (the item itself is not in this file)."""
    descriptions = _nar(ref, "description")
    caption = _text(next((d for d in descriptions if d.get("role") == "drol:caption"), None)) \
        or _text(descriptions[0] if descriptions else None) or _first_text(ref, "title")
    return Figure(caption) if caption else None


def _same(body_text: str, metadata_text: str) -> bool:
    """Body text may be exact (xml:space="preserve") while metadata text is collapsed: compare collapsed."""
    return collapse(body_text) == metadata_text


def _merge_pictures(body: list[Block], pictures: list[Figure]) -> list[Block]:
    """Body figures take the matching picture's rendition; unmatched pictures follow the body."""
    merged = list(body)
    used: set[int] = set()
    extra: list[Block] = []
    for picture in pictures:
        match = next((i for i, b in enumerate(merged) if i not in used and isinstance(b, Figure)
                      and _same(b.caption, picture.caption)
                      and (picture.credit is None or _same(b.credit or "", picture.credit))), None)
        if match is None:
            extra.append(picture)
            continue
        used.add(match)
        figure = merged[match]
        assert isinstance(figure, Figure)
        if picture.image is not None:
            merged[match] = Figure(figure.caption, figure.credit or picture.credit, figure.alt, picture.image)
    return merged + extra


# ---------------------------------------------------------------- item selection


@dataclass
class _Parts:
    text: etree._Element | None = None
    package: etree._Element | None = None
    photo: etree._Element | None = None
    pictures: list[Figure] = field(default_factory=list)


def _select(root: etree._Element, name: str) -> _Parts:
    """Find the text item, the package and the pictures of the (first) story in the document."""
    kind = _local(root)
    if root.tag == f"{{{NAR}}}newsMessage":
        items = [c for c in _nar(root, "itemSet/*") if isinstance(c.tag, str) and c.tag.startswith(f"{{{NAR}}}")]
    elif root.tag in (f"{{{NAR}}}newsItem", f"{{{NAR}}}packageItem"):
        items = [root]
    else:
        raise InputError(f"not NewsML-G2: the root element is <{kind or root.tag}>, not newsItem, packageItem "
                         "or newsMessage in the IPTC namespace", name)
    news = {i.get("guid"): i for i in items if _local(i) == "newsitem"}
    parts = _Parts(package=next((i for i in items if _local(i) == "packageitem"), None))
    if parts.package is not None:
        for ref in parts.package.iter(f"{{{NAR}}}itemRef"):
            target = news.get(ref.get("residref"))
            ref_item_class = _first(ref, "itemClass")
            ref_class = (ref_item_class.get("qcode") if ref_item_class is not None else "") or ""
            target_class = _item_class(target) if target is not None else ref_class
            if target_class.endswith((":text", "/text")) and parts.text is None:
                parts.text = target
            elif target_class.endswith((":picture", ":graphic", "/picture", "/graphic")):
                figure = _picture_figure(target) if target is not None else _ref_figure(ref)
                if figure is not None:
                    parts.pictures.append(figure)
    pictures = [i for i in news.values() if _item_class(i).endswith((":picture", ":graphic"))]
    if parts.text is None:
        others = [i for i in news.values() if i not in pictures]
        text_items = [i for i in others if _item_class(i).endswith(":text")]
        parts.text = (text_items or others or [None])[0]
    if parts.package is None:
        parts.pictures = [f for i in pictures if (f := _picture_figure(i)) is not None]
    if parts.text is None and parts.package is None:
        if not pictures:
            raise InputError("no text item, picture or package in this NewsML-G2 document", name)
        parts.photo = pictures[0]  # a picture on its own: a story of one figure, described by the picture item
    return parts


# ---------------------------------------------------------------- the reader


def read(source: InputFile) -> Story:
    """Read a NewsML-G2 news item, package or news message into a :class:`Story`.

    The item says what it says (a :class:`~syndicate.readers.finish.Draft`);
    metadata beside it, ``metadata=`` and the fallbacks are the shared
    finishing step's (:func:`~syndicate.readers.finish.finish`).
    """
    return read_with(_draft, source)


def _draft(source: InputFile) -> Draft:
    """What the document says about its (first) story."""
    root = parse_xml(source.data, source.name)
    parts = _select(root, source.name)
    item = next(i for i in (parts.text, parts.package, parts.photo) if i is not None)
    draft = Draft()
    body, nitf = _body_of(parts.text, source.name) if parts.text is not None else ([], {})
    draft.body = _merge_pictures(body, parts.pictures)
    meta = _first(item, "contentMeta")
    headlines = [t for h in _nar(meta, "headline") if (t := _text(h))] if meta is not None else []
    draft.headline = headlines[0] if headlines else (_first_text(item, "itemMeta/title") or nitf.get("headline")
                                                     or None)
    draft.subheadline = headlines[1] if len(headlines) > 1 else None
    draft.summary = _summary(meta) or None
    slugline = _first_text(meta, "slugline") if meta is not None else ""
    draft.id, draft.slug = item.get("guid"), slugline or None
    draft.published, draft.updated = _dates(item, source.name, draft.inferred)
    draft.bylines = _bylines(meta, nitf)
    if meta is not None:
        draft.dateline = _first_text(meta, "dateline") or _first_text(meta, "located/name") or None
        draft.keywords = tuple(k for e in _nar(meta, "keyword") if (k := _text(e)))
    draft.language = _language(item)
    draft.source = _source(item)
    draft.rights = _first_text(item, "rightsInfo/copyrightNotice") or None
    draft.subjects = _subjects(meta)
    draft.related = _related(item)
    return draft


def _summary(meta: etree._Element | None) -> str:
    if meta is None:
        return ""
    descriptions = _nar(meta, "description")
    chosen = next((d for d in descriptions if d.get("role") == "drol:summary"), None)
    if chosen is None:
        chosen = next((d for d in descriptions if d.get("role") in (None, "drol:abstract")), None)
    return _text(chosen)
