"""A web page's own metadata: JSON-LD, OpenGraph and ``article:*``, ``<meta name>``, ``itemprop``, ``<time>``, bylines.

Each field is taken from the strongest signal that gives it, in this order:
JSON-LD ``NewsArticle``/``Article`` (and their kin, also inside ``@graph``
or a list), then OpenGraph/``article:*`` properties, then ``<meta name>``
conventions (Dublin Core, Parse.ly, Sailthru), then microdata
(``itemprop``), then the page's markup (``<time>``, ``rel=author``, byline
classes, ``<h1>``, ``<title>``). A value that came from markup rather than
a declaration, or that needed a default (a date without an offset is
taken as UTC), is recorded in ``inferred``.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from dateutil import parser as date_parser
from lxml import etree

from ..html import safe_url
from ..model import LANGUAGE_TAG, Byline, Inferred, Source, Subject
from .finish import Draft
from .xhtml import collapse, local_name, text_of

__all__ = ["PageMeta", "read_meta", "same_text", "clean_byline"]

_ARTICLE_TYPES = frozenset({
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "blogposting", "liveblogposting",
    "scholarlyarticle", "techarticle", "report", "socialmediaposting", "satiricalarticle", "advertisercontentarticle"})
_WORD = re.compile(r"\w+")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—•·:-]\s+|\s+[-–—]\s*$")
_DECK_WORD = re.compile(r"(?:^|[-_ ])(?:dek|deck|standfirst|sub-?head(?:line)?|subtitle|article-?summary|strapline|kicker-?text)"
                        r"(?:$|[-_ ])", re.IGNORECASE)
_BYLINE_WORD = re.compile(r"(?:^|[-_ ])(?:byline\w*|author-?name|authors?|contributor\w*|writer)(?:$|[-_ ])", re.IGNORECASE)
#: JSON-LD blocks larger than this are not parsed (a page's own metadata is a few KB).
MAX_JSONLD_CHARS = 512 * 1024


@dataclass
class PageMeta(Draft):
    """What a page says about its article: the reader's draft (without its body) and what links resolve against."""

    base: str | None = None


def same_text(a: str, b: str) -> bool:
    """True when two texts have the same words (case, punctuation and spacing aside)."""
    return bool(a) and [w.lower() for w in _WORD.findall(a)] == [w.lower() for w in _WORD.findall(b)]


def _http(url: Any) -> str | None:
    if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
        return safe_url(url.strip())
    return None


# ---------------------------------------------------------------- the signals


def _json_ld(root: etree._Element) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, flattened out of lists and ``@graph``."""
    found: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        text = (script.text or "").strip()
        if not text or len(text) > MAX_JSONLD_CHARS:
            continue
        text = re.sub(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$", "", text)
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue
        found.extend(_flatten(data, 0))
    return found


def _flatten(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 5:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), (list, dict)):
                yield from _flatten(data[key], depth + 1)


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower().rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _article_ld(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The page's article object: the first of an article type that has a headline, else the first one."""
    articles = [i for i in items if _types(i) & _ARTICLE_TYPES]
    with_headline = [a for a in articles if isinstance(a.get("headline"), str)]
    # a page typed otherwise (MedicalWebPage, WebPage) that still gives a headline and a date is the article
    pages = [i for i in items if isinstance(i.get("headline"), str) and i.get("datePublished")]
    return (with_headline or articles or pages or [{}])[0]


def _metas(root: etree._Element) -> dict[str, list[str]]:
    """``<meta>`` contents by lowercased ``property``/``name``/``itemprop``/``http-equiv``, in page order."""
    metas: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        content = meta.get("content")
        if content is None or not content.strip():
            continue
        for key in ("property", "name", "itemprop", "http-equiv"):
            name = meta.get(key)
            if name:
                metas.setdefault(name.strip().lower(), []).append(collapse(content))
    return metas


_ANY_SPACE = re.compile(r"\s+")


