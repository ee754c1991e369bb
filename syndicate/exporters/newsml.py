"""NewsML-G2 2.35 (IPTC), Power conformance: a text item per story, picture items and a package for photos.

Shapes, following IPTC's guidelines and examples:

- one story without figures -> a single ``newsItem`` (``ninat:text``);
- a story with figures -> a ``newsMessage`` whose ``itemSet`` holds a
  ``packageItem`` (``ninat:composite``) binding the text item and one
  ``newsItem`` (``ninat:picture``) per figure, each picture carrying its
  caption (``description role="drol:caption"``), its credit (``creditline``)
  and, when the photo is available, a ``remoteContent`` rendition. A figure
  without an image still gets its picture item (``contentSet`` is optional
  in the schema), so its caption and credit travel; the text item's XHTML
  body keeps every figure's caption and credit in place as well;
- several stories -> one ``newsMessage`` holding all of the above.

Dates come from the stories, never the clock: ``versionCreated`` is the
story's latest date (``updated``, else ``published``), ``firstCreated`` and
``contentCreated`` its ``published``, ``contentModified`` its ``updated``; a
message's ``sent`` is the latest date of its stories. ``contentCreated`` and
``contentModified`` may be truncated dates in the schema, so a date known
only to the day (``Story.date_only``) is written as a bare date there.
``versionCreated`` and ``sent`` are required full date-times: a story with no
date at all gets :func:`~syndicate.exporters.fallback_date` (the date of its
``tag:`` id) marked ``why="why:inferred"`` (IPTC's code for a value that
was inferred, not given), and a warning; it has no ``firstCreated`` and no
``contentCreated``.

Photos are linked where the build publishes them (``images/<name>``):
absolutely against ``base_url`` when it is set, else relatively from the
file's folder (``ExportOptions.location``, ``../images/<name>`` from
``newsml/``). A file on its own (``location`` None, as ``syndicate convert``
writes) has no published photos beside it, so without ``base_url`` its
pictures keep caption and credit but no ``remoteContent``, with a warning.

The body is the shared :class:`~syndicate.html.HtmlRenderer`'s XHTML, parsed
into ``inlineXML contenttype="application/xhtml+xml"`` as an XHTML ``html``
document marked ``xml:space="preserve"``: the text inside is written exactly
(no pretty-printing whitespace added), and says so to any reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from lxml import etree

from ..errors import ExportError
from ..html import HtmlRenderer, photo_link, safe_url, xml_safe
from ..iptc import NAR, QCODE_SCHEMES
from ..model import Figure, Image, Story, Subject
from . import BASE_URL_HINT, ExportOptions, PublishedPhotos, fallback_date

if TYPE_CHECKING:
    from ..images import ImageResolver

__all__ = [
    "export_newsml", "NAR", "XHTML", "IPTC_CATALOG", "STANDARD_VERSION", "CONFORMANCE",
    "picture_guid", "package_guid", "photo_href", "QCODE_SCHEMES", "INFERRED",
]

XHTML = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: IPTC's catalog of its own vocabularies (ninat, stat, drol, medtop, group, irel…), version 38.
IPTC_CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"
STANDARD_VERSION = "2.35"
CONFORMANCE = "power"
#: The item version we write: syndicate does not track editorial versions.
ITEM_VERSION = "1"


NEWSITEM_TYPE = "application/vnd.iptc.g2.newsitem+xml"
#: IPTC "why" code of a value that was inferred rather than given (the stand-in for a missing date).
INFERRED = "why:inferred"


def _q(tag: str) -> str:
    return f"{{{NAR}}}{tag}"


def _sub(parent: etree._Element, name: str, text: str | None = None, /, **attrs: str) -> etree._Element:
    """Append a NewsML-G2 element with XML-safe text and attributes."""
    element = etree.SubElement(parent, _q(name), {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _date(value: datetime) -> str:
    return value.isoformat()


def _content_date(value: datetime, story: Story) -> str:
    """A ``contentCreated`` / ``contentModified`` value: a bare date when only the day is known."""
    return value.date().isoformat() if story.date_only else value.isoformat()


def _version_created(meta: etree._Element, story: Story, options: ExportOptions) -> None:
    """``versionCreated`` (required), marked inferred and warned about when the story has no date."""
    if story.date is not None:
        _sub(meta, "versionCreated", _date(story.date))
        return
    stand_in = fallback_date(story.id)
    _sub(meta, "versionCreated", _date(stand_in), why=INFERRED)
    options.warn(f"newsml: {story.id} has no date, so its versionCreated is {stand_in.date().isoformat()}, "
                 "the date in its tag: id (marked why:inferred)")


def picture_guid(story: Story, index: int) -> str:
    """The guid of the picture item for the story's ``index``-th figure (1-based)."""
    return f"{story.id}/figure-{index}"


