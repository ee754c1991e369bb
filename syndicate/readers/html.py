"""Read a saved article page (``.html``/``.htm``) into a Story: the article's text, every photo, the page's metadata.

How a page is read:

1. **Decoded** from its BOM, else its ``<meta charset>``/``http-equiv`` (or
   XML declaration), else UTF-8; a page declared Latin-1/Windows-1252 whose
   bytes are UTF-8 is read as UTF-8, and one declared UTF-8 whose bytes are
   not is read as Windows-1252 (both noted in ``inferred``). Binary data is
   refused.
2. **Parsed** by libxml2's HTML parser with no network, no entities beyond
   HTML's own (an internal DTD subset is left unread), no processing
   instructions and its default limits (no ``huge_tree``): a page over
   :data:`MAX_PAGE_BYTES` or nested deeper than libxml2's 255 levels is
   refused with one line.
3. **Metadata** from the page's own signals, strongest first: JSON-LD
   ``NewsArticle``/``Article`` (also inside ``@graph`` or a list), OpenGraph
   and ``article:*``, ``<meta name>``, ``itemprop``, ``<time>``, ``rel=author``
   and byline markup (see :mod:`syndicate.readers.htmlmeta`).
4. **Furniture is removed**: scripts, forms, iframes, navigation, hidden elements and the boxes that
   common CMS class names and ARIA roles mark as share bars, ads,
   newsletters, comments, cookie banners, "most read" lists; "related" boxes
   are kept aside as the story's ``related`` links.
5. **The article container** is found with Readability.js's scoring (each
   text block scores its ancestors by length and commas; class names weigh
   in; link-heavy candidates lose; close rivals lift it to their common
   ancestor; a list of ``<article>`` teasers yields to the one headed by the
   headline), then walked with the shared
   :class:`~syndicate.readers.xhtml.BlockWalker` so figures keep their
   captions and credits where they stand; the captioned lead photo between
   the headline and the text comes first. A photo is the largest candidate
   of its ``srcset`` (parsed as the HTML standard says), ``<picture>``
   sources and lazy-loading attributes that hold a URL (never a placeholder,
   never a widget's article link); an author's picture (alt naming a byline,
   an author box, an avatar file), an icon with a tiny declared size and a
   photo already shown are left out. Extractors were measured on the
   98-page corpus and not used as the walker: trafilatura 2 (F1 0.948) and
   readability-lxml (0.927, captions mixed into the text) keep no caption
   apart from the body (see ``benchmarks/bench_html.py``).

Nothing executable reaches the story: the model holds plain text and marks,
links keep only http(s)/mailto/tel/ftp or relative targets (made absolute
against the page's http(s) URL), ``data:`` images are dropped with a note.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import quote, urljoin, urlsplit

from lxml import etree

from ..errors import InputError
from ..html import safe_url
from ..model import Block, Figure, Heading, Image, Inferred, ListBlock, Paragraph, Related, Story
from ..mediatypes import media_type_for
from . import InputFile
from .finish import Draft, read_with
from .htmlmeta import PageMeta, read_meta, same_text
from .text import is_furniture, split_credit
from .xhtml import BlockWalker, collapse, local_name, positive_int, text_length, text_of

__all__ = ["read", "MAX_PAGE_BYTES", "decode_page", "parse_page", "find_article"]

#: Pages larger than this are refused (a saved article page is rarely over 2 MB; the largest of the
#: 98-page benchmark corpus is under 1 MB).
MAX_PAGE_BYTES = 8 * 1024 * 1024
#: libxml2's HTML parser stops at this depth without huge_tree; a page that reaches it is refused.
PARSER_DEPTH_LIMIT = 255
#: Images whose declared width or height is below this are icons, spacers or tracking pixels.
MIN_PHOTO_SIDE = 60

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})"""
                      rb"""|^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_LATIN1_FAMILY = {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"}
_URI_CHARACTERS = ":/?#[]@!$&'()*+,;=%~-._"
_C0 = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
#: Share of control characters above which a "page" is really binary (as for text input).
MAX_CONTROL_SHARE = 0.02
_C1 = re.compile("[\x7f-\x9f]")


# ---------------------------------------------------------------- 1. decoding


def decode_page(data: bytes, name: str, notes: list[Inferred]) -> str:
    """The page's text: by BOM, else by its declared charset (checked against the bytes), else UTF-8/cp1252."""
    if not data.strip():
        raise InputError("empty input (no page at all)", name)
    if len(data) > MAX_PAGE_BYTES:
        raise InputError(f"page too large ({len(data)} bytes; the limit for HTML is {MAX_PAGE_BYTES})", name)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _C1.sub("", data.decode(codec, errors="replace"))
    if b"\x00" in data:
        raise InputError("binary data, not a page (it has NUL bytes and no UTF-16 byte order mark)", name)
    declared = _declared_codec(data[:4096])
    text: str | None = None
    if declared in (None, "utf-8") or declared in _LATIN1_FAMILY:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and declared in _LATIN1_FAMILY and any(ord(c) > 0x7F for c in text):
            notes.append(Inferred("language", declared, f"the page declares {declared} but its bytes are UTF-8; read as UTF-8"))
        elif text is None:
            if declared == "utf-8":
                notes.append(Inferred("language", "cp1252", "the page declares UTF-8 but its bytes are not; read as Windows-1252"))
            text = data.decode("cp1252", errors="replace")
    else:
        text = data.decode(declared, errors="replace")
    controls = len(_C0.findall(text))
    if controls > MAX_CONTROL_SHARE * len(text):
        raise InputError(f"binary data, not a page ({controls} control characters in {len(text)})", name)
    return _C1.sub("", text)


def _declared_codec(head: bytes) -> str | None:
    """The codec the page declares in a ``<meta>`` (charset or http-equiv content-type), normalised, or None."""
    match = _CHARSET.search(head)
    if match is None:
        return None
    try:
        codec = codecs.lookup((match.group(1) or match.group(2)).decode("ascii")).name
    except LookupError:
        return None
    if codec in ("latin-1", "iso8859-1", "windows-1252"):
        return "cp1252" if codec == "windows-1252" else codec
    if codec.startswith("utf-16") or codec.startswith("utf-32"):
        return None  # a page without a BOM that says UTF-16 is ASCII-compatible in practice: the meta was read
    return "utf-8" if codec == "utf-8" else codec


