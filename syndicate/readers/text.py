"""The plain-text reader: a news story as a scraper or a reporter saved it, into a :class:`Story`.

The reader works in four passes, each a small function:

1. :func:`decode` — bytes to text: UTF-8 (with or without BOM), UTF-16/32
   with a BOM, else Windows-1252; binary and empty inputs are refused.
2. YAML front matter is split off as written (only line ends unified: its
   indentation and spaces carry meaning), then :func:`normalise` cleans the
   story text — one line-end (``\\n``), no-break and odd spaces to plain
   spaces, zero-width characters and XML-invalid controls removed.
3. :func:`parse_lines` — lines into blocks. Lines are grouped by blank lines;
   inside a group a line cut short followed by the line that starts with it
   (or two identical lines) is a photo (cut line = alt text, full line =
   caption); a caption's credit (``(AP Photo/Name)``, ``Photo: Name/Agency``,
   ``REUTERS/Name``) goes to ``credit``, while a line ending in a bare
   ``(Reuters)`` is a photo only as part of a caption pair or when it reads
   as a caption beside another photo (else it is prose that names its
   agency); a short unpunctuated line alone between blank lines is a
   subheading; ``-``/``*``/``•``/``1.`` lines are lists; page furniture
   (``View full gallery``, share lines…) is dropped and ``Also see: X`` /
   ``Related: X`` become related links. A paragraph that is a quotation
   stays a paragraph: nothing is invented from prose.
4. :func:`build_story` — the story fields: headline, byline, dateline,
   dates, summary, id and slug, from metadata when given (it always wins),
   else inferred and recorded in ``Story.inferred`` with the reason.

Dates are never taken from the clock. The anchor is the latest explicit date
in the captions and the dateline (else in the paragraphs): ``Dec. 16, 2016``,
``December 16, 2016``, ``16 December 2016``, ``2016-12-16``. A weekday named
in the lead (``Saturday``) is resolved to the date with that weekday nearest
the anchor (ties go forward), and ``published`` is the latest of the anchor
and those dates, at 00:00 UTC since the time of day is unknown.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from ..errors import InputError
from ..html import xml_safe
from ..model import (
    Block,
    Figure,
    Heading,
    Inferred,
    ListBlock,
    Paragraph,
    Related,
    Source,
    Story,
)
from . import InputFile
from .finish import Draft, finish, lead_text, sentences
from .metadata import Metadata, gather, parse_byline, split_front_matter

__all__ = [
    "Parsed",
    "build_story",
    "decode",
    "has_photo_credit",
    "is_furniture",
    "normalise",
    "parse_lines",
    "read",
    "split_credit",
    "unify_line_ends",
]

# ---------------------------------------------------------------- 1. decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Share of control characters (other than tab and line ends) above which a "text" is really binary.
MAX_CONTROL_RATIO = 0.02
#: Share of bytes >= 0x80 above which Windows-1252 text is not believed (random bytes give about half).
MAX_CP1252_HIGH_RATIO = 0.25


def decode(data: bytes, name: object = None) -> str:
    """Bytes to text, detecting the encoding; refuses empty, binary or undecodable input with InputError."""
    if not data.strip():
        raise InputError("empty input (no text at all)" if not data else "empty input (only white space)", name)
    text = _decode_with_bom(data, name)
    if text is None:
        if b"\x00" in data:
            raise InputError("binary data, not text (it has NUL bytes and no UTF-16 byte order mark)", name)
        text = _decode_without_bom(data, name)
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    if controls > MAX_CONTROL_RATIO * len(text):
        raise InputError(f"binary data, not text ({controls} control characters in {len(text)})", name)
    if not text.strip():
        raise InputError("empty input (only white space)", name)
    return text


def _decode_with_bom(data: bytes, name: object) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid {codec.upper()} despite its byte order mark (byte {exc.start})",
                                 name) from None
    return None


def _decode_without_bom(data: bytes, name: object) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: the legacy encoding newsroom tools still write is Windows-1252 (a superset of Latin-1's text).
    high = sum(1 for b in data if b >= 0x80)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(f"not text in a known encoding (neither UTF-8 nor Windows-1252; byte {exc.start})",
                         name) from None
    if high > MAX_CP1252_HIGH_RATIO * len(data):
        raise InputError("binary data, not text (mostly bytes that are neither ASCII nor UTF-8)", name)
    return text


# ---------------------------------------------------------------- 2. normalising

_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_LINE_BREAKS = "\u2028\u2029\u0085\x0b\x0c"
_TRANSLATE = {
    **{ord(c): " " for c in _SPACES},
    **{ord(c): None for c in _ZERO_WIDTH},
    **{ord(c): "\n" for c in _LINE_BREAKS},
    **{c: None for c in range(0x7F, 0xA0) if c != 0x85},  # DEL and C1 controls: never text
}


_RUN_OF_SPACES = re.compile(" {2,}")


def unify_line_ends(text: str) -> str:
    """``\\r\\n`` and ``\\r`` to ``\\n``, nothing else: the only change made before front matter is split off."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise(text: str) -> str:
    """One kind of line end, plain spaces, no zero-width or XML-invalid characters, lines trimmed.

    Runs of spaces inside a line become one space; no visible character is
    changed (quotes, dashes and accents are kept as written).
    """
    text = unify_line_ends(text).translate(_TRANSLATE)
    text = xml_safe(text)
    return "\n".join(_RUN_OF_SPACES.sub(" ", line).strip() for line in text.split("\n"))