def package_guid(story: Story) -> str:
    """The guid of the package binding a story's text and pictures."""
    return f"{story.id}/package"


# ---------------------------------------------------------------- item skeleton


def _new_item(tag: str, guid: str, language: str) -> etree._Element:
    item = etree.Element(_q(tag), nsmap={None: NAR})
    item.set("guid", xml_safe(guid))
    item.set("version", ITEM_VERSION)
    item.set("standard", "NewsML-G2")
    item.set("standardversion", STANDARD_VERSION)
    item.set("conformance", CONFORMANCE)
    item.set(f"{{{XML_NS}}}lang", language)
    _sub(item, "catalogRef", href=IPTC_CATALOG)
    return item


def _rights_info(item: etree._Element, story: Story) -> None:
    if story.rights:
        rights = _sub(item, "rightsInfo")
        _sub(rights, "copyrightNotice", story.rights)


def _provider(parent: etree._Element, story: Story, options: ExportOptions) -> None:
    """``provider`` (required): the story's source, else the publication named in the config, else the
    authority of the story's ``tag:`` id (the newsroom that minted it)."""
    name = story.source.name if story.source else (options.publication_name or _id_authority(story.id))
    url = safe_url(story.source.url) if story.source and story.source.url else None
    provider = _sub(parent, "provider", uri=url) if url else _sub(parent, "provider", literal=name)
    _sub(provider, "name", name)


def _id_authority(story_id: str) -> str:
    """``news.example.com`` of ``tag:news.example.com,2024:…``; the URN namespace of a ``urn:`` id."""
    scheme, _, rest = story_id.partition(":")
    authority = rest.split(",", 1)[0] if scheme == "tag" else rest.split(":", 1)[0]
    return authority or story_id


def _item_meta(item: etree._Element, story: Story, options: ExportOptions, item_class: str) -> etree._Element:
    meta = _sub(item, "itemMeta")
    _sub(meta, "itemClass", qcode=item_class)
    _provider(meta, story, options)
    _version_created(meta, story, options)
    if story.published:
        _sub(meta, "firstCreated", _date(story.published))
    _sub(meta, "pubStatus", qcode="stat:usable")
    return meta


# ---------------------------------------------------------------- text item


def _subject(parent: etree._Element, subject: Subject) -> None:
    """A subject: a QCode for IPTC-coded ones, a URI for other coded ones, else just its name."""
    attrs: dict[str, str] = {}
    code = subject.code
    if code:
        alias, _, local = code.partition(":")
        if local and alias in QCODE_SCHEMES:
            attrs["qcode"] = code
        elif subject.scheme:
            attrs["uri"] = subject.scheme + (local if local and alias in QCODE_SCHEMES else code)
        else:
            attrs["literal"] = code
    element = _sub(parent, "subject", **attrs)
    _sub(element, "name", subject.name)


def _creators(meta: etree._Element, story: Story) -> None:
    for byline in story.bylines:
        url = safe_url(byline.url) if byline.url else None
        creator = _sub(meta, "creator", uri=url) if url else _sub(meta, "creator")
        _sub(creator, "name", byline.name)
        if byline.role:
            # No IPTC code list names a free-text job title; a note keeps it readable.
            _sub(creator, "note", byline.role)
        if byline.email:
            details = _sub(creator, "personDetails")
            contact = _sub(details, "contactInfo")
            _sub(contact, "email", byline.email)


def _by_line(story: Story) -> str:
    names = [b.name for b in story.bylines]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"By {joined}"


