"""feedgen extensions the feeds need: Media RSS photos with captions, and Atom entry links.

feedgen's extension interface (``feedgen/ext/``): a feed-level class that
declares the namespace, an entry-level class that holds the values and adds
elements in ``extend_rss`` / ``extend_atom``. Register both with
``FeedGenerator.register_extension(name, FeedClass, EntryClass)``; the entry
instance is then ``entry.<name>``.

Why our own instead of feedgen's:

- feedgen's ``media`` extension has no ``media:description`` (the caption) or
  ``media:credit``, and it always wraps ``media:content`` in a
  ``media:group``, which the W3C validator warns about when the group holds
  one picture (``MediaGroupWithoutAlternatives``).
- feedgen 1.0.0 drops ``rel``, ``type`` and ``length`` from Atom *entry*
  links (``FeedEntry.atom_entry`` reads them from the new element instead of
  the link dict), so ``link rel="enclosure"`` would come out as a second
  alternate link. :class:`AtomLinksEntryExtension` writes entry links itself.
- feedgen always writes an RSS ``lastBuildDate``, the clock's time when none
  is set; :class:`ChannelDatesExtension` takes it out of a feed whose stories
  have no date (the element is optional in RSS 2.0).
"""

from __future__ import annotations

from dataclasses import dataclass

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

__all__ = [
    "MEDIA_NS", "Photo", "AtomLink",
    "MediaRssExtension", "MediaRssEntryExtension", "AtomLinksExtension", "AtomLinksEntryExtension",
    "ChannelDatesExtension",
]

MEDIA_NS = "http://search.yahoo.com/mrss/"
_MEDIA_CONTENT, _MEDIA_DESCRIPTION, _MEDIA_CREDIT = (f"{{{MEDIA_NS}}}{name}" for name in ("content", "description", "credit"))
_PLAIN = {"type": "plain"}


@dataclass(frozen=True)
class Photo:
    """A published photo of a story: its absolute URL and what Media RSS says about it."""

    url: str
    media_type: str | None = None
    width: int | None = None
    height: int | None = None
    caption: str = ""
    credit: str | None = None


@dataclass(frozen=True)
class AtomLink:
    """One Atom ``<link>``; ``length`` is omitted when unknown (it is optional in Atom)."""

    href: str
    rel: str = "alternate"
    type: str | None = None
    title: str | None = None
    length: int | None = None


class MediaRssExtension(BaseExtension):  # type: ignore[misc]
    """Feed level: only declares the ``media`` namespace."""

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS}


class MediaRssEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Entry level: one ``media:content medium="image"`` per photo, with caption and credit inside."""

    def __init__(self) -> None:
        self._photos: list[Photo] = []

    def photos(self, photos: list[Photo] | None = None) -> list[Photo]:
        """Set (replace) or get the entry's photos, in reading order."""
        if photos is not None:
            self._photos = list(photos)
        return self._photos

    def extend_rss(self, item: etree._Element) -> etree._Element:
        for photo in self._photos:
            self._content(item, photo)
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        return self.extend_rss(entry)

    @staticmethod
    def _content(parent: etree._Element, photo: Photo) -> None:
        attributes = {"url": photo.url, "medium": "image"}  # in this order in the file
        if photo.media_type:
            attributes["type"] = photo.media_type
        if photo.width and photo.height:
            attributes["width"] = str(photo.width)
            attributes["height"] = str(photo.height)
        content = etree.SubElement(parent, _MEDIA_CONTENT, attributes)  # one call per element: one per photo a feed
        if photo.caption:
            etree.SubElement(content, _MEDIA_DESCRIPTION, _PLAIN).text = photo.caption
        if photo.credit:
            etree.SubElement(content, _MEDIA_CREDIT).text = photo.credit


class AtomLinksExtension(BaseExtension):  # type: ignore[misc]
    """Feed level: nothing to add (Atom's own namespace)."""


class AtomLinksEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Entry level: the entry's ``<link>`` elements with every attribute kept (see the module notes)."""

    def __init__(self) -> None:
        self._links: list[AtomLink] = []

    def links(self, links: list[AtomLink] | None = None) -> list[AtomLink]:
        """Set (replace) or get the entry's links."""
        if links is not None:
            self._links = list(links)
        return self._links

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        # feedgen builds Atom elements without a namespace under a literal xmlns attribute: do the same.
        for link in self._links:
            element = etree.SubElement(entry, "link", href=link.href, rel=link.rel)
            if link.type:
                element.set("type", link.type)
            if link.title:
                element.set("title", link.title)
            if link.length is not None:
                element.set("length", str(link.length))
        return entry

    def extend_rss(self, item: etree._Element) -> etree._Element:
        return item  # RSS items carry their link and enclosure through feedgen itself


class ChannelDatesExtension(BaseExtension):  # type: ignore[misc]
    """Feed level (RSS): with :meth:`undated`, no ``lastBuildDate`` (see the module notes)."""

    def __init__(self) -> None:
        self._undated = False

    def undated(self) -> None:
        """The feed has no date: write no ``lastBuildDate`` rather than the clock's time."""
        self._undated = True

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        if self._undated:
            for element in feed.findall("channel/lastBuildDate"):
                element.getparent().remove(element)
        return feed