# ---------------------------------------------------------------- 3. lines into blocks

_FURNITURE = re.compile(
    r"^(?:"
    r"view (?:the )?(?:full |photo |more )*(?:gallery|photos?|slideshow)"
    r"|(?:see|view) (?:all|more) (?:photos|pictures|images)"
    r"|photo gallery|more coverage|special projects?|advertisement|advertising|sponsored(?: content)?"
    r"|share(?: this)?(?: story| article| page| post)?(?: on (?:facebook|twitter|x|linkedin|whatsapp|email))?"
    r"|facebook|twitter|whatsapp|linkedin|reddit|email|e-mail|print|tweet|comments?|\d+ comments?"
    r"|(?:leave|post|add|show|view) (?:a |all )?comments?|comments? \(\d+\)"
    r"|click here\b.{0,60}|(?:subscribe|sign up)\b.{0,50}|skip to (?:main )?content|back to top"
    r"|(?:print|email|e-mail|share) this(?: story| article| page)?"
    r"|follow us(?: on)?\b.{0,40}|read more|continue reading|listen to (?:this )?(?:story|article)"
    r"|related(?: stories| articles| coverage| content| links| news)?|see also|also see|more on this(?: story)?"
    r")\W{0,3}$",
    re.IGNORECASE,
)
#: Headers whose following short lines are links to other stories (kept as ``related``).
_RELATED_HEADER = re.compile(r"^(?:related(?: stories| articles| coverage| content| links| news)?|see also|also see"
                             r"|more on this(?: story)?)\s*:?$", re.IGNORECASE)
_RELATED_LINE = re.compile(r"^(?:also see|see also|related|read also|read more)\s*:\s*(?P<rest>\S.*)$", re.IGNORECASE)
_URL_AT_END = re.compile(r"^(?P<title>.*?)[\s:|–—-]*\(?(?P<url>https?://[^\s()<>]+)\)?$")

_LIST_ITEM = re.compile(r"^(?:(?P<bullet>[-*•–·])|(?P<number>\d{1,3})[.)])\s+(?P<item>\S.*)$")
_BYLINE = re.compile(r"^by\s+(?P<names>[^\W\d_][^.!?]{1,150})$", re.IGNORECASE)