def _text_content_meta(item: etree._Element, story: Story) -> None:
    meta = _sub(item, "contentMeta")
    if story.published:
        _sub(meta, "contentCreated", _content_date(story.published, story))
    if story.updated:
        _sub(meta, "contentModified", _content_date(story.updated, story))
    if story.dateline:
        located = _sub(meta, "located")
        _sub(located, "name", story.dateline)
    _creators(meta, story)
    _sub(meta, "language", tag=story.language)
    for subject in story.subjects:
        _subject(meta, subject)
    for keyword in story.keywords:
        _sub(meta, "keyword", keyword)
    _sub(meta, "slugline", story.slug)
    _sub(meta, "headline", story.headline)
    if story.subheadline:
        # The deck as a second headline: IPTC has no headline-role code list to tag it with, and
        # readers (ours included) take the first headline as the headline and the second as the deck.
        _sub(meta, "headline", story.subheadline)
    if story.dateline:
        _sub(meta, "dateline", story.dateline)
    if story.bylines:
        _sub(meta, "by", _by_line(story))
    if story.source:
        _sub(meta, "creditline", story.source.name)
    if story.summary:
        _sub(meta, "description", story.summary, role="drol:summary")


def photo_href(image: Image, options: ExportOptions, fmt: str = "newsml") -> str | None:
    """Where a ``fmt`` file (NewsML-G2, ninjs) links a published photo (see the module notes); None,
    warned, when nowhere."""
    href = photo_link(image, options.base_url, options.location)
    if href is None and not image.is_remote:
        options.warn(f"{fmt}: photos left out, because a file on its own has no published photos beside it: "
                     f"{BASE_URL_HINT}")
    return href