def decoded(text: str) -> str:
    """Text from JSON-LD or a ``<meta content>``, its HTML entities decoded and white space collapsed.

    CMSs write these values HTML-encoded ("&#8216;", "&nbsp;", "&quot;"), some twice ("&amp;#8217;"): a
    JSON string is not decoded by the parser at all and an attribute only once, so entities are decoded
    up to twice here. Only text goes through this, never a URL ("&copy=1" is a query, not "©=1")."""
    for _ in range(2):
        if "&" not in text:
            break
        text = html.unescape(text)
    return collapse(_ANY_SPACE.sub(" ", text))  # "&nbsp;" decoded is a no-break space: a space here


def _texts(metas: dict[str, list[str]], *names: str) -> list[str]:
    """Every text of the named ``<meta>`` elements, in order, entities decoded (see :func:`decoded`)."""
    return [text for name in names for value in metas.get(name, []) if (text := decoded(value))]


def _first(metas: dict[str, list[str]], *names: str) -> str | None:
    """The first non-empty text of the named ``<meta>`` elements, entities decoded (see :func:`decoded`)."""
    for name in names:
        for value in metas.get(name, []):
            text = decoded(value)
            if text:
                return text
    return None


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, (str, dict))), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("text")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return decoded(value) or None if isinstance(value, str) else None


# ---------------------------------------------------------------- fields


def read_meta(root: etree._Element, notes: list[Inferred]) -> PageMeta:
    """Everything the page says about its article (before its furniture is removed)."""
    items = _json_ld(root)
    article = _article_ld(items)
    metas = _metas(root)
    meta = PageMeta(inferred=notes)
    meta.url = _page_url(root, article, metas)
    meta.base = _base(root, meta.url)
    meta.headline = _headline(root, article, metas, notes)
    meta.subheadline = _deck(root, article, meta.headline)
    meta.summary = _ld_text(article.get("description")) or _first(metas, "og:description", "description",
                                                                  "twitter:description", "dc.description")
    meta.bylines = _bylines(root, article, metas, notes)
    _dates(meta, root, article, metas)
    meta.language = _language(root, article, metas)
    meta.source = _source(items, article, metas, meta.url)
    meta.rights = _rights(article, metas)
    meta.keywords = _keywords(article, metas)
    meta.subjects = _sections(article, metas)
    return meta


def _page_url(root: etree._Element, article: dict[str, Any], metas: dict[str, list[str]]) -> str | None:
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and _http(link.get("href")):
            return _http(link.get("href"))
    entity = article.get("mainEntityOfPage")
    entity_url = entity.get("@id") if isinstance(entity, dict) else entity
    return _http(next(iter(metas.get("og:url", [])), None)) or _http(article.get("url")) or _http(entity_url)


def _base(root: etree._Element, url: str | None) -> str | None:
    """What relative links resolve against: an http(s) ``<base href>`` (made absolute), else the page's URL."""
    base = next((b.get("href") for b in root.iter("base") if b.get("href")), None)
    if base:
        joined = urljoin(url, base.strip()) if url else base.strip()
        if _http(joined):
            return _http(joined)
    return url


def _headline(root: etree._Element, article: dict[str, Any], metas: dict[str, list[str]],
              notes: list[Inferred]) -> str | None:
    declared = _ld_text(article.get("headline")) or _first(metas, "og:title", "twitter:title", "dc.title",
                                                            "parsely-title", "sailthru.title")
    h1s = [t for h in root.iter("h1") if (t := text_of(h))]
    if declared:
        # a declared title often carries the site's name; the page's own <h1> saying the same words is cleaner
        return next((h for h in h1s if same_text(h, declared) or _title_of(h, declared)), declared)
    if h1s:
        notes.append(Inferred("headline", h1s[0], "the page declares no headline; its first <h1>"))
        return h1s[0]
    title = next((text_of(t) for t in root.iter("title")), "")
    title = _TITLE_SEPARATORS.split(title)[0].strip() if title else ""
    if title:
        notes.append(Inferred("headline", title, "the page declares no headline and has no <h1>; its <title>"))
        return title
    return None


def _title_of(heading: str, title: str) -> bool:
    """True when ``title`` is ``heading`` followed by a separator and more (the site's name)."""
    words, title_words = _WORD.findall(heading.lower()), _WORD.findall(title.lower())
    return len(words) >= 2 and title_words[:len(words)] == words \
        and _TITLE_SEPARATORS.search(title[len(heading) - 3:]) is not None