# Credits at the end of a caption. Parenthesised credits need a photo word, a slash or a known agency inside.
_AGENCIES = r"AP|AFP|Reuters|REUTERS|EPA|EPA-EFE|Getty Images|Xinhua|XINHUA|Anadolu|ANADOLU|SANA|UPI|Bloomberg|Pool|POOL"
_CREDIT_PAREN = re.compile(
    r"\s*\((?P<credit>(?:" + _AGENCIES + r")|[^()]{0,80}?(?:\b(?:Photos?|Images?|Pool|via)\b|/)[^()]{0,80}?)\)$"
)
_CREDIT_AGENCY = re.compile(r"(?:^|\s)(?P<credit>(?:REUTERS|AFP|EPA|EPA-EFE|AP|XINHUA|ANADOLU|SANA|UPI)/[^\s/][^/]{0,60})$")
_CREDIT_LABEL = re.compile(
    r"(?:^|(?<=[.!?\"”’)])\s+)(?:Photo(?:graph)?s?|Pictures?|Images?|Graphics?|Illustrations?|Maps?|Charts?|Credits?|Photo credits?)\s*(?::|by\b)\s*"
    r"(?P<credit>\S.{0,80})$"
)

_TERMINAL = ".,;:!?…\"”’'»)]"
_QUOTE_OPEN = "\"“‘'«"


#: A line that only draws a rule or a section break (``---``, ``* * *``): no text to keep.
_RULE = re.compile(r"^[-*_=~#•·. ]{3,}$")


def is_furniture(line: str) -> bool:
    """True for a line of page furniture (gallery, share and comment links, ads, list headers, rules)."""
    line = line.strip()
    return len(line) <= 70 and (_FURNITURE.match(line) is not None or _RULE.match(line) is not None)


def _find_credit(caption: str) -> re.Match[str] | None:
    for pattern in (_CREDIT_PAREN, _CREDIT_AGENCY, _CREDIT_LABEL):
        match = pattern.search(caption)
        if match is not None:
            return match
    return None


def split_credit(caption: str) -> tuple[str, str | None]:
    """``(caption without its credit, credit or None)`` for a caption that ends with a photo credit."""
    match = _find_credit(caption)
    if match is None:
        return caption, None
    return caption[:match.start()].rstrip(), match.group("credit").strip()


# Inside brackets, these make a credit a photo's: a photo word, or ``Name/Agency`` (capitals on both sides).
_PHOTO_WORD = re.compile(r"\b(?:Photo(?:graph)?s?|Pictures?|Images?|Pool|POOL|Graphics?|Illustrations?)\b")
_NAME_SLASH_NAME = re.compile(r"^[A-Z][\w.'’&-]*(?: [\w.'’&-]+){0,5} ?/ ?[A-Z]")


def has_photo_credit(line: str) -> bool:
    """True when ``line`` ends with a credit only a photo carries.

    ``(AP Photo/Name)``, ``(Name/Agency)``, ``(Getty Images)``, ``Photo: Name``
    and ``REUTERS/Name`` are; a bare agency in brackets (``(Reuters)``,
    ``(AFP)``) is not, because wire copy also ends ordinary sentences with it.
    """
    match = _find_credit(line)
    if match is None:
        return False
    if match.re is not _CREDIT_PAREN:
        return True
    credit = match.group("credit").strip()
    return _PHOTO_WORD.search(credit) is not None or _NAME_SLASH_NAME.match(credit) is not None


def _is_credit_only(line: str) -> bool:
    text, credit = split_credit(line)
    return credit is not None and not text


def _is_heading(line: str) -> bool:
    """A subheading: short, no terminal punctuation, starts with a capital or digit, not a credit or list."""
    words = line.split()
    return (0 < len(words) <= 10 and len(line) <= 70 and line[-1] not in _TERMINAL
            and (line[0].isupper() or line[0].isdigit()) and not _LIST_ITEM.match(line) and not _BYLINE.match(line)
            and not _is_credit_only(line) and not is_furniture(line))


def _reads_as_headline(line: str) -> bool:
    """The first line is a headline when it is one short line that does not end like a sentence."""
    words = line.split()
    return (0 < len(words) <= 20 and len(line) <= 150 and line[-1] not in ".,;:" and any(c.isalnum() for c in line)
            and not (line[0] in _QUOTE_OPEN and line[-1] in _TERMINAL)
            and not _LIST_ITEM.match(line) and not _BYLINE.match(line) and split_credit(line)[1] is None
            and not is_furniture(line) and _RELATED_LINE.match(line) is None)