def _xhtml_body(story: Story, options: ExportOptions, photos: PublishedPhotos) -> etree._Element:
    """The story body as an XHTML ``html`` element, from the shared renderer."""
    renderer = HtmlRenderer(lambda image: photo_href(image, options), photo=photos.for_story(story))
    html = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML})
    html.set(f"{{{XML_NS}}}space", "preserve")
    head = etree.SubElement(html, f"{{{XHTML}}}head")
    etree.SubElement(head, f"{{{XHTML}}}title").text = xml_safe(story.headline)
    fragment = f'<body xmlns="{XHTML}">\n{renderer.render(story.body)}\n</body>'
    try:
        body = etree.fromstring(fragment.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:  # the renderer promises well-formed XHTML; say so if it ever is not
        raise ExportError(f"the body of {story.id} is not well-formed XHTML: {exc}") from None
    html.append(body)
    return html


def _text_item(story: Story, options: ExportOptions) -> tuple[etree._Element, etree._Element]:
    """The story's text ``newsItem`` and its (still empty) ``inlineXML`` to fill after indenting."""
    item = _new_item("newsItem", story.id, story.language)
    _rights_info(item, story)
    meta = _item_meta(item, story, options, "ninat:text")
    for related in story.related:
        href = safe_url(related.url) if related.url else None
        if href:
            link = _sub(meta, "link", rel="irel:seeAlso", href=href)
            _sub(link, "title", related.title)
    _text_content_meta(item, story)
    content = _sub(item, "contentSet")
    inline = _sub(content, "inlineXML", contenttype="application/xhtml+xml")
    return item, inline


# ---------------------------------------------------------------- pictures and package


def _picture_item(story: Story, figure: Figure, index: int, options: ExportOptions,
                  photos: PublishedPhotos) -> etree._Element:
    item = _new_item("newsItem", picture_guid(story, index), story.language)
    _rights_info(item, story)
    _item_meta(item, story, options, "ninat:picture")
    meta = _sub(item, "contentMeta")
    _sub(meta, "language", tag=story.language)
    if figure.credit:
        _sub(meta, "creditline", figure.credit)
    if figure.caption:
        _sub(meta, "description", figure.caption, role="drol:caption")
    image = photos(figure.image, story.root) if figure.image is not None else None
    href = photo_href(image, options) if image is not None else None
    if image is not None and href:
        content = _sub(item, "contentSet")
        attrs = {"rendition": "rnd:highRes", "href": href}
        if image.media_type:
            attrs["contenttype"] = image.media_type
        if image.width and image.height:
            attrs["width"] = str(image.width)
            attrs["height"] = str(image.height)
        _sub(content, "remoteContent", **attrs)
    return item


def _item_ref(group: etree._Element, guid: str, item_class: str, story: Story, options: ExportOptions,
              title: str | None, description: tuple[str, str] | None) -> None:
    ref = _sub(group, "itemRef", residref=guid, version=ITEM_VERSION, contenttype=NEWSITEM_TYPE)
    _sub(ref, "itemClass", qcode=item_class)
    _provider(ref, story, options)
    _sub(ref, "pubStatus", qcode="stat:usable")
    if title:
        _sub(ref, "title", title)
    if description and description[1]:
        _sub(ref, "description", description[1], role=description[0])


def _package_item(story: Story, options: ExportOptions, group_id: str) -> etree._Element:
    item = _new_item("packageItem", package_guid(story), story.language)
    _rights_info(item, story)
    _item_meta(item, story, options, "ninat:composite")
    meta = _sub(item, "contentMeta")
    _sub(meta, "headline", story.headline)
    group_set = _sub(item, "groupSet", root=group_id)
    group = _sub(group_set, "group", id=group_id, role="group:main")
    _item_ref(group, story.id, "ninat:text", story, options, story.headline, ("drol:summary", story.summary))
    for index, figure in enumerate(story.figures, start=1):
        _item_ref(group, picture_guid(story, index), "ninat:picture", story, options, None,
                  ("drol:caption", figure.caption))
    return item


# ---------------------------------------------------------------- assembly


def _story_items(story: Story, options: ExportOptions, number: int,
                 photos: PublishedPhotos) -> list[tuple[etree._Element, etree._Element | None]]:
    """Every item the ``number``-th story needs, each with the ``inlineXML`` its body goes into (or None).

    The package's group id is ``G<number>``: an ``xs:ID`` must be unique in the whole message.
    """
    text, inline = _text_item(story, options)
    if not story.figures:
        return [(text, inline)]
    items: list[tuple[etree._Element, etree._Element | None]] = [(_package_item(story, options, f"G{number}"), None),
                                                                   (text, inline)]
    items.extend((_picture_item(story, f, i, options, photos), None) for i, f in enumerate(story.figures, start=1))
    return items


def _news_message(items: Iterable[etree._Element], stories: Sequence[Story]) -> etree._Element:
    message = etree.Element(_q("newsMessage"), nsmap={None: NAR})
    header = _sub(message, "header")
    dates = [s.date for s in stories if s.date is not None]
    if dates:
        _sub(header, "sent", _date(max(dates)))
    else:  # required: the newest stand-in, marked as inferred like the items' versionCreated
        _sub(header, "sent", _date(max(fallback_date(s.id) for s in stories)), why=INFERRED)
    item_set = _sub(message, "itemSet")
    item_set.extend(items)
    return message


def _fill_bodies(pairs: Iterable[tuple[etree._Element, etree._Element | None, Story]], options: ExportOptions,
                 photos: PublishedPhotos) -> None:
    """Put each story's XHTML into its ``inlineXML`` after indenting, so the body text stays exact."""
    for _item, inline, story in pairs:
        if inline is None:
            continue
        depth = sum(1 for _ in inline.iterancestors())
        html = _xhtml_body(story, options, photos)
        html.tail = "\n" + "  " * depth
        inline.text = "\n" + "  " * (depth + 1)
        inline.append(html)


def export_newsml(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """NewsML-G2 2.35 for the stories: one ``newsItem``, or a ``newsMessage`` (see the module docs).

    NewsML-G2 refers to photos by their published URL, path, type and size
    (:class:`syndicate.exporters.PublishedPhotos`); it does not embed them.
    """
    if not stories:
        raise ExportError("nothing to export: no stories given")
    photos = PublishedPhotos(images)
    triples = [(item, inline, story) for number, story in enumerate(stories, start=1)
               for item, inline in _story_items(story, options, number, photos)]
    if len(triples) == 1:
        root = triples[0][0]
    else:
        root = _news_message((item for item, _, _ in triples), stories)
    etree.indent(root, space="  ")
    _fill_bodies(triples, options, photos)
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    return declaration + etree.tostring(root, encoding="UTF-8", xml_declaration=False) + b"\n"