# ---------------------------------------------------------------- 2. parsing

_INTERNAL_SUBSET = re.compile(r"^(\s*(?:<\?xml[^>]{0,200}\?>\s*)?)<!DOCTYPE[^\[>]{0,300}\[.*?\]\s*>",
                              re.IGNORECASE | re.DOTALL)


def parse_page(text: str, name: str) -> etree._Element:
    """Parse the page with libxml2's HTML parser: no network, comments and PIs dropped, default limits."""
    # an internal DTD subset means nothing to HTML (and confuses libxml2's HTML parser): it goes unread
    text = _INTERNAL_SUBSET.sub(r"\1", text, count=1)
    parser = etree.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True,
                              huge_tree=False, recover=True, default_doctype=False)
    try:
        root = etree.fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"not readable HTML: {' '.join(str(exc).split())[:200] or 'no elements'}", name) from None
    if root is None:
        raise InputError("not an HTML page: no elements in it", name)
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise InputError(f"nested too deep (libxml2 stops at {PARSER_DEPTH_LIMIT} levels): refused", name)
    return root


# ---------------------------------------------------------------- 3. page furniture

_DROP_TAGS = frozenset({"script", "style", "iframe", "object", "embed", "template", "head", "title", "nav", "form",
                        "button", "input", "select", "textarea", "svg", "math", "frame", "frameset", "applet",
                        "meta", "link", "base", "audio", "video", "canvas", "map", "dialog", "footer", "aside",
                        "menu", "label", "option", "param", "source-set"})
#: Void in HTML, but libxml2's HTML 4 parser lets them swallow what follows.
_VOID_CONTAINERS = ("embed", "source", "param", "track", "keygen")
_SCRIPTING = ("script", "style", "template", "head", "svg", "math", "iframe", "object", "embed", "applet")
_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar",
                         "toolbar", "dialog", "alertdialog", "tablist", "form"})
# Class/id words of common CMS conventions (WordPress, Drupal, schema, ARIA, ad servers) for page furniture.
# Strong words mark furniture wherever they stand in a hyphenated class name ("share-bar", "ad-slot");
# weak words only as a whole class name ("hidden" alone, not "field-label-hidden").
_STRONG_FURNITURE = re.compile(
    r"(?:^|[-_])(?:ads?|advert\w*|adsbygoogle|dfp|sponsor\w*|promo\w*|outbrain|taboola|comments?|disqus"
    r"|share|sharing|social|sharebar|newsletter|subscri\w*|signup|cookies?|consent|gdpr"
    r"|breadcrumbs?|pagination|sidebar|widget\w*|most-?read|most-?popular|trending|recirc\w*|recommend\w*"
    r"|related\w*|byline\w*|author-?bio|author-?info|jwplayer|rail)(?:$|[-_])",
    re.IGNORECASE)
_WEAK_FURNITURE = re.compile(
    r"^(?:hidden|hide|d-none|modal|popup|overlay|print|tools|toolbar|follow|nav|navbar|navigation|menu|masthead"
    r"|banner|footer|login|tags|tag-?list|topics|popular|bio|rating|poll|read-?more|more-?on|see-?also|also-?read"
    r"|read-?next|up-?next|more-?stories|dateline|timestamp|meta-?data|entry-meta|article-meta|post-meta"
    r"|sr-only|visually-?hidden|screen-?reader-?text|skip-?link|author|authors|video-?player|audio-?player)$",
    re.IGNORECASE)


def _furniture_word(word: str) -> bool:
    return bool(_STRONG_FURNITURE.search(word) or _WEAK_FURNITURE.match(word))


_RELATED_WORD = re.compile(r"(?:^|[-_ ])(?:related\w*|also-?read|read-?more|more-?on|see-?also|read-?next)(?:$|[-_ ])",
                           re.IGNORECASE)
_CAPTION_WORD = re.compile(r"caption", re.IGNORECASE)
_NO_CAPTION = re.compile(r"^(?:no|has-no|without|hide|hidden)[-_]?caption", re.IGNORECASE)
_CREDIT_WORD = re.compile(r"credit|copyright|photographer|attribution|(?:^|[-_ ])(?:source|byline|author)(?:$|[-_ ])",
                          re.IGNORECASE)