def _is_caption_pair(cut: str, full: str) -> bool:
    """A photo kept as text: the alt text cut short, then the full caption that starts with it (or the same line)."""
    return cut == full or (len(cut) >= 20 and len(full) > len(cut) and full.startswith(cut))


@dataclass(frozen=True)
class _Line:
    """One logical line: its text, its blank-line group and whether it stands alone in that group."""

    text: str
    group: int
    alone: bool


def _logical_lines(text: str) -> list[_Line]:
    """Group lines by blank lines, joining a long unpunctuated line with the next (a hard-wrapped paragraph)."""
    out: list[_Line] = []
    group: list[str] = []
    number = 0

    def flush() -> None:
        nonlocal number
        joined: list[str] = []
        for line in group:
            if joined and _is_soft_wrap(joined[-1], line):
                joined[-1] = f"{joined[-1]} {line}"
            else:
                joined.append(line)
        out.extend(_Line(j, number, len(joined) == 1) for j in joined)
        number += 1
        group.clear()

    for line in text.split("\n"):
        if line:
            group.append(line)
        elif group:
            flush()
    if group:
        flush()
    return out


def _is_soft_wrap(previous: str, line: str) -> bool:
    """True when ``line`` continues ``previous`` (a hard-wrapped paragraph) rather than starting a new block."""
    return (len(previous) >= 40 and previous[-1] not in _TERMINAL and not line.startswith(previous)
            and not _LIST_ITEM.match(line) and not _LIST_ITEM.match(previous) and not _is_credit_only(line)
            and not is_furniture(line) and not _BYLINE.match(line) and split_credit(previous)[1] is None)


@dataclass
class Parsed:
    """What the text says, before metadata is applied: blocks plus the header lines found."""

    body: list[Block] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    headline: str | None = None
    subheadline: str | None = None
    byline_lines: list[str] = field(default_factory=list)
    dateline: str | None = None
    dateline_text: str | None = None  # the dateline as written, e.g. ``ALEPPO, Syria (AP) —``
    agency: str | None = None


def parse_lines(text: str, meta: Metadata | None = None) -> Parsed:
    """Turn normalised text into blocks and header lines (see the module docstring for the rules)."""
    meta = meta or Metadata()
    lines = _logical_lines(text)
    parsed = Parsed()
    start = _take_header(lines, parsed, meta)
    _parse_body(lines, start, parsed)
    _take_dateline(parsed, meta)
    return parsed


def _take_header(lines: Sequence[_Line], parsed: Parsed, meta: Metadata) -> int:
    """Headline (and a deck on the same group's next line) and byline lines at the top; returns where the body starts."""
    i = 0
    while i < len(lines) and is_furniture(lines[i].text):  # "Skip to content", "Advertisement" above the story
        i += 1
    content_after = any(not is_furniture(ln.text) for ln in lines[i + 1:])
    if i < len(lines) and content_after and _reads_as_headline(lines[i].text):
        first = lines[i]
        same_group = [ln for ln in lines[i:] if ln.group == first.group]
        pair = len(same_group) >= 2 and _is_caption_pair(first.text, same_group[1].text)
        if not pair and (not meta.has("headline") or meta.headline == first.text):
            parsed.headline = first.text
            i += 1
            if (len(same_group) == 2 and not _BYLINE.match(same_group[1].text)
                    and not meta.has("subheadline") and same_group[1].text[-1] not in ".,;:"):
                parsed.subheadline = same_group[1].text
                i += 1
    header_end = i + 4
    while i < len(lines) and i < header_end and _BYLINE.match(lines[i].text) and len(lines[i].text.split()) <= 16:
        if meta.has("bylines") and tuple(meta.bylines or ()) != parse_byline(lines[i].text):
            break  # metadata names other people: keep the line as text rather than lose it
        parsed.byline_lines.append(lines[i].text)
        i += 1
    return i


