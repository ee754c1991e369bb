"""ninjs 3.1 (IPTC's news in JSON): one story, one document.

The document follows the ninjs 3.1 schema's camelCase properties: ``uri`` is
the story id, ``headlines`` carry the headline (role ``main``) and the deck
(role ``sub``), ``bodies`` the shared renderer's XHTML (role ``richtext``,
``application/xhtml+xml``), ``descriptions`` the summary, ``by`` the by-line,
``located`` the dateline, ``subjects`` the subjects (coded ones with their
complete ``uri``) and the keywords (ninjs 3.1 has no keyword property, so
each keyword is a subject with ``rel: "keyword"``). Every figure is an
``associations`` entry of type ``picture`` with its caption (description
role ``caption``), its credit (``by``) and, when the photo is available, a
rendition with ``href``, ``contentType``, ``width`` and ``height``. The
``href`` is where the build publishes the photo: absolute against
``base_url`` when it is set, else relative from the document's folder
(``ExportOptions.location``: ``../images/<name>`` from ``ninjs/``); a
document on its own (no ``location``, as ``syndicate convert`` writes) has no
published photos beside it, so without ``base_url`` its rendition has no
``href`` (caption and credit stay) and a warning says so. A story with no
date has no dates at all: every ninjs date is optional.

ninjs is one news object per document, so several stories are refused with
an :class:`~syndicate.errors.ExportError`; export them one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import ExportError
from ..html import HtmlRenderer, public_link, safe_url, xml_safe
from ..iptc import QCODE_SCHEMES
from ..model import Figure, Story, Subject
from . import ExportOptions, PublishedPhotos
from .newsml import photo_href, picture_guid

if TYPE_CHECKING:
    from ..images import ImageResolver

__all__ = ["export_ninjs", "ninjs_document", "NINJS_VERSION", "NINJS_SCHEMA"]

NINJS_VERSION = "3.1"
NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json"


def _date(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _by_line(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _subject(subject: Subject) -> dict[str, Any]:
    """A ninjs subject: its name, and for a coded one the complete URI and the code as ``literal``."""
    out: dict[str, Any] = {"name": subject.name}
    if subject.code:
        alias, _, local = subject.code.partition(":")
        scheme = subject.scheme or QCODE_SCHEMES.get(alias)
        if scheme and public_link(scheme, None):
            out["uri"] = scheme + (local if local and alias in QCODE_SCHEMES else subject.code)
        out["literal"] = subject.code
    return out


def _rendition(figure: Figure, options: ExportOptions, photos: PublishedPhotos,
               root: str | None) -> dict[str, Any] | None:
    image = photos(figure.image, root) if figure.image is not None else None
    if image is None:
        return None
    rendition: dict[str, Any] = {"name": "original"}
    href = photo_href(image, options, "ninjs")
    if href:
        rendition["href"] = href
    if image.media_type:
        rendition["contentType"] = image.media_type
    if image.width and image.height:
        rendition["width"] = image.width
        rendition["height"] = image.height
    return rendition


def _association(story: Story, figure: Figure, index: int, options: ExportOptions,
                 photos: PublishedPhotos) -> dict[str, Any]:
    """One figure as a ``picture`` association: caption, credit, alt text and rendition."""
    out: dict[str, Any] = {"name": f"figure-{index}", "uri": picture_guid(story, index), "type": "picture"}
    if story.date is not None:
        out["versionCreated"] = _date(story.date)
    if figure.credit:
        out["by"] = figure.credit
    descriptions = []
    if figure.caption:
        descriptions.append({"role": "caption", "contentType": "text/plain", "value": figure.caption})
    if figure.alt:
        descriptions.append({"role": "alt", "contentType": "text/plain", "value": figure.alt})
    if descriptions:
        out["descriptions"] = descriptions
    rendition = _rendition(figure, options, photos, story.root)
    if rendition is not None:
        out["renditions"] = [rendition]
    return out


def ninjs_document(story: Story, options: ExportOptions, photos: PublishedPhotos) -> dict[str, Any]:
    """The ninjs 3.1 object for one story, properties in a fixed order."""
    renderer = HtmlRenderer(lambda image: photo_href(image, options, "ninjs"), photo=photos.for_story(story))
    doc: dict[str, Any] = {
        "uri": story.id,
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA},
        "type": "text",
        "representationType": "full",
        "firstCreated": _date(story.published),
        "versionCreated": _date(story.date),
        "contentCreated": _date(story.published),
        "pubStatus": "usable",
        "language": story.language,
        "slugline": story.slug,
        "headlines": [{"role": "main", "contentType": "text/plain", "value": story.headline}]
        + ([{"role": "sub", "contentType": "text/plain", "value": story.subheadline}] if story.subheadline else []),
        "by": _by_line([b.name for b in story.bylines]) if story.bylines else None,
        "located": story.dateline,
        "copyrightNotice": story.rights,
        "descriptions": [{"role": "summary", "contentType": "text/plain", "value": story.summary}]
        if story.summary else None,
        "bodies": [{"role": "richtext", "contentType": "application/xhtml+xml", "value": renderer.render(story.body)}]
        if story.body else None,
        "subjects": [_subject(s) for s in story.subjects]
        + [{"name": k, "rel": "keyword", "literal": k} for k in story.keywords] or None,
        "infoSources": [{"name": story.source.name, **({"uri": url} if (url := safe_url(story.source.url)) else {})}]
        if story.source else None,
        "associations": [_association(story, f, i, options, photos)
                         for i, f in enumerate(story.figures, start=1)] or None,
    }
    return {key: value for key, value in doc.items() if value is not None}


def _clean(value: Any) -> Any:
    """Every string XML-safe too: partners often turn ninjs into XML downstream."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def export_ninjs(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> bytes:
    """One story as a ninjs 3.1 document (UTF-8 JSON, newline at the end); several are refused."""
    if len(stories) != 1:
        raise ExportError(f"ninjs holds one story per document, and {len(stories)} were given: "
                          "export them one at a time")
    doc = _clean(ninjs_document(stories[0], options, PublishedPhotos(images)))
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