_SCREEN_READER = re.compile(r"(?:^|\s)(?:off-?screen|sr-only|visually-?hidden|screen-?reader-?text|screenreader-?only"
                            r"|a11y-?hidden|u-?hidden-?visually)(?:$|\s)", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_PHOTO_CONTAINER = re.compile(r"(?:^|[-_ ])(?:image|img|photo|picture|media|figure|gallery|slide\w*|lead-?art|hero)"
                              r"(?:$|[-_ ])", re.IGNORECASE)
#: The schema.org markup of an article's body: a strong, widely used sign of the container.
_ARTICLE_BODY = "articlebody"


def _classes(element: etree._Element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".strip()


def is_caption(element: etree._Element) -> bool:
    """A figure caption: ``<figcaption>``, ``itemprop=caption`` or a class naming a caption (not ``no-caption``)."""
    if local_name(element) == "figcaption" or (element.get("itemprop") or "").lower() == "caption":
        return True
    return any(_CAPTION_WORD.search(c) and not _NO_CAPTION.match(c) for c in (element.get("class") or "").split())


def _is_hidden(element: etree._Element) -> bool:
    """Not shown: the ``hidden`` attribute or an inline ``display:none`` (``aria-hidden`` text is still seen)."""
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style") or ""))


def is_furniture_box(element: etree._Element, name: str) -> bool:
    """True for page furniture: navigation, forms, hidden boxes, ads, share bars, comments, related boxes…"""
    if name == "footer" and local_name(element.getparent()) in ("blockquote", "figure"):
        return False  # a quotation's attribution, a photo's credit
    if name in _DROP_TAGS or _is_hidden(element):
        return True
    if (element.get("role") or "").lower() in _DROP_ROLES:
        return True
    if _SCREEN_READER.search(element.get("class") or ""):
        return True  # labels for screen readers ("Image caption", "Image copyright"): not the page's text
    if name in BlockWalker.INLINE or name in ("html", "body", "article", "main", "img", "picture", "figure",
                                              "figcaption", "li", "p"):
        return False  # inline markup and the photo's own parts are never furniture by class name alone
    if is_caption(element) or (element.get("itemprop") or "").lower() == _ARTICLE_BODY:
        return False
    words = _classes(element)
    return bool(words) and any(_furniture_word(w) for w in words.split())


#: A box that class names call furniture is kept when it holds more than this share of the page's prose:
#: CMSs put words like ``tag-…`` and ``has-share-…`` on the article's own wrapper.
MAX_FURNITURE_SHARE = 0.3
_ALWAYS_FURNITURE = re.compile(r"comment|disqus", re.IGNORECASE)


#: A box that class names call furniture is kept when it holds this many solid paragraphs of its own.
MIN_KEPT_PARAGRAPHS = 3


def _holds_article(element: etree._Element, page_prose: int) -> bool:
    """True when a box holds the article's prose: much of the page's text, or several solid paragraphs."""
    if _prose_length(element) > MAX_FURNITURE_SHARE * page_prose:
        return True
    solid = 0
    for paragraph in element.iter("p"):
        text = text_of(paragraph)
        if len(text) >= 100 and _link_density(paragraph, len(text)) < 0.3:
            solid += 1
            if solid >= MIN_KEPT_PARAGRAPHS:
                return True
    return False


def _prose_length(element: etree._Element) -> int:
    """Characters of text outside links: prose, as opposed to the link lists of navigation and teasers."""
    links = sum(text_length(a) for a in element.iter("a"))
    return text_length(element) - links


def remove_furniture(root: etree._Element, base: str | None, related: list[Related]) -> None:
    """Drop page furniture from the tree in place; links of "related" boxes go to ``related``."""
    for element in list(root.iter(*_VOID_CONTAINERS)):
        _hoist_children(element)
    for element in list(root.iter(*_SCRIPTING)):  # first, so the prose measured below is the page's text
        _drop(element)
    doomed: list[etree._Element] = []
    body = root.find("body")
    prose = max(1, _prose_length(body if body is not None else root))
    stack = [root]
    while stack:  # depth first, in page order, never into a box already doomed
        element = stack.pop()
        if _is_furniture(element, prose, base, related, doomed):
            doomed.append(element)
        else:
            stack.extend(reversed(element))
    for element in doomed:
        if element.getparent() is not None:
            _drop(element)


def _is_furniture(element: etree._Element, prose: int, base: str | None, related: list[Related],
                  doomed: list[etree._Element]) -> bool:
    """True when ``element`` goes; a "related" box's links are kept aside first."""
    name = local_name(element)
    if not name:
        return True
    if name == "noscript":
        return not _unwrap_noscript(element, doomed)
    if not is_furniture_box(element, name):
        return False
    if (name not in _DROP_TAGS or name == "form") and not _is_hidden(element) \
            and not _ALWAYS_FURNITURE.search(_classes(element)) and _holds_article(element, prose):
        # a box of the article's own prose (a CMS wrapper with a "tag-…" class, an ASP.NET page-wide
        # <form>): kept; its controls (inputs, buttons) still go
        return False
    if any(_RELATED_WORD.search(w) for w in _classes(element).split()):
        related.extend(_related_links(element, base))
    return True


def _hoist_children(element: etree._Element) -> None:
    """Move what libxml2 nested inside a void element (``<embed>``, ``<source>``) out to after it."""
    children = list(element)
    parent = element.getparent()
    if parent is None or (not children and not element.text):
        return
    tail, text = element.tail, element.text
    element.text = None
    position = parent.index(element)
    for offset, child in enumerate(children, start=1):
        parent.insert(position + offset, child)
    if children:
        element.tail = text
        children[-1].tail = (children[-1].tail or "") + (tail or "")
    else:
        element.tail = (text or "") + (tail or "")


def _drop(element: etree._Element) -> None:
    """Remove an element but keep its tail text where it was."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _unwrap_noscript(element: etree._Element, doomed: list[etree._Element]) -> bool:
    """Lazy-loading pages put the real ``<img>`` in ``<noscript>``: keep it (True) when the script-side one has
    no picture, dropping that stand-in; else the ``<noscript>`` goes (False)."""
    imgs = [e for e in element.iter() if local_name(e) == "img"]
    parent = element.getparent()
    siblings = [e for e in parent.iter() if local_name(e) == "img" and e not in imgs] if parent is not None else []
    if imgs and not any(_image_candidates(s) for s in siblings):
        doomed.extend(siblings)
        element.tag = "span"
        return True
    return False


def _related_links(box: etree._Element, base: str | None) -> Iterator[Related]:
    for link in box.iter():
        if local_name(link) != "a":
            continue
        title = text_of(link)
        href = _absolute(link.get("href"), base)
        if title and len(title.split()) >= 3 and href:
            yield Related(title, href)


#: What a URL in an attribute may not hold: a value with these (JSON, markup, template code) is no URL.
_NOT_A_URL = re.compile(r"[\s{}<>\"`\\^|]")


def _absolute(raw: str | None, base: str | None) -> str | None:
    """A safe link target made absolute against the page's URL (when known), as a valid URI; else None."""
    url = safe_url(raw.strip() if raw else raw)
    if url is None or url.startswith("#") or _NOT_A_URL.search(url):
        return None
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    # non-ASCII characters (an IRI) are percent-encoded: feeds and books want URIs
    return safe_url(quote(url, safe=_URI_CHARACTERS))


# ---------------------------------------------------------------- 4. the article container

_POSITIVE = re.compile(r"article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story", re.IGNORECASE)
_NEGATIVE = re.compile(r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|footnote"
                       r"|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper"
                       r"|sponsor|shopping|tags|tool|widget", re.IGNORECASE)
_TEXT_HOLDERS = frozenset({"p", "pre", "td", "blockquote", "dd"})
_LOOSE_TEXT_HOLDERS = frozenset({"div", "section", "article", "main", "span", "font", "center", "body"})
_TAG_WEIGHT = {"div": 5, "article": 5, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
               "ol": -3, "ul": -3, "dl": -3, "li": -3, "address": -3, "form": -3,
               "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5}
#: How many ancestors of a paragraph share its score (Readability.js's choice).
MAX_SCORED_ANCESTORS = 5
#: Shortest text (characters) that counts as a paragraph when scoring containers.
MIN_PARAGRAPH = 25


def _class_weight(element: etree._Element) -> int:
    weight = 0
    for value in (element.get("class"), element.get("id")):
        if value:
            weight += 25 if _POSITIVE.search(value) else 0
            weight -= 25 if _NEGATIVE.search(value) else 0
    if (element.get("itemprop") or "").lower() == _ARTICLE_BODY:
        weight += 50
    return weight


def _loose_text(element: etree._Element) -> str:
    """The text that sits directly in a container, outside its block children (``<br>``-separated prose)."""
    parts = [element.text or ""]
    for child in element:
        name = local_name(child)
        if name in BlockWalker.INLINE:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return collapse(" ".join(parts))


def _link_density(element: etree._Element, length: int) -> float:
    """The share of an element's text (``length`` characters) that sits in links."""
    links = sum(text_length(a) for a in element.iter("a"))
    return min(1.0, links / length) if length else 1.0


def find_article(root: etree._Element, headline: str = "") -> tuple[etree._Element, list[etree._Element]]:
    """The element holding the article (readability's scoring), and the siblings that belong with it.

    When the page is a list of ``<article>`` elements (a post and its teasers), the one whose heading is
    the page's headline is the story.
    """
    body = root.find("body")
    body = body if body is not None else root
    scores: dict[etree._Element, float] = {}

    def credit(element: etree._Element | None, share: float) -> None:
        if element is None or not isinstance(element.tag, str):
            return
        if element not in scores:
            scores[element] = _TAG_WEIGHT.get(local_name(element), 0) + _class_weight(element)
        scores[element] += share

    for element in body.iter():
        name = local_name(element)
        if name in _TEXT_HOLDERS:
            text = text_of(element)
            holder = element.getparent()
        elif name in _LOOSE_TEXT_HOLDERS:
            text = _loose_text(element)
            holder = element
        else:
            continue
        if len(text) < MIN_PARAGRAPH:
            continue
        score = 1 + text.count(",") + min(len(text) // 100, 3)
        # as Readability.js: the parent gets it all, the grandparent half, older ancestors less and less
        for level in range(MAX_SCORED_ANCESTORS):
            if holder is None or holder is body.getparent():
                break
            credit(holder, score / (1 if level == 0 else 2 if level == 1 else level * 3))
            holder = holder.getparent()
    if not scores:
        return body, []
    final = {e: s * (1 - _link_density(e, text_length(e))) for e, s in scores.items()}
    ranked = sorted(final, key=lambda e: (-final[e], len(list(e.iterancestors()))))
    top = _headline_story(ranked, body, headline)
    if top is None:
        top = _better_parent(_common_ancestor(ranked, final, body), final, body)
    return top, _siblings(top, final)


def _better_parent(top: etree._Element, final: dict[etree._Element, float], body: etree._Element) -> etree._Element:
    """Readability.js's last look up: an ancestor that scores higher than the candidate below it holds more of
    the article (its other chunks); stop when the scores fall below a third."""
    last = final[top]
    threshold = last / 3
    story = _story_of(top)
    for ancestor in top.iterancestors():
        if ancestor is body or (story is not None and ancestor in story.iterancestors()):
            break
        score = final.get(ancestor)
        if score is None:
            continue
        if score < threshold:
            break
        if score > last:
            return ancestor
        last = score
    return top


def _story_of(element: etree._Element) -> etree._Element | None:
    return next((a for a in [element, *element.iterancestors()] if local_name(a) == "article"), None)


def _headline_story(ranked: list[etree._Element], body: etree._Element, headline: str) -> etree._Element | None:
    """The best candidate inside the ``<article>`` headed by the headline, when the best overall is in another."""
    story = _story_of(ranked[0])
    if not headline or story is None:
        return None
    heads = [h for h in body.iter("h1", "h2") if same_text(text_of(h), headline)]
    stories = [s for h in heads if (s := _story_of(h)) is not None]
    if not stories or story in stories:
        return None
    return next((c for c in ranked if c is stories[0] or stories[0] in c.iterancestors()), stories[0])


def _common_ancestor(ranked: list[etree._Element], final: dict[etree._Element, float],
                     body: etree._Element) -> etree._Element:
    """The top candidate, or the ancestor it shares with close rivals (an article split into several boxes)."""
    top = ranked[0]
    rivals = [c for c in ranked[1:5] if final[top] > 0 and final[c] / final[top] >= 0.75]
    if len(rivals) < 3:
        return top
    story = next((a for a in [top, *top.iterancestors()] if local_name(a) == "article"), None)
    for ancestor in top.iterancestors():
        if ancestor is body.getparent() or (story is not None and ancestor in story.iterancestors()):
            break  # never above the top candidate's <article>: the rivals out there are other stories
        if sum(1 for r in rivals if ancestor in r.iterancestors()) >= 3:
            final[ancestor] = max(final.get(ancestor, 0.0), final[top])
            return ancestor
    return top


def _holds_photo(element: etree._Element) -> bool:
    """A figure, or a box with a picture and a caption: the article's photos often sit beside its text."""
    if local_name(element) == "figure":
        return True
    descendants = list(element.iterdescendants())
    return any(local_name(e) == "picture" or is_picture(e) for e in descendants) \
        and any(local_name(e) == "figure" or is_caption(e) for e in descendants)


def _siblings(top: etree._Element, final: dict[etree._Element, float]) -> list[etree._Element]:
    """Siblings of the top candidate that readability would join to it (good score, or a solid paragraph)."""
    parent = top.getparent()
    if parent is None:
        return []
    threshold = max(10.0, final[top] * 0.2)
    joined = []
    for sibling in parent:
        if sibling is top or not isinstance(sibling.tag, str):
            continue
        name = local_name(sibling)
        if name == "article" and local_name(top) == "article":
            continue  # another story of a list of stories
        if final.get(sibling, 0) >= threshold or _holds_photo(sibling):
            joined.append(sibling)
        elif name == "p":
            text = text_of(sibling)
            density = _link_density(sibling, len(text))
            if (len(text) > 80 and density < 0.25) or (0 < len(text) <= 80 and density == 0 and re.search(r"\.( |$)", text)):
                joined.append(sibling)
    return joined


# ---------------------------------------------------------------- 5. walking the article


_LAZY_ATTRIBUTE = re.compile(r"^data-(?:[a-z-]*-)?(?:src|srcset|original|full|large|hi-?res|zoom|lazy|url)(?:-[a-z]+)?$")
_PLACEHOLDER = re.compile(r"(?:^|/)(?:blank|spacer|pixel|transparent|placeholder|preloader|loader|loading|grey|gray|1x1|lazy)"
                          r"[^/]*\.(?:gif|png|svg)",
                          re.IGNORECASE)
#: What a URL or path looks like, as opposed to the bare words lazy-loading scripts also keep in data-*
#: attributes ("loaded", "true", "lazy"): a scheme or a slash, or a file name with an image extension.
_URL_LIKE = re.compile(r"/|^[\w.~%+-]+\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?|heic)(?:[?#]|$)", re.IGNORECASE)
#: A URL that names a picture: an image file extension in its path, an image folder or host, an image
#: service's resize parameters. Web pages also put article links in data-src (recommendation widgets).
_IMAGE_URL = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?|heic)(?:$|[?#&,;/])"
                        r"|(?:^|[/.])(?:images?|img|imgs|photos?|pictures?|thumbs?|thumbnails?|imageserve|thumbor"
                        r"|tachyon|cloudinary|imgix|uploads)(?:[/.-]|$)"
                        r"|[?&](?:w|h|width|height|resize|crop|fit|quality|fm|format|auto)=", re.IGNORECASE)
_SPACE = frozenset(" \t\n\r\f")


def _srcset(value: str) -> Iterator[tuple[str, float]]:
    """``(url, width)`` pairs of a srcset, parsed as the HTML standard says (an ``x`` density counts as that many
    thousand pixels). A URL runs to white space, so commas inside it (``?resize=1200,630``) are part of it;
    commas at its end, or after its descriptors, end the candidate."""
    position, end = 0, len(value)
    while position < end:
        while position < end and (value[position] in _SPACE or value[position] == ","):
            position += 1
        start = position
        while position < end and value[position] not in _SPACE:
            position += 1
        url = value[start:position]
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            position = _srcset_descriptors(value, position, descriptors)
        if url:
            yield url, _srcset_width(descriptors)


def _srcset_descriptors(value: str, position: int, descriptors: list[str]) -> int:
    """Collect one candidate's descriptors (``1200w``, ``2x``) from ``position``; where the next candidate starts.
    A comma ends the candidate unless it is inside parentheses (the standard's tokenizer, in short)."""
    current, depth, end = "", 0, len(value)
    while position < end:
        char = value[position]
        position += 1
        if depth:
            depth -= char == ")"
            current += char
        elif char in _SPACE:
            if current:
                descriptors.append(current)
                current = ""
        elif char == ",":
            break
        else:
            depth += char == "("
            current += char
    if current:
        descriptors.append(current)
    return position


def _srcset_width(descriptors: list[str]) -> float:
    """The width a candidate's descriptors declare: ``w`` as is, ``x`` as thousands of pixels; 0 when none."""
    for descriptor in descriptors:
        number, unit = descriptor[:-1], descriptor[-1:].lower()
        if unit in ("w", "x"):
            try:
                size = float(number)
            except ValueError:
                continue
            return size * 1000 if unit == "x" else size
    return 0.0


#: Longest lazy-loading attribute read as JSON (``data-src='{"default": "//img…"}'``, a few hundred bytes).
MAX_JSON_ATTRIBUTE = 4096


def _json_urls(value: str) -> list[str]:
    """The URLs a lazy-loading attribute holding a JSON object gives (per breakpoint, perhaps one object each),
    in its order."""
    if len(value) > MAX_JSON_ATTRIBUTE:
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return []
    values = list(data.values()) if isinstance(data, dict) else []
    # one level down too: {"default": {"src": "//img…", "w": "80"}, "size2column": {…}}
    values += [v for d in values if isinstance(d, dict) for v in d.values()]
    return [v.strip() for v in values if isinstance(v, str) and _URL_LIKE.search(v) and not re.search(r"\s", v.strip())]


def _is_placeholder(url: str) -> bool:
    """A stand-in shown until a script loads the photo: a spacer/blank/1x1 file, or a tiny ``data:`` pixel."""
    if url[:5].lower() == "data:":
        return len(url) < 300  # a 1x1 GIF or PNG pixel is under 120 characters; a real photo is kilobytes
    return bool(_PLACEHOLDER.search(url))


def _image_candidates(img: etree._Element) -> list[tuple[float, str]]:
    """Every picture an ``<img>`` (with its ``<picture>`` sources and lazy-loading attributes) offers, with widths.

    A lazy-loading attribute counts only when its value looks like a URL (``data-lazy-state="loaded"`` does
    not); placeholders are left out, so a real ``src`` wins over junk and a real lazy URL over a spacer ``src``."""
    found: list[tuple[float, str]] = []
    elements = [img]
    # libxml2 may nest the <img> inside a <source> of its <picture>: look two levels up
    picture = next((a for a in list(img.iterancestors())[:2] if local_name(a) == "picture"), None)
    if picture is not None:
        elements += [s for s in picture.iter() if local_name(s) == "source"]
    width = float(positive_int(img.get("width")) or 0)
    for element in elements:
        for attribute, value in element.attrib.items():
            attribute = attribute.lower()
            if not value or not (attribute in ("src", "srcset") or _LAZY_ATTRIBUTE.match(attribute)):
                continue
            if "srcset" in attribute or ("," in value and re.search(r"\s\d+(?:\.\d+)?[wx]\s*(,|$)", value)):
                found.extend((size, url) for url, size in _srcset(value))
            elif attribute != "src" and value.lstrip().startswith("{"):
                found.extend((width + 0.5, url) for url in _json_urls(value))
            elif not re.search(r"\s", value.strip()) and (attribute == "src" or _URL_LIKE.search(value)):
                # a lazy-loading attribute holds the real picture; the plain src of such an <img> is a stand-in
                found.append((width + (0.5 if attribute != "src" else 0.0), value.strip()))
    return [(size, url) for size, url in found if not _is_placeholder(url)]


def is_picture(element: etree._Element) -> bool:
    """An ``<img>``, or an empty box a script fills with a picture (``<div data-src="…/photo.jpg">``).

    A box counts only when its lazy-loading attribute names an image (a file extension, an image folder or
    host, resize parameters): recommendation widgets keep article links in ``data-src`` too."""
    name = local_name(element)
    if name == "img":
        return True
    return name in ("div", "span") and len(element) == 0 and any(
        _LAZY_ATTRIBUTE.match(attribute.lower()) and _IMAGE_URL.search(value) and not _NOT_A_URL.search(value.strip())
        for attribute, value in element.attrib.items())


def _pictures(element: etree._Element) -> list[etree._Element]:
    return [e for e in element.iter() if is_picture(e)]


#: Class words of the boxes and pictures that show an author (avatars and headshots beside a byline).
_AVATAR_WORD = re.compile(r"(?:^|[-_])(?:avatars?|headshots?|mugshots?|gravatar|authors?|byline\w*|contrib\w*"
                          r"|profile-?(?:pic|photo|image|img)s?)(?:$|[-_])", re.IGNORECASE)
#: File names and folders of author pictures.
_AVATAR_FILE = re.compile(r"(?:^|[/_.-])(?:avatars?|headshots?|mugshots?|gravatar)(?:[/_.-]|$)", re.IGNORECASE)
#: Words an avatar's alt text adds to the author's name ("Photo of Jane Doe", "Jane Doe headshot").
_AVATAR_FILLER = frozenset({"photo", "picture", "image", "headshot", "avatar", "portrait", "of", "author", "profile",
                            "by", "mug", "thumbnail", "s"})
#: How many ancestors of a picture are looked at for an author box, and the most text such a box holds
#: (a name, a role, a date, a short bio; an article is longer).
AUTHOR_BOX_LEVELS = 4
MAX_AUTHOR_BOX_TEXT = 300
_PIXELS = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)px", re.IGNORECASE)


def declared_side(img: etree._Element) -> int | None:
    """The smaller side a picture declares (``width``/``height`` attributes, else inline ``px`` style), or None."""
    sides = [positive_int(img.get(side)) for side in ("width", "height")]
    sides += [int(float(value)) for _, value in _PIXELS.findall(img.get("style") or "")]
    known = [side for side in sides if side]
    return min(known) if known else None


def _names_someone(text: str, names: tuple[str, ...]) -> bool:
    """True when ``text`` is one of ``names``, give or take words like "photo of" or "headshot"."""
    words = [w for w in re.findall(r"\w+", text.lower()) if w not in _AVATAR_FILLER]
    return bool(words) and any(words == re.findall(r"\w+", name.lower()) for name in names)


def _in_author_box(img: etree._Element) -> bool:
    """True when the picture is, or sits in a small box that is, marked as an author's (class, rel, itemprop)."""
    for element in [img, *list(img.iterancestors())[:AUTHOR_BOX_LEVELS]]:
        marked = "author" in (element.get("rel") or "").lower().split() \
            or (element.get("itemprop") or "").lower() in ("author", "creator") \
            or any(_AVATAR_WORD.search(word) for word in _classes(element).split())
        if marked and (element is img or text_length(element) <= MAX_AUTHOR_BOX_TEXT):
            return True
    return False


def is_author_picture(img: etree._Element) -> bool:
    """True for a picture that its markup or file name marks as an author's: in an author box, an avatar."""
    if _in_author_box(img):
        return True
    return any(_AVATAR_FILE.search(urlsplit(url).path) for _, url in _image_candidates(img))


class PageWalker(BlockWalker):
    """The shared walker, taught what a web page adds: furniture, lazy images, captions by class, page URL."""

    def __init__(self, base: str | None, headline: str, notes: list[Inferred], authors: tuple[str, ...] = ()) -> None:
        super().__init__(preserve=False)
        self.base = base
        self.headline = headline
        self.notes = notes
        #: the bylines' names: a picture whose alt text is one of them is the author's, not the story's
        self.authors = authors
        #: figures made of a caption standing on its own (the photo it belongs to may be just before it)
        self.loose_captions: set[int] = set()

    def skip(self, element: etree._Element, name: str) -> bool:
        # the furniture left the tree before the walk (remove_furniture); a <form> still here wraps the article
        return name in self.DROP and name != "form"

    def href(self, raw: str | None) -> str | None:
        return _absolute(raw, self.base)

    def is_avatar(self, img: etree._Element) -> bool:
        """True for an author's picture: alt or title naming a byline, an author box, an avatar's file name.
        The README promises figures "never an avatar"."""
        return self.names_author(img) or is_author_picture(img)

    def names_author(self, img: etree._Element) -> bool:
        """True when the picture's alt or title is a byline's name ("Jane Doe", "Photo of Jane Doe")."""
        return any(_names_someone(img.get(key) or "", self.authors) for key in ("alt", "title", "data-alt"))

    def image_of(self, img: etree._Element) -> Image | None:
        """The largest picture the ``<img>`` offers, absolute; ``data:`` pictures dropped with a note.
        Icons, spacers and tracking pixels (a declared side under :data:`MIN_PHOTO_SIDE`) are no photos."""
        side = declared_side(img)
        if side is not None and side < MIN_PHOTO_SIDE:
            return None
        usable: list[tuple[float, int, str]] = []
        for order, (size, raw) in enumerate(_image_candidates(img)):
            if raw.lower().startswith("data:"):
                continue
            url = _absolute(raw, self.base)
            if url:
                usable.append((size, -order, url))
        if not usable:
            if any(raw.lower().startswith("data:image") and len(raw) > 200 for _, raw in _image_candidates(img)):
                self.notes.append(Inferred("body", "data:", "a photo embedded as a data: URL was dropped "
                                           "(stories link photos by URL or file)"))
            return None
        url = max(usable)[2]
        return Image(url, media_type_for(urlsplit(url).path), positive_int(img.get("width")), positive_int(img.get("height")))

    def image_block(self, img: etree._Element) -> Iterator[Block]:
        if self.is_avatar(img):
            return
        image = self.image_of(img)
        if image is not None:
            alt = collapse(img.get("alt") or img.get("data-alt") or "") or None
            yield Figure("", None, alt, image)

    def block(self, element: etree._Element, name: str, preserve: bool, depth: int) -> Iterator[Block]:
        if name in ("h1", "h2") and same_text(text_of(element), self.headline):
            return  # the headline, repeated at the top of the article
        if name in ("ul", "ol") and any(local_name(e) in ("img", "figure") for e in element.iter()):
            yield from self._container(element, preserve, depth)  # a gallery laid out as a list
        elif name == "p" and any(local_name(e) == "img" for e in element.iterdescendants()):
            yield from self._container(element, preserve, depth)  # a photo (and its caption) set inside a <p>
        elif name == "figure" or self._is_photo_box(element, name):
            yield from self.figure(element, preserve)
        elif is_caption(element):
            caption, credit = self._caption_and_credit(element, preserve)
            if caption or credit:
                loose = Figure(caption, credit)
                self.loose_captions.add(id(loose))
                yield loose
        elif is_picture(element) and name != "img":
            yield from self.image_block(element)
        elif name == "picture":
            img = next((e for e in element.iter() if local_name(e) == "img"), None)
            if img is not None:
                yield from self.image_block(img)
        elif name in ("table",) and not self._is_data_table(element):
            yield from self._container(element, preserve, depth)  # a layout table: its cells are the page
        elif name in ("tbody", "thead", "tr", "td", "th"):
            yield from self._container(element, preserve, depth)
        else:
            yield from super().block(element, name, preserve, depth)

    @staticmethod
    def _is_data_table(element: etree._Element) -> bool:
        return not any(local_name(e) in ("p", "div", "table", "img") for e in element.iterdescendants())

    def _is_photo_box(self, element: etree._Element, name: str) -> bool:
        """A box holding one photo and its caption (and little else): a figure without the ``<figure>`` tag."""
        if name in ("p", "li", "body", "html", "td", "tr", "table", "ul", "ol"):
            return False
        imgs = _pictures(element)
        if not imgs:
            return False
        captions = [e for e in element.iterdescendants() if is_caption(e)]
        outermost = [c for c in captions if not any(is_caption(a) for a in c.iterancestors() if a is not element)]
        if len(outermost) > 1 or any(_is_prose(e) and not _inside_any(e, outermost) for e in element.iterdescendants()):
            return False
        if outermost:
            rest = text_length(element) - text_length(outermost[0])
            return rest < 80
        return len(imgs) == 1 and text_length(element) < 200 \
            and (bool(_PHOTO_CONTAINER.search(_classes(element))) or bool(_outermost_credits(element)))

    def figure(self, element: etree._Element, preserve: bool) -> Iterator[Block]:
        """A photo with its caption and credit (credit markup, else a credit at the caption's end), and real alt."""
        captions = [e for e in element.iterdescendants() if is_caption(e)]
        outermost = [c for c in captions if not any(is_caption(a) for a in c.iterancestors() if a is not element)]
        nested = [e for e in element.iterdescendants() if local_name(e) == "figure"]
        if len(outermost) > 1 or nested:  # a gallery: each photo its own figure
            yield from self._container(element, preserve, 0)
            return
        img = next(iter(_pictures(element)), None)
        avatar = img is not None and self.is_avatar(img)
        if avatar and not outermost:
            return  # an author box (a headshot, the name, perhaps a date): no figure of the story
        if outermost:
            caption, credit = self._caption_and_credit(outermost[0], preserve)
            credit = credit or self._credit_outside(element, outermost[0], preserve)
        else:  # no caption markup: the box's own text, its credit by markup or at its end
            caption, credit = self._caption_and_credit(element, preserve)
        if avatar and img is not None:
            if not caption or _names_someone(caption, self.authors):
                return  # the "caption" of an author box is its byline and date
            if is_author_picture(img):
                img = None  # a caption beside an author's headshot: the caption stays, the headshot goes
            # else a captioned photo whose alt happens to name the author ("Reuters"): a photo of the story
        image = self.image_of(img) if img is not None else None
        alt = collapse(img.get("alt") or img.get("data-alt") or "") if img is not None else ""
        if caption or credit or image is not None:
            yield Figure(caption, credit, alt if alt and alt != caption else None, image)

    def _caption_and_credit(self, caption_element: etree._Element, preserve: bool) -> tuple[str, str | None]:
        credits = _outermost_credits(caption_element)
        if credits:
            credit = " ".join(t for e in credits if (t := text_of(e))) or None
            for element in credits:
                element.tag = "credit"  # the caption's text leaves the credit out
            caption = self.plain(caption_element, preserve, skip=frozenset({"credit"}))
            return caption, credit
        return split_credit(self.plain(caption_element, preserve))

    def _credit_outside(self, figure: etree._Element, caption: etree._Element, preserve: bool) -> str | None:
        credits = [e for e in _outermost_credits(figure) if not _inside_any(e, [caption])]
        return " ".join(t for e in credits if (t := text_of(e))) or None


def _is_prose(element: etree._Element) -> bool:
    """A nested figure, or a paragraph or heading with words of its own (not just a wrapper of the picture)."""
    name = local_name(element)
    if name == "figure":
        return True
    return name in ("p", "h2", "h3", "h4", "blockquote", "ul", "ol") and text_length(element) > 20


def _outermost_credits(element: etree._Element) -> list[etree._Element]:
    """The credit-marked elements inside ``element``, not those inside another credit."""
    found = [e for e in element.iterdescendants() if _is_credit(e)]
    return [e for e in found if not any(a in found for a in e.iterancestors())]


def _is_credit(element: etree._Element) -> bool:
    itemprop = (element.get("itemprop") or "").lower()
    return itemprop in ("copyrightholder", "creator", "author", "creditText".lower()) or (
        not is_caption(element) and bool(_CREDIT_WORD.search(element.get("class") or "")))


def _inside_any(element: etree._Element, boxes: list[etree._Element]) -> bool:
    return any(element is box or box in element.iterancestors() for box in boxes)


# ---------------------------------------------------------------- 6. tidying the blocks

_DATE_LINE = re.compile(r"^(?:published|updated|posted|last updated|first published)\b", re.IGNORECASE)


def tidy(blocks: list[Block], meta: PageMeta, loose_captions: set[int]) -> list[Block]:
    """Merge a loose caption with the photo just before it; show each photo once; drop furniture lines, the
    byline and date lines."""
    out: list[Block] = []
    shown: dict[str, int] = {}  # a photo's URL -> where its figure is in ``out``
    for block in blocks:
        previous = out[-1] if out else None
        if isinstance(block, Figure) and id(block) in loose_captions and isinstance(previous, Figure) \
                and previous.image is not None and not previous.caption and not previous.credit:
            out[-1] = Figure(block.caption, block.credit, previous.alt, previous.image)
            continue
        if isinstance(block, Figure) and block.image is not None:
            first = out[shown[block.image.src]] if block.image.src in shown else None
            if isinstance(first, Figure) and not _different_captions(first, block):
                # the same photo again (an author box at the top and the bottom, a lead photo repeated)
                _keep_caption(out, shown[block.image.src], block)
                continue
            shown.setdefault(block.image.src, len(out))
        if isinstance(block, (Paragraph, Heading)) and _is_page_line(block.text, meta):
            continue
        if isinstance(block, Figure) and block.image is None and not block.credit and is_furniture(block.caption):
            continue  # an ad slot's "Advertisement" label in a caption-classed box: no photo, no caption
        if isinstance(block, ListBlock):
            items = tuple(i for i in block.items if not is_furniture(i))
            if not items:
                continue
            block = ListBlock(items, block.ordered)
        out.append(block)
    return out


def _different_captions(first: Figure, again: Figure) -> bool:
    """True when two figures with one picture URL have different captions: then the URL is a stand-in that
    several photos share (a lazy-loading page's spacer), not one photo shown twice, and both are kept."""
    return bool(first.caption and again.caption) and not same_text(first.caption, again.caption)


def _keep_caption(out: list[Block], index: int, again: Figure) -> None:
    """A photo shown twice is kept where it first stands, with the caption and credit of its captioned showing."""
    first = out[index]
    if isinstance(first, Figure) and not first.caption and not first.credit and (again.caption or again.credit):
        out[index] = Figure(again.caption, again.credit, first.alt or again.alt, first.image)


def _is_page_line(text: str, meta: PageMeta) -> bool:
    if is_furniture(text):
        return True
    if len(text) <= 120 and _DATE_LINE.match(text):
        return True
    if len(text) <= 100 and re.match(r"^by\s", text, re.IGNORECASE) and meta.bylines \
            and any(b.name.lower() in text.lower() for b in meta.bylines):
        return True
    return bool(meta.subheadline) and same_text(text, meta.subheadline or "")


# ---------------------------------------------------------------- the reader


def read(source: InputFile) -> Story:
    """Read a saved article page into a :class:`Story` (see the module docstring for how)."""
    return read_with(_draft, source)


def _draft(source: InputFile) -> Draft:
    notes: list[Inferred] = []
    text = decode_page(source.data, source.name, notes)
    root = parse_page(text, source.name)
    meta = read_meta(root, notes)
    related: list[Related] = []
    remove_furniture(root, meta.base, related)
    top, siblings = find_article(root, meta.headline or "")
    walker = PageWalker(meta.base, meta.headline or "", notes, tuple(b.name for b in meta.bylines))
    parent = top.getparent()
    blocks: list[Block] = []
    if siblings and parent is not None:
        for child in parent:
            if child is top:
                blocks.extend(walker.blocks(top))
            elif child in siblings:
                blocks.extend(walker.block(child, local_name(child), False, 1))
    else:
        blocks = walker.blocks(top)
    lead = [b for e in _lead_photos(root, top, siblings, meta.headline or "")
            for b in walker.block(e, local_name(e), False, 1)
            if isinstance(b, Figure) and b.image is not None and (b.image.width or MIN_LEAD_SIDE) >= MIN_LEAD_SIDE]
    shown = {f.image.src for f in blocks if isinstance(f, Figure) and f.image is not None}
    lead = [f for f in lead if f.image is not None and f.image.src not in shown]  # no photo twice
    body = tidy(lead + blocks, meta, walker.loose_captions)
    return replace(meta, body=body, related=tuple(_unique(related)))


#: Most photos taken from between the headline and the article's text (the lead photo, a lead gallery's first).
MAX_LEAD_PHOTOS = 2
#: A lead photo narrower than this (declared) is an avatar or a logo.
MIN_LEAD_SIDE = 200


def _lead_photos(root: etree._Element, top: etree._Element, siblings: list[etree._Element],
                 headline: str) -> list[etree._Element]:
    """Captioned photos between the headline and the article container: the lead photo most pages set there."""
    heading = next((h for h in root.iter("h1") if same_text(text_of(h), headline)), None)
    if heading is None or top in heading.iterancestors():
        return []
    order = {e: i for i, e in enumerate(root.iter())}
    start, end = order.get(heading, -1), order.get(top, -1)
    if not 0 <= start < end:
        return []
    taken = [top, *siblings]
    around = set(top.iterancestors())  # the boxes holding the article hold its photos too: not a lead photo
    found: list[etree._Element] = []
    for element in root.iter():
        position = order[element]
        if position <= start:
            continue
        if position >= end:
            break
        if element in around or _inside_any(element, taken + found):
            continue
        if local_name(element) == "figure" or (_holds_photo(element) or _credited_photo(element)) \
                and local_name(element) not in ("body", "article", "main", "html"):
            found.append(element)
    return found[:MAX_LEAD_PHOTOS]


def _credited_photo(element: etree._Element) -> bool:
    """A small box of one picture and its credit line (a lead photo without a caption)."""
    return len(_pictures(element)) == 1 and bool(_outermost_credits(element)) and text_length(element) < 200


def _unique(related: list[Related]) -> list[Related]:
    seen: set[str | None] = set()
    out = []
    for item in related:
        if item.url not in seen:
            seen.add(item.url)
            out.append(item)
    return out[:20]