def _parse_body(lines: Sequence[_Line], start: int, parsed: Parsed) -> None:
    body = parsed.body
    # the last line that is story text: a heading needs some after it (computed once, so reading stays linear)
    last_content = max((n for n, ln in enumerate(lines) if not is_furniture(ln.text)
                        and _RELATED_LINE.match(ln.text) is None), default=-1)
    i = start
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        text = line.text
        related = _RELATED_LINE.match(text)
        if related is not None:
            parsed.related.append(_related(related.group("rest")))
        elif _RELATED_HEADER.match(text) and nxt is not None:
            i = _take_related_list(lines, i, parsed)
            continue
        elif is_furniture(text):
            pass
        elif nxt is not None and nxt.group == line.group and _is_caption_pair(text, nxt.text):
            caption, credit = split_credit(nxt.text)
            alt = split_credit(text)[0] if text == nxt.text else text
            body.append(Figure(caption=caption, credit=credit, alt=alt or None))
            i += 2
            continue
        elif _LIST_ITEM.match(text):
            i = _take_list(lines, i, body)
            continue
        elif _is_credit_only(text):
            _attach_credit(body, split_credit(text)[1] or "", i > start and lines[i - 1].group == line.group)
        elif split_credit(text)[1] is not None and (has_photo_credit(text) or _caption_beside_photos(lines, i)):
            caption, credit = split_credit(text)
            body.append(Figure(caption=caption, credit=credit))
        elif line.alone and i < last_content and _is_heading(text):
            body.append(Heading(text=text, level=2))
        else:
            body.append(Paragraph(text=text))
        i += 1


def _caption_beside_photos(lines: Sequence[_Line], i: int) -> bool:
    """A line ending in a bare ``(Agency)`` is a caption only when it reads as one and a photo is right beside it.

    A photo beside it is the line just before or after that carries a photo's
    credit or is a caption pair (a run of photos in a gallery). Otherwise the
    line is a paragraph that happens to end by naming its agency.
    """
    if not _reads_as_caption(lines[i].text):
        return False
    before = lines[i - 2:i]
    after = lines[i + 1:i + 3]
    return (bool(before) and (has_photo_credit(before[-1].text) or _is_pair(before))
            or bool(after) and (has_photo_credit(after[0].text) or _is_pair(after)))


def _is_pair(two: Sequence[_Line]) -> bool:
    return len(two) == 2 and two[0].group == two[1].group and _is_caption_pair(two[0].text, two[1].text)


#: A caption is one or two sentences describing a picture; longer text is a paragraph.
CAPTION_MAX_WORDS = 60


def _reads_as_caption(line: str) -> bool:
    """A line that could be under a photo: one or two short finished sentences, then the credit.

    A caption is complete before its credit (``… higher ground. (Reuters)``);
    prose that names its agency runs into the bracket (``… in the capital (Reuters)``).
    """
    caption = split_credit(line)[0]
    return (bool(caption) and caption[-1] in ".!?\"”’" and len(line.split()) <= CAPTION_MAX_WORDS
            and line[0] not in _QUOTE_OPEN and _LIST_ITEM.match(line) is None and len(sentences(caption)) <= 2)


def _attach_credit(body: list[Block], credit: str, after_same_group: bool) -> None:
    """A credit line on its own: it credits the caption just above it, else it is a photo known only by its credit."""
    last = body[-1] if body else None
    if isinstance(last, Paragraph) and after_same_group:
        body[-1] = Figure(caption=last.text, credit=credit)
    elif isinstance(last, Figure) and last.credit is None:
        body[-1] = Figure(caption=last.caption, credit=credit, alt=last.alt, image=last.image)
    else:
        body.append(Figure(caption="", credit=credit))


def _take_list(lines: Sequence[_Line], i: int, body: list[Block]) -> int:
    """Consecutive list lines become one list; a list continuing after a blank line joins the one above."""
    first = _LIST_ITEM.match(lines[i].text)
    assert first is not None
    ordered = first.group("number") is not None
    items: list[str] = []
    while i < len(lines):
        match = _LIST_ITEM.match(lines[i].text)
        if match is None or (match.group("number") is not None) != ordered:
            break
        items.append(match.group("item"))
        i += 1
    last = body[-1] if body else None
    if isinstance(last, ListBlock) and last.ordered == ordered:
        body[-1] = ListBlock(items=last.items + tuple(items), ordered=ordered)
    else:
        body.append(ListBlock(items=tuple(items), ordered=ordered))
    return i