def _deck(root: etree._Element, article: dict[str, Any], headline: str | None) -> str | None:
    alternative = _ld_text(article.get("alternativeHeadline"))
    if alternative and not same_text(alternative, headline or ""):
        return alternative
    for element in root.iter():
        words = f"{element.get('class') or ''} {element.get('itemprop') or ''}"
        if local_name(element) in ("p", "h2", "div", "span") and _DECK_WORD.search(words):
            text = text_of(element)
            if 20 <= len(text) <= 400 and not same_text(text, headline or ""):
                return text
    return None


_BY = re.compile(r"^\s*(?:written\s+|posted\s+|reported\s+)?by[:\s]+", re.IGNORECASE)
_BYLINE_CUT = re.compile(r"\s*(?:\||•|·|—|–|\bon\s+\w+\s+\d|\bupdated\b|\bpublished\b|\bposted\b|\d{1,2}[:/.]\d{2}"
                         r"|\b\d{4}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d).*$",
                         re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:,\s*and\s+|\band\b|&|,|;)\s*", re.IGNORECASE)
_CREDENTIAL = re.compile(r"^(?:[A-Z]{1,5}|Ph\.?\s?D\.?|M\.?D\.?|Jr\.?|Sr\.?|[A-Z]\.(?:[A-Z]\.)+)$")
_ROLE = re.compile(r"\b(?:writer|reporter|editor|correspondent|staff|contributor|columnist|producer|photographer"
                   r"|bureau|chief|intern|critic)s?\b", re.IGNORECASE)
_NAME = re.compile(r"^[^\W\d_][\w.'’\- ]{1,60}$")


def clean_byline(text: str) -> list[str]:
    """The names in a byline's text: no "By", no date or time, no role after a comma-less dash; empty if none."""
    text = _BYLINE_CUT.sub("", _BY.sub("", collapse(text)))
    names: list[str] = []
    for part in _NAME_SPLIT.split(text):
        part = part.strip(" .,:")
        if names and (_CREDENTIAL.match(part) or _ROLE.search(part)):
            continue  # "Rachael Link, MS, RD", "Jane Doe, Staff Writer": what the author is, not a second author
        if _NAME.match(part) and 1 <= len(part.split()) <= 5 and "@" not in part and not part.lower().startswith("http"):
            names.append(part)
    return names


def _ld_people(value: Any) -> Iterator[tuple[str, str | None]]:
    for person in value if isinstance(value, list) else [value]:
        if isinstance(person, dict):
            name = person.get("name")
            if isinstance(name, list):
                name = next((n for n in name if isinstance(n, str)), None)
            if isinstance(name, str):
                url = person.get("url")
                yield decoded(name), _http(url if isinstance(url, str) else None)
        elif isinstance(person, str):
            yield decoded(person), None


def _bylines(root: etree._Element, article: dict[str, Any], metas: dict[str, list[str]],
             notes: list[Inferred]) -> tuple[Byline, ...]:
    found: list[Byline] = []
    for raw, url in _ld_people(article.get("author")):
        for name in clean_byline(raw):
            found.append(Byline(name, url=url))
    if not found:
        for raw in _texts(metas, "author", "article:author", "dc.creator", "parsely-author", "sailthru.author"):
            found.extend(Byline(n) for n in clean_byline(raw))
    if not found:
        found = [Byline(n) for n in _marked_bylines(root)]
        if found:
            notes.append(Inferred("bylines", ", ".join(b.name for b in found),
                                  "the page declares no author; read from its byline markup"))
    unique: dict[str, Byline] = {}
    for byline in found:
        unique.setdefault(byline.name.lower(), byline)
    return tuple(unique.values())[:10]


def _byline_rank(element: etree._Element, name: str) -> int | None:
    """How precisely an element marks an author: 0 ``rel``/``itemprop=author``, 1 an author class,
    2 a byline class (a box that may hold the date too); None when it marks none."""
    if "author" in (element.get("rel") or "").lower().split() or (element.get("itemprop") or "").lower() == "author":
        return 0
    if name in ("body", "article", "main", "html"):
        return None
    words = (element.get("class") or "").lower().split()
    if any(w in ("author", "author-name", "byline-name", "byline__name", "byline-author") or w.endswith("__author")
           for w in words):
        return 1
    return 2 if _BYLINE_WORD.search(element.get("class") or "") else None