def _take_related_list(lines: Sequence[_Line], i: int, parsed: Parsed) -> int:
    """``Related:`` on its own: the short lines under it (its group, else the next group) are related links."""
    header = lines[i]
    group = header.group if not header.alone else lines[i + 1].group
    j = i + 1
    taken: list[Related] = []
    while j < len(lines) and lines[j].group == group:
        item = _LIST_ITEM.match(lines[j].text)
        title = item.group("item") if item else lines[j].text
        if len(title) > 150 or (title[-1] == "." and not _URL_AT_END.match(title)):
            break  # a sentence, not a title: the list has ended
        taken.append(_related(title))
        j += 1
    if not taken:
        return i + 1  # a bare header: furniture
    parsed.related.extend(taken)
    return j


def _related(text: str) -> Related:
    match = _URL_AT_END.match(text.strip())
    if match is not None:
        return Related(title=match.group("title").strip() or match.group("url"), url=match.group("url"))
    return Related(title=text.strip())


# Datelines: ``ALEPPO, Syria (AP) —``, ``WASHINGTON —``, ``BEIRUT (Reuters) -``.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,3}(?:, [A-Z][\w'’.-]*(?: [\w'’.-]+){0,3}?)?)"
    r"(?: \((?P<agency>[A-Z][\w.&-]*(?: [\w.&-]+){0,3})\))?(?: ?[—–] ?| --? )(?P<rest>\S.*)$"
)
_NOT_PLACES = {"FILE", "UPDATE", "UPDATED", "BREAKING", "EXCLUSIVE", "ANALYSIS", "OPINION", "EDITOR'S NOTE",
               "CORRECTION", "WATCH", "LIVE", "VIDEO", "PHOTOS"}
AGENCY_NAMES = {"AP": "The Associated Press", "Reuters": "Reuters", "AFP": "Agence France-Presse",
                "VOA": "Voice of America", "UPI": "United Press International"}


def _take_dateline(parsed: Parsed, meta: Metadata) -> None:
    """Split a dateline off the start of the first paragraph (the rest of the paragraph stays its text)."""
    index = next((n for n, b in enumerate(parsed.body) if isinstance(b, Paragraph)), None)
    if index is None:
        return
    lead = parsed.body[index]
    assert isinstance(lead, Paragraph)
    match = _DATELINE.match(lead.text)
    if match is None or match.group("place").split(",")[0].strip() in _NOT_PLACES or len(match.group("place")) > 60:
        return
    if sum(c.isupper() for c in match.group("place").split(",")[0]) < 2:
        return
    place = match.group("place")
    if meta.has("dateline") and meta.dateline != place:
        return  # metadata says otherwise: leave the paragraph as written
    parsed.dateline = place
    parsed.dateline_text = lead.text[:match.start("rest")].strip()
    parsed.agency = match.group("agency")
    parsed.body[index] = Paragraph(text=match.group("rest"))


# ---------------------------------------------------------------- 4. dates

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
           "nov": 11, "dec": 12}
_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?" \
         r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE_PATTERNS = (
    re.compile(r"\b" + _MONTH + r"\.? (?P<day>\d{1,2})(?:st|nd|rd|th)?,? (?P<year>\d{4})\b"),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)? " + _MONTH + r"\.?,? (?P<year>\d{4})\b"),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b")


@dataclass(frozen=True)
class _Found:
    day: date
    text: str


def find_dates(texts: Iterable[str]) -> list[_Found]:
    """Every explicit, valid calendar date written in ``texts`` (in order), with the words that gave it."""
    found = []
    for text in texts:
        for pattern in _DATE_PATTERNS:
            for match in pattern.finditer(text):
                month_text = match.group("month")
                month = int(month_text) if month_text.isdigit() else _MONTHS[month_text[:3].lower()]
                try:
                    day = date(int(match.group("year")), month, int(match.group("day")))
                except ValueError:
                    continue
                if 1800 <= day.year <= 2200:
                    found.append(_Found(day, match.group()))
    return found