def _marked_bylines(root: etree._Element) -> list[str]:
    """Names from ``rel=author``/``itemprop=author`` markup, else author classes, else byline boxes."""
    body = root.find("body")
    found: dict[int, list[str]] = {}
    for element in (body if body is not None else root).iter():
        name = local_name(element)
        if name in ("script", "style", "head"):
            continue
        rank = _byline_rank(element, name)
        if rank is None:
            continue
        text = text_of(element)
        if 0 < len(text) <= 150:
            for person in clean_byline(text):
                if person not in found.setdefault(rank, []):
                    found[rank].append(person)
    return found[min(found)][:10] if found else []


def _parse_date(text: str) -> tuple[datetime, bool, bool] | None:
    """``(moment, day only, offset assumed)`` of a date text, or None when it is not a date."""
    text = text.strip()
    if not text or len(text) > 80:
        return None
    day_only = re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None
    try:
        moment = date_parser.isoparse(text)
    except (ValueError, OverflowError):
        try:
            with warnings.catch_warnings():  # an unknown zone name ("IST") is a warning there: no offset, UTC assumed
                warnings.simplefilter("ignore")
                moment = date_parser.parse(text, fuzzy=False)
        except (ValueError, OverflowError, TypeError):
            return None
    if not 1900 <= moment.year <= 2200:
        return None
    assumed = moment.tzinfo is None or moment.utcoffset() is None
    if assumed:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment, day_only, assumed and not day_only


def _dates(meta: PageMeta, root: etree._Element, article: dict[str, Any], metas: dict[str, list[str]]) -> None:
    published_texts = [_ld_text(article.get("datePublished")), _ld_text(article.get("dateCreated")),
                       _first(metas, "article:published_time", "og:published_time", "datepublished",
                              "pubdate", "publishdate", "publish-date", "date", "dc.date.issued", "dc.date",
                              "parsely-pub-date", "sailthru.date", "dcterms.created")]
    updated_texts = [_ld_text(article.get("dateModified")),
                     _first(metas, "article:modified_time", "og:updated_time", "datemodified", "last-modified",
                            "dcterms.modified")]
    published = next((p for t in published_texts if t and (p := _parse_date(t))), None)
    guessed = False
    if published is None:
        published = _time_element(root, ("datepublished", "published", "pubdate")) or _printed_date(root)
        guessed = published is not None
    updated = next((p for t in updated_texts if t and (p := _parse_date(t))), None)
    if published is not None:
        meta.published, meta.date_only = published[0], published[1]
        if guessed:
            meta.inferred.append(Inferred("published", published[0].isoformat(),
                                          "the page declares no date; read from its <time> or date markup"
                                          + (", UTC assumed" if published[2] else "")))
        elif published[2]:
            meta.inferred.append(Inferred("published", published[0].isoformat(), "the date has no UTC offset; UTC assumed"))
    if updated is not None and (published is None or updated[0] > published[0]):
        meta.updated = updated[0]
        meta.date_only = meta.date_only and updated[1]
        if updated[2]:
            meta.inferred.append(Inferred("updated", updated[0].isoformat(), "the date has no UTC offset; UTC assumed"))


# US and European zone abbreviations news pages print after a time ("11:34 PM EST").
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
          "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600, "BST": 3600, "CET": 3600,
          "CEST": 7200, "WET": 0, "WEST": 3600, "EET": 7200, "EEST": 10800}
_DATE_CLASS = re.compile(r"publish|date|timestamp|posted", re.IGNORECASE)
_DATE_LABEL = re.compile(r"^\s*(?:published|posted|first published|updated|last updated)\s*(?:on|at)?\s*:?\s*",
                         re.IGNORECASE)