def infer_published(parsed: Parsed) -> Inferred | None:
    """The publication date the text implies (see the module docstring), or None when it names no date."""
    captions = [t for b in parsed.body if isinstance(b, Figure) for t in (b.caption, b.alt or "")]
    anchors = find_dates([parsed.dateline_text or "", *captions])
    where = "the captions and the dateline"
    if not anchors:
        anchors = find_dates(t for b in parsed.body if isinstance(b, (Paragraph, ListBlock))
                             for t in ((b.text,) if isinstance(b, Paragraph) else b.items))
        where = "the story text"
    if not anchors:
        return None
    anchor = max(anchors, key=lambda f: f.day)
    day, reason = anchor.day, f"the latest date in {where} is {anchor.text!r}"
    lead = next((b.text for b in parsed.body if isinstance(b, Paragraph)), "")
    for name in dict.fromkeys(_WEEKDAY.findall(lead)):  # each weekday once, in order of mention
        resolved = _nearest_weekday(anchor.day, _WEEKDAYS.index(name))
        if resolved > day:
            day = resolved
            reason += f", and the lead says {name!r}: the nearest {name} to it is {resolved.isoformat()}"
    published = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return Inferred("published", published.isoformat(),
                    f"no date in metadata; {reason}; the time of day is unknown, so 00:00 UTC")


def _nearest_weekday(anchor: date, weekday: int) -> date:
    """The date with ``weekday`` nearest ``anchor`` (from 3 days before to 3 after; ties go forward)."""
    ahead = (weekday - anchor.weekday()) % 7
    return anchor + timedelta(days=ahead) if ahead <= 3 else anchor - timedelta(days=7 - ahead)


# ---------------------------------------------------------------- 5. the story

def build_story(parsed: Parsed, meta: Metadata, source: InputFile) -> Story:
    """The story: what the text says or implies (each guess in ``inferred``), finished by the shared step.

    Metadata, images, fallbacks (headline, summary, language, id, slug) and
    cleaning are :func:`~syndicate.readers.finish.finish`'s, as for every reader.
    """
    if not lead_text(parsed.body) and not parsed.related:
        raise InputError("no story text (only page furniture)", source.name)
    draft = Draft(body=list(parsed.body), headline=parsed.headline, subheadline=parsed.subheadline,
                  dateline=parsed.dateline, related=tuple(parsed.related))
    if parsed.headline is not None:
        draft.inferred.append(Inferred("headline", parsed.headline, "no headline in metadata; the first line reads as one"))
    if parsed.subheadline is not None:
        draft.inferred.append(Inferred("subheadline", parsed.subheadline, "the line under the headline"))
    draft.bylines = tuple(b for line in parsed.byline_lines for b in parse_byline(line))
    for line in parsed.byline_lines:
        people = "; ".join(b.name + (f" ({b.role})" if b.role else "") for b in parse_byline(line))
        draft.inferred.append(Inferred("bylines", people, f"from the byline line {line!r}"))
    if parsed.dateline is not None:
        draft.inferred.append(Inferred("dateline", parsed.dateline,
                                       f"from the start of the first paragraph, {parsed.dateline_text!r}"))
    if parsed.agency:
        draft.source = Source(AGENCY_NAMES.get(parsed.agency, parsed.agency))
        draft.inferred.append(Inferred("source", draft.source.name, f"the agency in the dateline, ({parsed.agency})"))
    if not meta.has("published"):
        guess = infer_published(parsed)
        if guess is not None:
            draft.published, draft.date_only = datetime.fromisoformat(guess.value), True  # the day, not the time
            draft.inferred.append(guess)
    return finish(draft, source, meta=meta)


def read(source: InputFile) -> Story:
    """Read one plain-text story (see the module docstring); raises InputError for input it refuses."""
    # Front matter comes off before normalising: YAML's indentation and spaces are its meaning.
    front_matter, text = split_front_matter(unify_line_ends(decode(source.data, source.name)), source.name)
    text = normalise(text)
    meta = gather(source, front_matter)
    if not text.strip():
        raise InputError("no story text (only front matter)" if front_matter is not None else "empty input",
                         source.name)
    return build_story(parse_lines(text, meta), meta, source)