def _printed_date(root: etree._Element) -> tuple[datetime, bool, bool] | None:
    """A date as the page prints it in date-classed markup ("Published 11:34 PM EST Nov 19, 2019")."""
    body = root.find("body")
    for element in (body if body is not None else root).iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        labelled = element.tag in ("p", "span", "div", "time", "li") and bool(
            element.text and _DATE_LABEL.match(element.text) and re.match(r"\s*(?:published|posted)", element.text, re.I))
        if not labelled and not _DATE_CLASS.search(element.get("class") or ""):
            continue
        text = text_of(element)
        if not 6 <= len(text) <= 80 or re.match(r"^\s*(?:updated|last updated)", text, re.IGNORECASE):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                moment = date_parser.parse(_DATE_LABEL.sub("", text).replace("a.m.", "am").replace("p.m.", "pm"),
                                           fuzzy=True, tzinfos=_ZONES)
        except (ValueError, OverflowError, TypeError):
            continue
        if not re.search(r"\d{4}", text) or not 1900 <= moment.year <= 2200:
            continue
        assumed = moment.tzinfo is None or moment.utcoffset() is None
        return (moment.replace(tzinfo=timezone.utc) if assumed else moment), False, assumed
    return None


def _time_element(root: etree._Element, hints: Iterable[str]) -> tuple[datetime, bool, bool] | None:
    times = [t for t in root.iter("time") if t.get("datetime")]
    hinted = [t for t in times if any(h in f"{t.get('itemprop') or ''} {t.get('class') or ''}".lower() for h in hints)]
    for element in hinted + times:
        parsed = _parse_date(element.get("datetime") or "")
        if parsed is not None:
            return parsed
    return None


def _language(root: etree._Element, article: dict[str, Any], metas: dict[str, list[str]]) -> str | None:
    candidates = [root.get("lang"), root.get("xml:lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang"),
                  _ld_text(article.get("inLanguage")), _first(metas, "content-language", "language", "dc.language"),
                  (_first(metas, "og:locale") or "").replace("_", "-")]
    for value in candidates:
        if value and LANGUAGE_TAG.match(value.strip()):
            return value.strip()
    return None


def _source(items: list[dict[str, Any]], article: dict[str, Any], metas: dict[str, list[str]],
            url: str | None) -> Source | None:
    publisher = article.get("publisher")
    if isinstance(publisher, list):
        publisher = next((p for p in publisher if isinstance(p, dict)), None)
    if isinstance(publisher, dict) and not publisher.get("name") and publisher.get("@id"):
        publisher = next((i for i in items if i.get("@id") == publisher["@id"]), publisher)
    name = _ld_text(publisher) or _first(metas, "og:site_name", "application-name", "publisher", "dc.publisher")
    if not name:
        return None
    home = _http(publisher.get("url")) if isinstance(publisher, dict) else None
    if home is None and url:
        parts = urlsplit(url)
        home = f"{parts.scheme}://{parts.netloc}/"
    return Source(name, home)


def _rights(article: dict[str, Any], metas: dict[str, list[str]]) -> str | None:
    notice = _ld_text(article.get("copyrightNotice"))
    if notice:
        return notice
    holder = _ld_text(article.get("copyrightHolder"))
    if holder:
        year = _ld_text(article.get("copyrightYear"))
        return f"© {year + ' ' if year else ''}{holder}"
    return _first(metas, "copyright", "dc.rights", "dcterms.rights", "rights")


def _split_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [t for v in value for t in _split_list(v)]
    if isinstance(value, dict):
        text = _ld_text(value)
        return [text] if text else []
    if isinstance(value, str):
        return [text for v in value.split(",") if (text := decoded(v))]
    return []


def _keywords(article: dict[str, Any], metas: dict[str, list[str]]) -> tuple[str, ...]:
    found = _split_list(article.get("keywords"))
    if not found:
        found = _texts(metas, "article:tag") + [k for v in _texts(metas, "news_keywords", "keywords")
                                                for k in _split_list(v)]
    unique: dict[str, str] = {}
    for keyword in found:
        if len(keyword) <= 100 and not keyword.lower().startswith(("http://", "https://")):
            unique.setdefault(keyword.lower(), keyword)
    return tuple(unique.values())[:30]


def _sections(article: dict[str, Any], metas: dict[str, list[str]]) -> tuple[Subject, ...]:
    found = _split_list(article.get("articleSection")) or _texts(metas, "article:section") \
        or _texts(metas, "parsely-section")
    unique: dict[str, Subject] = {}
    for section in found:
        if 0 < len(section) <= 100:
            unique.setdefault(section.lower(), Subject(section))
    return tuple(unique.values())[:10]
