"""The plain-text reader: a news story as a scraper or a reporter saved it, into a :class:`Story`.

The reader works in four passes, each a small function:

1. :func:`decode` — bytes to text: UTF-8 (with or without BOM), UTF-16/32
   with a BOM, else Windows-1252; binary and empty inputs are refused.
2. YAML front matter is split off as written (only line ends unified: its
   indentation and spaces carry meaning), then :func:`normalise` cleans the
   story text — one line-end (``\\n``), no-break and odd spaces to plain
   spaces, zero-width characters, terminal escapes and C0/C1 controls removed.
3. :func:`parse_lines` — lines into blocks, judged from each line's features
   and its neighbours, never from one site's wording:

   - *shape*: length in words (in characters for scripts written without
     spaces), whether it ends a sentence (``.``, ``。``, ``؟``, ``।``… before
     any closing quote), whether it starts in lower case (scripts without
     case never do), list markers, a photo credit at its end;
   - *position*: the story's text runs from its first line of prose to its
     last sentence; short lines above it (section names, dates, bylines) and
     runs of short lines below it (tags, links, prompts) are the page's;
   - *repetition*: a sentence said again inside a longer paragraph, or a
     paragraph said again just below, is a pull quote; a title-like line
     repeated three times or more is a label;
   - *neighbours*: an alt line over its caption is a photo, a header such as
     ``You may also like`` over bare titles is a list of related links (``Most
     popular`` over titles: the site's, dropped), a short line between two
     paragraphs is a subheading unless another title-like line follows;
   - *words*: furniture (share, print, comments, ads, surveys, copyright) in
     English, German, Spanish, French, Portuguese, Italian, Russian, Arabic,
     Chinese and Japanese, in :mod:`syndicate.readers.textwords`.

   The rules are an ordered table (:data:`RULES`); the first that takes a
   line decides it, and a line no rule takes is a paragraph (in doubt, text
   is kept). Every line's outcome and reason is recorded in ``inferred``
   (field ``line N``), which ``syndicate parse --explain`` prints.
4. :func:`build_story` — the story fields the text gives (headline, bylines,
   dateline, dates, rights), each guess recorded in ``inferred`` with the
   reason, finished by :func:`~syndicate.readers.finish.finish`.

Dates are never taken from the clock. A date the page states above the story
(a byline's, a ``Published …`` line's) is the publication day. Otherwise the
anchor is the latest explicit date in the captions and the dateline (else in
the paragraphs): ``Dec. 16, 2016``, ``16 December 2016``, ``3. März 2020``,
``2016-12-16``, ``2020年3月3日``. A weekday named in the lead (``Saturday``)
or a date without a year (``March 3``) is resolved against the anchor, and
``published`` is the latest of them, at 00:00 UTC since the time of day is
unknown. With no explicit date, a year-less date is placed in the one year the
page names (its copyright line); with none or several, no date is invented.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

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
from ..patterns import LazyPattern, LiteralStarts, case_key, literal_prefix
from . import InputFile
from . import textwords as words
from .finish import Draft, finish, lead_text, sentences, strip_terminal_escapes
from .metadata import Metadata, gather, parse_byline, split_front_matter

__all__ = [
    "Parsed",
    "RULES",
    "build_story",
    "byline_names",
    "decode",
    "find_dates",
    "infer_published",
    "has_photo_credit",
    "is_furniture",
    "normalise",
    "parse_lines",
    "read",
    "split_credit",
    "unify_line_ends",
]

#: The judgements of one line by its text alone (is it furniture, a byline, how long in words), each kept
#: while a story is read: the rules ask them of the same line several times, and each costs pattern matches.
_LINE_JUDGEMENTS: list[Any] = []  # the lru_cache wrappers, cleared together
T = TypeVar("T")


def _per_line(judge: Callable[[str], T]) -> Callable[[str], T]:
    """``judge`` made once per line text while a story is read (:func:`read` forgets them after each story,
    so a worker reading thousands of stories holds none of their lines; the bound serves other callers)."""
    cached = lru_cache(maxsize=4096)(judge)
    _LINE_JUDGEMENTS.append(cached)
    return cached


def _forget_lines() -> None:
    """Drop the judgements of the story's lines (a story's lines are rarely another's)."""
    for cached in _LINE_JUDGEMENTS:
        cached.cache_clear()

# ---------------------------------------------------------------- 1. decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Share of control characters (other than tab and line ends) above which a "text" is really binary; a few
#: stray ones (at most MIN_BINARY_CONTROLS) never make it so: they are removed and the story kept.
MAX_CONTROL_RATIO = 0.05
MIN_BINARY_CONTROLS = 8
#: The control characters (Unicode category Cc) counted against a text: all but tab and the line ends.
_BINARY_CONTROLS = LazyPattern(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
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
    # terminal escape sequences (colours, titles) are removed as a whole later: they do not make a text binary
    controls = len(_BINARY_CONTROLS.findall(strip_terminal_escapes(text)))
    if controls > max(MIN_BINARY_CONTROLS, MAX_CONTROL_RATIO * len(text)):
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


_RUN_OF_SPACES = LazyPattern(" {2,}")
#: C0 controls other than tab and line end: never text (C1 and DEL are in :data:`_TRANSLATE`).
_C0_CONTROLS = LazyPattern(r"[\x00-\x08\x0e-\x1f]")


def unify_line_ends(text: str) -> str:
    """``\\r\\n`` and ``\\r`` to ``\\n``, nothing else: the only change made before front matter is split off."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise(text: str) -> str:
    """One kind of line end, plain spaces, no zero-width, control or XML-invalid characters, lines trimmed.

    Terminal escape sequences are removed whole (a story pasted from a
    terminal keeps its words, not ``[31m``); other C0 and C1 controls are
    removed one by one; tab and form feed become a space and a line end.

    Runs of spaces inside a line become one space; no visible character is
    changed (quotes, dashes and accents are kept as written).
    """
    text = strip_terminal_escapes(unify_line_ends(text))
    text = _C0_CONTROLS.sub("", text.translate(_TRANSLATE))
    text = xml_safe(text)
    # a run of spaces never spans a line end, so the runs are joined in the whole text at once
    return "\n".join(line.strip() for line in _RUN_OF_SPACES.sub(" ", text).split("\n"))


# ---------------------------------------------------------------- 3. lines into blocks

#: Characters a finished line can end with, in Latin, CJK, Arabic and Devanagari punctuation.
_TERMINAL = ".,;:!?…\"”’'»)]。！？；：，、؟،؛।）」』"
#: Characters a finished sentence ends with (a line ending so reads as prose, not as a title), before any
#: closing quotes: ``… he said.”`` ends a sentence, ``… Festival’`` does not.
_SENTENCE_END = ".!?…。！？؟।"
_CLOSING = "\"”’'»」』)）]"
_QUOTE_OPEN = "\"“‘'«„「『"

#: A line that only draws a rule or a section break (``---``, ``* * *``): no text to keep.
_RULE_CHARS = "-*_=~#•·. "
_RULE = LazyPattern(r"^[" + _RULE_CHARS + r"]{3,}$")
#: The characters a bulleted line starts with.
_BULLETS = "-*•–·▪►"
_LIST_ITEM = LazyPattern(r"^(?:(?P<bullet>[" + _BULLETS + r"])|(?P<number>\d{1,3})[.)])\s+(?P<item>\S.*)$")
_BULLET = LazyPattern(r"^[" + _BULLETS + r"]\s+")


def _list_item(line: str) -> re.Match[str] | None:
    """The match of a list item line (``- item``, ``2. item``), or None; a line that starts with neither a bullet
    nor a digit is none, and is not given to the pattern."""
    first = line[:1]
    return _LIST_ITEM.match(line) if first and (first in _BULLETS or first.isdecimal()) else None
_BYLINE_START = LazyPattern(r"^" + words.BYLINE_WORD + r"(?P<rest>\S.*)$", re.IGNORECASE)
#: What a byline line starts with (its byline word): other lines are not given to :data:`_BYLINE_START`.
_BYLINE_STARTS = LiteralStarts(words.BYLINE_WORD)
#: ``Also see: X`` and its kind in other languages: X is a related link.
_RELATED_LINE = LazyPattern(
    r"^(?:also see|see also|related|read also|read more|lesen sie auch|mehr zum thema|lire aussi|à lire aussi"
    r"|lea también|leia também|veja também|читайте также|смотрите также|اقرأ أيضا|اقرأ أيضاً|相关阅读|延伸阅读"
    r"|関連記事)\s*[:：]\s*(?P<rest>\S.*)$", re.IGNORECASE)


#: What an ``Also see: X`` line starts with: other lines are not given to :data:`_RELATED_LINE`.
_RELATED_STARTS = LiteralStarts(_RELATED_LINE.pattern.removeprefix("^"))


def _related_line(line: str) -> re.Match[str] | None:
    """The match of an ``Also see: X`` line, or None; a line without a colon or one of the label's starts is
    none, and is not given to the pattern."""
    if (":" in line or "：" in line) and _RELATED_STARTS.could_start(line):
        return _RELATED_LINE.match(line)
    return None


_URL_AT_END = LazyPattern(r"^(?P<title>.*?)[\s:|–—-]*\(?(?P<url>https?://[^\s()<>]+)\)?$")


def _url_at_end(text: str) -> re.Match[str] | None:
    """The match of a title with a web address at its end (``Title (https://…)``), or None; a text without
    ``://`` has none, and is not given to the pattern."""
    return _URL_AT_END.match(text) if "://" in text else None


#: Characters of scripts written without spaces between words (their length is counted in characters).
_UNSPACED = LazyPattern(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
#: The ones of them below the CJK blocks (Thai): a line whose highest character is below ``\u3040`` (curly quotes
#: and dashes included) can hold only these, so a story without CJK never compiles :data:`_UNSPACED`, whose
#: wide ranges are slow to compile.
_THAI = LazyPattern(r"[\u0e00-\u0e7f]")


def _unspaced(line: str) -> int:
    """How many characters of ``line`` are of scripts written without spaces between words."""
    highest = max(line, default="")
    if highest < "\u0e00":
        return 0
    return len((_THAI if highest < "\u3040" else _UNSPACED).findall(line))

# Credits at the end of a caption. Parenthesised credits need a photo word, a slash or a known agency inside.
_AGENCIES = (r"AP|AFP|Reuters|REUTERS|EPA|EPA-EFE|Getty Images|Getty|Xinhua|XINHUA|Anadolu|ANADOLU|SANA|UPI|Bloomberg"
             r"|Pool|POOL|新华社|中新社|رويترز|فرانس برس|أ ف ب")
# A bracket followed by an agency's name (``(Photo: Getty Images) Getty``) is kept whole, as printed.
_CREDIT_PAREN = LazyPattern(
    r"\s*(?P<whole>[(（](?P<credit>(?:" + _AGENCIES + r")|[^()（）]{0,80}?(?:\b(?:" + words.PHOTO_WORD
    + r"|via)\b|(?:摄|攝|供图)|/)[^()（）]{0,80}?)[)）](?P<trail>\s+(?:Getty|AP|AFP|Reuters|EPA)(?: Images)?)?)$"
)
_CREDIT_AGENCY = LazyPattern(r"(?:^|\s)(?P<credit>(?:REUTERS|AFP|EPA|EPA-EFE|AP|XINHUA|ANADOLU|SANA|UPI)/[^\s/][^/]{0,60})$")
# A labelled credit keeps its label, as printed (``Photo: Name``, ``Photograph by Name/Agency``), as a bracketed
# one keeps its words (``AP Photo/Name``). A label glued to the caption's last word (``treatmentCredit: EPA``,
# a scrape that lost a space) is not split off: where the caption ends is then the scrape's guess, not ours.
_CREDIT_LABELS = (r"Photo(?:graph)?s?", r"Pictures?", r"Images?", r"Graphics?", r"Illustrations?", r"Maps?", r"Charts?",
                  r"Credits?", r"Photo credits?", r"Main image credit", r"Image credit", r"Foto(?:s)?", r"Bild", r"Фото",
                  r"تصوير", r"摄影", r"图")
_CREDIT_LABEL = LazyPattern(
    r"(?:^|(?<=[.!?\"”’)])\s+)(?P<credit>(?:" + "|".join(_CREDIT_LABELS) + r")\s*(?::|：|by\b)\s*\S.{0,80})$"
)
#: What a labelled credit's text must hold: one of the labels' literal starts (``Photo``, ``Picture``…).
_CREDIT_LABEL_STARTS = tuple(dict.fromkeys(literal_prefix(label) for label in _CREDIT_LABELS))


def _strip_bullet(line: str) -> str:
    return _BULLET.sub("", line) if line[:1] and line[0] in _BULLETS else line


@_per_line
def is_furniture(line: str) -> bool:
    """True for a line of page furniture (gallery, share and comment links, ads, list headers, rules), any language."""
    line = _strip_bullet(line.strip())
    return len(line) <= 160 and (any(table.match(line) is not None for table in (
        words.FURNITURE, words.RELATED_HEADER, words.POPULAR_HEADER, words.SURVEY)) or _is_rule(line)
        or _is_breadcrumb(line))


def _is_breadcrumb(line: str) -> bool:
    """A breadcrumb step (:data:`~syndicate.readers.textwords.BREADCRUMB`); a line without its mark is none."""
    return any(mark in line for mark in words.BREADCRUMB_MARKS) and words.BREADCRUMB.match(line) is not None


def _is_rule(line: str) -> bool:
    """A line that only draws a rule (:data:`_RULE`); one that starts with anything else is not given to the pattern."""
    return line[:1] != "" and line[0] in _RULE_CHARS and _RULE.match(line) is not None


@_per_line
def _is_prompt(line: str) -> bool:
    """A prompt to the reader (``Subscribe…``, ``Follow us``): furniture around the story, text inside it."""
    return len(line) <= 160 and words.PROMPT.match(_strip_bullet(line)) is not None


#: A credit is at most this long: only a line's end is searched for one (a long paragraph costs no more).
CREDIT_SPAN = 240


#: How each credit pattern's match must end or what it must hold, checked before the pattern is run (most
#: lines have none of it, so a story without credits never compiles the patterns): a bracketed credit ends
#: with its bracket or the agency after it, an agency's ``REUTERS/Name`` holds a slash, and a label its colon
#: or ``by`` and one of the labels. (``$`` also matches before a final line end, which the ends are looked for before.)
_CREDIT_CHECKS: tuple[tuple[LazyPattern, Callable[[str], bool]], ...] = (
    (_CREDIT_PAREN, lambda span: span.removesuffix("\n").endswith((")", "）", "Getty", "AP", "AFP", "Reuters", "EPA",
                                                                   "Images"))),
    (_CREDIT_AGENCY, lambda span: "/" in span),
    (_CREDIT_LABEL, lambda span: (":" in span or "：" in span or "by" in span)
     and any(start in span for start in _CREDIT_LABEL_STARTS)),
)


def _find_credit(caption: str) -> re.Match[str] | None:
    start = max(0, len(caption) - CREDIT_SPAN)
    span = caption[start:]
    for pattern, could_match in _CREDIT_CHECKS:
        if could_match(span):
            match = pattern.search(caption, start)
            if match is not None:
                return match
    return None


@_per_line
def split_credit(caption: str) -> tuple[str, str | None]:
    """``(caption without its credit, credit or None)`` for a caption that ends with a photo credit."""
    match = _find_credit(caption)
    if match is None:
        return caption, None
    credit = match.group("whole") if match.re is _CREDIT_PAREN.compiled and match.group("trail") else match.group("credit")
    return caption[:match.start()].rstrip(), credit.strip()


# Inside brackets, these make a credit a photo's: a photo word, or ``Name/Agency`` (capitals on both sides).
_PHOTO_WORD = LazyPattern(r"\b(?:" + words.PHOTO_WORD + r")\b|摄|攝|供图")
_NAME_SLASH_NAME = LazyPattern(r"^(?:[A-Z][\w.'’&-]*(?: [\w.'’&-]+){0,5}|[^\W\d_A-Za-z]{2,12}) ?/ ?(?:[A-Z]|[^\W\d_A-Za-z])")


def has_photo_credit(line: str) -> bool:
    """True when ``line`` ends with a credit only a photo carries.

    ``(AP Photo/Name)``, ``(Name/Agency)``, ``(Getty Images)``, ``Photo: Name``,
    ``（新华社/李明 摄）`` and ``REUTERS/Name`` are; a bare agency in brackets
    (``(Reuters)``, ``(AFP)``) is not, because wire copy also ends ordinary
    sentences with it.
    """
    match = _find_credit(line)
    if match is None:
        return False
    if match.re is not _CREDIT_PAREN.compiled:
        return True
    credit = match.group("credit").strip()
    return _PHOTO_WORD.search(credit) is not None or _NAME_SLASH_NAME.match(credit) is not None


def _is_credit_only(line: str) -> bool:
    text, credit = split_credit(line)
    return credit is not None and not text


@_per_line
def _units(line: str) -> int:
    """A script-neutral length: words where words are spaced, two characters a word where they are not."""
    return len(line.split()) + _unspaced(line) // 2


def _is_prose(line: str) -> bool:
    """A line of running text: a finished sentence of some length, or a long line whatever its end."""
    return (_ends_sentence(line) and _units(line) >= 8) or _units(line) >= 25


_TRAILING_BRACKET = LazyPattern(r"\s*[(（][^()（）]{1,40}[)）]$")
#: How a line with a bracket at its end ends (``$`` also matches before a final line end).
_BRACKET_ENDS = (")", "）", ")\n", "）\n")


@_per_line
def _ends_sentence(line: str) -> bool:
    """True when the line ends a sentence, before any bracket or closing quote at its end (``… said. (Reuters)``)."""
    unbracketed = _TRAILING_BRACKET.sub("", line) if line.endswith(_BRACKET_ENDS) else line
    bare = (unbracketed or line).rstrip(_CLOSING)
    return bool(bare) and bare[-1] in _SENTENCE_END


def _is_sentence(line: str) -> bool:
    """A finished sentence of a few words or more (``The vote was 62-37.``)."""
    return _ends_sentence(line) and _units(line) >= 4 and line[0] not in "©"


def _is_heading_shape(line: str) -> bool:
    """Short, no final punctuation, not starting in lower case (scripts without case pass), not a list or credit."""
    limit = 30 if _unspaced(line) else 70
    return (0 < _units(line) <= 12 and len(line) <= limit and line[-1] not in _TERMINAL and not line[0].islower()
            and any(c.isalnum() for c in line) and not _list_item(line) and _byline(line) is None
            and not _is_credit_only(line) and not is_furniture(line))


def _reads_as_headline(line: str) -> bool:
    """The first line is a headline when it is one short line that does not end like a sentence."""
    return (0 < _units(line) <= 25 and len(line) <= 150 and line[-1] not in ".,;:。，；：" and any(c.isalnum() for c in line)
            and not (line[0] in _QUOTE_OPEN and line[-1] in _TERMINAL)
            and not _list_item(line) and _byline(line) is None and split_credit(line)[1] is None
            and not is_furniture(line) and not _is_prompt(line) and _related_line(line) is None)


# ---- bylines (``By NAME, Site``; ``By NAME on Tuesday, March 3rd, 2020 at 9:15 a.m.``)

#: Where a date or time starts inside a byline: the connector before it goes with it.
_BYLINE_DATE_START = LazyPattern(
    r"\s*(?:[|·•,/–—-]|\s(?:on|am|le|el|il|em|op|den)\b)?\s*"
    r"(?=(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*\.?,?\s+)?(?:\d{1,4}[-/.]\d{1,2}|\d{1,2}:\d{2}|\d{1,2}(?:st|nd|rd|th)?\s+"
    + r"[A-Za-zÀ-ÿ]{3}|[A-Za-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?\b|\d{4}年|\d{1,2}月)|(?:updated|published|posted)\b)",
    re.IGNORECASE,
)
_CONJUNCTIONS = LazyPattern(r"\s+(?:und|y|e|et|и|و|ו)\s+|、|،\s*")


class _Byline:
    """A byline line's parts: the names (``and``-joined, ready for parse_byline) and the date words after them.

    This and the reader's other records (:class:`_Line`, :class:`_Found`) are plain slotted classes: a class
    with generated methods costs every command that loads the reader more to define than it saves."""

    __slots__ = ("names", "date_text")

    def __init__(self, names: str, date_text: str) -> None:
        self.names = names
        self.date_text = date_text


@_per_line
def _byline(line: str) -> _Byline | None:
    """The names (and the date, if any) of a byline line, or None when the line is not one.

    A byline starts with its language's byline word, names start with a
    capital (or a letter of a script without case), and no sentence ends
    inside the names: ``By the end of the day…`` and ``By Friday. Shops…``
    are prose.
    """
    if len(line) > 200 or not _BYLINE_STARTS.could_start(line):
        return None
    match = _BYLINE_START.match(line)
    if match is None:
        return None
    rest = match.group("rest")
    cut = _BYLINE_DATE_START.search(rest, 2)
    if cut is not None and not find_dates([rest[cut.start():]]):
        cut = None  # "aa20 aaa." is no date: the line must then stand as a byline on its own
    names, date_text = (rest[:cut.start()], rest[cut.start():]) if cut else (rest, "")
    names = names.strip(" ,|·-–—:")
    if (not names or names[0].islower() or not names[0].isalpha() or len(names.split()) > 12
            or re.search(r"[!?]|\w{3,}[.](?:\s|$)", names) or (not date_text and line[-1] in ".!?")):
        return None
    names = re.sub(r"\s+[|·•]\s+", ", ", names)  # ``NAME | Site``: the site is the role
    return _Byline(_CONJUNCTIONS.sub(" & ", names), date_text.strip(" ,|·-–—"))


_NAME_THEN_ROLE = LazyPattern(r"^(?P<names>[^\W\d_][^,|–—]{1,60}?)\s*(?:,|\||–|—| - )\s*(?P<role>[^,|]{2,60})$")


def _role_byline(line: str) -> _Byline | None:
    """``Tom Krisher, AP Auto Writer``: names, then a reporter's job (a byline without ``By``), or None."""
    match = _NAME_THEN_ROLE.match(line)
    if match is None or words.ROLE_WORD.search(match.group("role")) is None or find_dates([line]):
        return None
    names = match.group("names").strip()
    if names[0].islower() or len(names.split()) > 6 or words.ROLE_WORD.search(names):
        return None
    return _Byline(f"{names}, {match.group('role').strip()}", "")


def byline_names(line: str) -> str:
    """The names part of a byline line in the form :func:`parse_byline` reads (``By`` and any date removed)."""
    found = _byline(line) or _role_byline(line)
    return found.names if found is not None else line


# ---- the page: lines and the features that need all of them

class _Line:
    """One logical line: its text, its blank-line group, whether it is alone in it, and its line numbers.

    ``number`` is its first line in the text and ``end`` its last (they differ
    for a hard-wrapped paragraph joined into one line).
    """

    __slots__ = ("text", "group", "alone", "number", "end")

    def __init__(self, text: str, group: int, alone: bool, number: int, end: int = 0) -> None:
        self.text = text
        self.group = group
        self.alone = alone
        self.number = number
        self.end = end

    @property
    def where(self) -> str:
        """``line 12``, or ``lines 12-14`` for a joined paragraph."""
        return f"lines {self.number}-{self.end}" if self.end > self.number else f"line {self.number}"


def _logical_lines(text: str, first_line: int = 1) -> list[_Line]:
    """Group lines by blank lines, joining a long unpunctuated line with the next (a hard-wrapped paragraph).

    Lines are numbered from ``first_line``: the file's number of the text's first line (after any front matter).
    """
    out: list[_Line] = []
    group: list[tuple[int, str]] = []
    count = 0

    def flush() -> None:
        nonlocal count
        joined: list[tuple[int, int, str]] = []  # first line, last line, text
        for number, line in group:
            if joined and _is_soft_wrap(joined[-1][2], line):
                joined[-1] = (joined[-1][0], number, f"{joined[-1][2]} {line}")
            else:
                joined.append((number, number, line))
        out.extend(_Line(text, count, len(joined) == 1, first, last) for first, last, text in joined)
        count += 1
        group.clear()

    for number, line in enumerate(text.split("\n"), start=first_line):
        if line:
            group.append((number, line))
        elif group:
            flush()
    if group:
        flush()
    return out


def _is_soft_wrap(previous: str, line: str) -> bool:
    """True when ``line`` continues ``previous`` (a hard-wrapped paragraph) rather than starting a new block."""
    return (len(previous) >= 40 and previous[-1] not in _TERMINAL and not line.startswith(previous)
            and not previous.startswith(line) and not _list_item(line) and not _list_item(previous)
            and not _is_credit_only(line) and not is_furniture(line) and _byline(line) is None
            and split_credit(previous)[1] is None and not _is_caption_label(line))


_TOKEN = LazyPattern(r"\w+")


def _tokens(text: str) -> str:
    """Lower-cased word tokens joined by single spaces, padded: what repetition is judged on."""
    return " " + " ".join(_TOKEN.findall(text.casefold())) + " "


class _Page:
    """The scrape as the rules see it: its lines, where its story text runs, and which lines repeat.

    A plain class, not a dataclass: one is made per read, and a dataclass costs a command more to define
    than this one costs to use."""

    def __init__(self, lines: Sequence[_Line], start: int, meta: Metadata, keys: list[str]) -> None:
        self.lines = lines
        self.start = start
        self.meta = meta
        self.keys = keys  # each line's word tokens (see _tokens)
        self.first_prose = 0
        self.last_prose = 0
        self.comments_from = 0  # the index of the readers' comments header, or len(lines)
        self.tail_lines = 0  # how many link-, tag- or label-like lines follow the story's last sentence
        self.last_content = -1
        self.counts: Counter[str] = Counter()
        self.first_seen: dict[str, int] = {}

    @classmethod
    def of(cls, lines: Sequence[_Line], start: int, meta: Metadata) -> _Page:
        page = cls(lines, start, meta, [_tokens(line.text) for line in lines])
        prose = [n for n in range(start, len(lines)) if _is_prose(lines[n].text)]
        # the story ends with its last sentence, however short, that is not a prompt or furniture
        last = max((n for n in range(start, len(lines)) if _is_sentence(lines[n].text)
                    and not is_furniture(lines[n].text) and not _is_prompt(lines[n].text)), default=-1)
        # no line of running text at all (a list, a poem): the whole page is the story
        page.first_prose, page.last_prose = (prose[0], max(prose[-1], last)) if prose else (start, len(lines) - 1)
        # readers' comments under the story are theirs: the story ends above their header
        # (only past the middle of the story's prose: a header above that is a button, not the comments)
        middle = prose[(len(prose) - 1) // 2] if prose else len(lines)
        page.comments_from = next((n for n in range(middle + 1, len(lines))
                                   if words.COMMENTS_HEADER.match(_strip_bullet(lines[n].text))), len(lines))
        if page.comments_from < len(lines):
            page.last_prose = min(page.last_prose, max((n for n in prose if n < page.comments_from),
                                                       default=page.first_prose))
        page.last_content = max((n for n, ln in enumerate(lines) if not is_furniture(ln.text)
                                 and _related_line(ln.text) is None), default=-1)
        page.tail_lines = sum(1 for line in lines[page.last_prose + 1:page.comments_from] if _is_tail_line(line))
        for n, key in enumerate(page.keys):
            page.counts[key] += 1
            if n >= start:  # a lead that repeats the headline word for word is still the lead
                page.first_seen.setdefault(key, n)
        return page

    def before_story(self, i: int) -> bool:
        return i < self.first_prose

    def after_story(self, i: int) -> bool:
        return i > self.last_prose


class Parsed:
    """What the text says, before metadata is applied: blocks plus the header lines found, and why.

    :func:`parse_lines` makes one, empty, and fills it in as it reads the lines."""

    def __init__(self) -> None:
        self.body: list[Block] = []
        self.related: list[Related] = []
        self.headline: str | None = None
        self.subheadline: str | None = None
        self.byline_lines: list[str] = []
        self.dateline: str | None = None
        self.dateline_text: str | None = None  # the dateline as written, e.g. ``ALEPPO, Syria (AP) —``
        self.agency: str | None = None
        self.rights: str | None = None
        #: dates the page states outside the story text (a byline's, a ``Published …`` line's), with the line
        self.stated_dates: list[tuple[str, str]] = []
        #: one entry per line: what it became and why (``parse --explain`` shows them)
        self.decisions: list[Inferred] = []

    def decide(self, line: _Line, became: str, why: str) -> None:
        """Record what ``line`` became and why."""
        shown = line.text if len(line.text) <= 60 else line.text[:57] + "…"
        self.decisions.append(Inferred(line.where, f"{became}: {shown}", why))


def parse_lines(text: str, meta: Metadata | None = None, first_line: int = 1) -> Parsed:
    """Turn normalised text into blocks and header lines (see the module docstring for the rules).

    ``first_line`` is the file's line number of the text's first line, for the per-line decisions.
    """
    meta = meta or Metadata()
    lines = _logical_lines(text, first_line)
    parsed = Parsed()
    start = _take_header(lines, parsed, meta)
    _parse_body(_Page.of(lines, start, meta), parsed)
    _take_dateline(parsed, meta)
    return parsed


def _take_header(lines: Sequence[_Line], parsed: Parsed, meta: Metadata) -> int:
    """Headline (and a deck on the same group's next line) and byline lines at the top; returns where the body starts."""
    i = 0
    # "Skip to content", "Advertisement", "Follow us" above the story
    while i < len(lines) and (is_furniture(lines[i].text) or _is_prompt(lines[i].text)):
        parsed.decide(lines[i], "dropped", "page furniture above the headline")
        i += 1
    i = _take_bylines(lines, i, parsed, meta)  # a scrape can start with its byline: it is not the headline
    content_after = any(not is_furniture(ln.text) for ln in lines[i + 1:])
    if i < len(lines) and content_after and _reads_as_headline(lines[i].text):
        first = lines[i]
        same_group = [ln for ln in lines[i:] if ln.group == first.group]
        pair = len(same_group) >= 2 and _is_caption_pair(first, same_group[1])
        if not pair and (not meta.has("headline") or meta.headline == first.text):
            parsed.headline = first.text
            parsed.decide(first, "headline", "the first line, short and not ending like a sentence")
            i += 1
            deck = same_group[1] if len(same_group) == 2 else None
            if (deck is not None and _byline(deck.text) is None and not meta.has("subheadline")
                    and deck.text[-1] not in ".,;:"):
                parsed.subheadline = deck.text
                parsed.decide(deck, "subheadline", "the line right under the headline, with no blank line between")
                i += 1
    return _take_bylines(lines, i, parsed, meta)


def _take_bylines(lines: Sequence[_Line], i: int, parsed: Parsed, meta: Metadata) -> int:
    """Byline lines (at most four) from ``i``; returns the index after them."""
    end = i + 4
    while i < len(lines) and i < end and _byline(lines[i].text) is not None:
        if not _take_byline(lines[i], parsed, meta):
            break
        i += 1
    return i


def _take_byline(line: _Line, parsed: Parsed, meta: Metadata) -> bool:
    """Record a byline line (names, and its date if it carries one); False when metadata names other people."""
    found = _byline(line.text) or _role_byline(line.text)
    assert found is not None
    if meta.has("bylines") and tuple(meta.bylines or ()) != parse_byline(found.names):
        return False  # metadata names other people: keep the line as text rather than lose it
    parsed.byline_lines.append(line.text)
    why = ("starts with a byline word and then names" if _byline(line.text) is not None
           else "names, then a reporter's job, above the story")
    if found.date_text and find_dates([found.date_text]):
        parsed.stated_dates.append((found.date_text, line.text))
        why += f"; the date after the names, {found.date_text!r}, is the story's"
    parsed.decide(line, "byline", why)
    return True


# ---- the rules: each looks at line i in its page and either handles it (returning the next index) or passes

Rule = Callable[[_Page, int, Parsed], "int | None"]


def _parse_body(page: _Page, parsed: Parsed) -> None:
    """Apply the rules in :data:`RULES` to every line from the page's start; the first that handles a line wins."""
    i = page.start
    while i < len(page.lines):
        for rule in RULES:
            taken = rule(page, i, parsed)
            if taken is not None:
                i = taken
                break
        else:
            parsed.body.append(Paragraph(text=page.lines[i].text))
            parsed.decide(page.lines[i], "paragraph", "running text")
            i += 1


def _rule_related_line(page: _Page, i: int, parsed: Parsed) -> int | None:
    """``Also see: X`` (in any known language): X is a related link."""
    match = _related_line(page.lines[i].text)
    if match is None:
        return None
    parsed.related.append(_related(match.group("rest")))
    parsed.decide(page.lines[i], "related", "a related-link label, then a title")
    return i + 1


def _is_title(line: _Line) -> bool:
    """A bare link title: short, not a finished sentence (a URL at its end is fine), not a header of its own."""
    title = _strip_bullet(line.text)
    return (0 < len(title) <= 150 and (title[-1] not in ".。" or _url_at_end(title) is not None)
            and not _is_prose(title) and not words.RELATED_HEADER.match(title) and not words.POPULAR_HEADER.match(title)
            and not _is_credit_only(title) and not _is_copyright(title) and not _is_prompt(title)
            and not words.SURVEY.match(title))


def _rule_link_list(page: _Page, i: int, parsed: Parsed) -> int | None:
    """A header such as ``You may also like`` or ``Most popular``, and the bare link titles under it.

    Under a related-stories header the titles become ``related``; under a
    popular-stories header they are the site's other stories: furniture.
    """
    line = page.lines[i]
    header = _strip_bullet(line.text)
    related = words.RELATED_HEADER.match(header) is not None
    if not related and words.POPULAR_HEADER.match(header) is None:
        return None
    j = i + 1
    while j < len(page.lines) and _is_title(page.lines[j]) and not is_furniture(page.lines[j].text):
        j += 1
    kind = "related-stories" if related else "popular-stories"
    parsed.decide(line, "dropped", f"a {kind} header" + (f" over {j - i - 1} link title(s)" if j > i + 1 else ""))
    for title in page.lines[i + 1:j]:
        if related:
            parsed.related.append(_related(_strip_bullet(title.text)))
            parsed.decide(title, "related", f"a bare title under the related-stories header of line {line.number}")
        else:
            parsed.decide(title, "dropped", f"a bare title under the popular-stories header of line {line.number}")
    return j


#: What a copyright notice starts with, and what it ends with: a line holding neither is not given to its pattern.
_COPYRIGHT_STARTS = LiteralStarts(words.COPYRIGHT_START)
_RIGHTS_RESERVED = LiteralStarts(words.RIGHTS_RESERVED)


def _is_copyright(text: str) -> bool:
    """A copyright or rights notice (:data:`~syndicate.readers.textwords.COPYRIGHT`)."""
    return ((_COPYRIGHT_STARTS.could_start(text) or _RIGHTS_RESERVED.could_occur_in(text))
            and words.COPYRIGHT.search(text) is not None)


def _rule_furniture(page: _Page, i: int, parsed: Parsed) -> int | None:
    """Share buttons, ads, comments, survey prompts, copyright lines: dropped (a copyright line gives ``rights``)."""
    line = page.lines[i]
    text = line.text
    if len(text) <= 200 and _is_copyright(text) and not _is_inside_prose(page, i):
        if parsed.rights is None:
            parsed.rights = text
        parsed.decide(line, "rights", "a copyright notice: the story's rights, not its text")
        return i + 1
    if is_furniture(text):
        parsed.decide(line, "dropped", "page furniture (a share, comment, ad, navigation, survey or label line)")
        return i + 1
    if _is_prompt(text):
        if _is_inside_prose(page, i):
            parsed.body.append(Paragraph(text=text))
            parsed.decide(line, "paragraph", "reads like a prompt to the reader, but it sits between story "
                                             "paragraphs: kept as text (in doubt)")
        else:
            parsed.decide(line, "dropped", "a prompt to the reader (subscribe, follow, read more) outside the "
                                           "story text")
        return i + 1
    return None


def _is_inside_prose(page: _Page, i: int) -> bool:
    """True when the lines on both sides of line i are running text (the line is part of the story's flow)."""
    return (0 < i < len(page.lines) - 1 and _is_prose(page.lines[i - 1].text) and _is_prose(page.lines[i + 1].text)
            and not is_furniture(page.lines[i - 1].text) and not is_furniture(page.lines[i + 1].text))


#: A line repeated this many times is a label or a photo's title, not story text.
REPEATED_LABEL = 3
#: ... when it is at least this long (short lines repeat as data: a menu's "Meal 1", a table's numbers).
LABEL_MIN_WORDS = 8
#: A paragraph repeated once, this close to the first copy, is a pull quote (repeated far off, or many times,
#: it is the story's own refrain: an interview's recurring question, a meal plan's repeated dish).
PULL_QUOTE_DISTANCE = 8
#: A pull quote is looked for in the paragraphs this many lines around it (it is set beside what it quotes;
#: looking further would also make reading a long file slow).
PULL_QUOTE_WINDOW = 20
#: A line repeated inside a longer one needs this many words to be a pull quote (short ones are headings).
PULL_QUOTE_MIN_WORDS = 6


def _rule_repeated(page: _Page, i: int, parsed: Parsed) -> int | None:
    """Lines the page already holds: a later copy, a label repeated over and over, a pull quote."""
    line = page.lines[i]
    key = page.keys[i]
    if key.strip() == "":
        return None
    if page.counts[key] >= REPEATED_LABEL and not _is_prose(line.text) and _units(line.text) >= LABEL_MIN_WORDS:
        parsed.decide(line, "dropped", f"the same title-like line {page.counts[key]} times on the page: a label or "
                                       "a photo's title, not story text")
        return i + 1
    first = page.first_seen.get(key, i)
    if first < i and _is_prose(line.text) and page.counts[key] == 2 and i - first <= PULL_QUOTE_DISTANCE:
        parsed.decide(line, "dropped", f"repeats line {page.lines[first].number}, just above, word for word: a pull "
                                       "quote (kept there)")
        return i + 1
    if len(key.split()) >= PULL_QUOTE_MIN_WORDS:
        near = range(max(page.start, i - PULL_QUOTE_WINDOW), min(len(page.lines), i + PULL_QUOTE_WINDOW + 1))
        holder = next((page.lines[n] for n in near if len(page.keys[n]) > len(key) and key in page.keys[n]
                       and _is_prose(page.lines[n].text) and not page.before_story(n)), None)
        if holder is not None:
            parsed.decide(line, "dropped", f"repeats a sentence of line {holder.number}: a pull quote, kept there")
            return i + 1
    return None


#: What a caption label starts with: other lines are not given to its pattern.
_CAPTION_LABEL_STARTS = LiteralStarts(words.CAPTION_LABEL.pattern.removeprefix("^"))


def _is_caption_label(text: str) -> bool:
    return (_CAPTION_LABEL_STARTS.could_start(text) and words.CAPTION_LABEL.match(text) is not None
            and len(words.CAPTION_LABEL.sub("", text)) > 0)


def _is_caption_pair(cut: _Line, full: _Line) -> bool:
    """A photo kept as text: its alt text cut short, then the full caption that starts with it (or the same line).

    Within one group (no blank line between) the two lines may be equal; across a
    blank line the cut line must end mid-word or be at least 20 characters
    long, so that a subheading repeated at the start of the next paragraph is
    not taken for a photo.
    """
    a, b = cut.text, full.text
    if a == b:
        return cut.group == full.group
    if not b.startswith(a) or a[-1] in _SENTENCE_END:
        return False
    if len(a) >= 20:
        return True
    return has_photo_credit(b)


def _alt_over_caption(alt: _Line, caption: _Line) -> str | None:
    """Why a short alt line sits over a caption it is not a prefix of, or None when it does not.

    The caption must carry a photo's credit. Sharing words is not enough: a
    subheading over a lead that repeats its words looks the same.
    """
    a = alt.text
    if not (len(a) <= 80 and _units(a) <= 14 and a[-1] not in _SENTENCE_END and not _list_item(a)
            and _byline(a) is None and not is_furniture(a) and not _is_prompt(a) and split_credit(a)[1] is None
            and _units(caption.text) <= 90):
        return None
    if has_photo_credit(caption.text):
        return f"a short title over a line ending in a photo's credit (line {caption.number})"
    return None


def _rule_photo(page: _Page, i: int, parsed: Parsed) -> int | None:
    """A photo kept as text: an alt line and its caption, a labelled caption, or a line ending in a photo's credit."""
    line = page.lines[i]
    nxt = page.lines[i + 1] if i + 1 < len(page.lines) else None
    if nxt is not None and _is_caption_pair(line, nxt):
        caption, credit = split_credit(nxt.text)
        parsed.body.append(Figure(caption=caption, credit=credit, alt=caption or None))
        why = ("the same line twice: a photo's alt text and caption" if line.text == nxt.text
               else "cut short, and the next line starts with it: a photo's alt text over its caption")
        parsed.decide(line, "figure alt", why + f" (line {nxt.number})")
        parsed.decide(nxt, "figure caption", f"the full caption of the alt text on line {line.number}"
                      + (f"; credit {credit!r}" if credit else ""))
        return i + 2
    why_alt = _alt_over_caption(line, nxt) if nxt is not None else None
    if nxt is not None and why_alt is not None:
        caption, credit = split_credit(nxt.text)
        parsed.body.append(Figure(caption=caption, credit=credit, alt=line.text))
        parsed.decide(line, "figure alt", why_alt)
        parsed.decide(nxt, "figure caption", f"under the alt text of line {line.number}"
                      + (f"; credit {credit!r}" if credit else ""))
        return i + 2
    if _is_caption_label(line.text):
        # the label is the page's own caption text (a screen reader's "Image caption"): kept as written
        caption, credit = split_credit(line.text)
        parsed.body.append(Figure(caption=caption, credit=credit))
        parsed.decide(line, "figure caption", "starts with a caption label")
        return i + 1
    text = line.text
    if _is_credit_only(text):
        _attach_credit(parsed.body, split_credit(text)[1] or "", i > page.start and page.lines[i - 1].group == line.group)
        parsed.decide(line, "figure credit", "a photo credit on its own line")
        return i + 1
    if split_credit(text)[1] is not None and (has_photo_credit(text) or _caption_beside_photos(page.lines, i)):
        caption, credit = split_credit(text)
        parsed.body.append(Figure(caption=caption, credit=credit))
        parsed.decide(line, "figure caption", f"ends with the photo credit {credit!r}")
        return i + 1
    return None


def _rule_list(page: _Page, i: int, parsed: Parsed) -> int | None:
    """Consecutive ``-``/``*``/``•``/``1.`` lines are one list (an ordered one keeps its first number)."""
    if not _list_item(page.lines[i].text):
        return None
    return _take_list(page.lines, i, parsed)


#: A byline is looked for this many lines into the story text (under a kicker, a photo, a date line).
BYLINE_LINES = 4


def _rule_early_byline(page: _Page, i: int, parsed: Parsed) -> int | None:
    """A ``By NAME`` line among the story's first lines, when the page has no byline yet."""
    line = page.lines[i]
    if parsed.byline_lines or i >= page.start + BYLINE_LINES or _byline(line.text) is None:
        return None
    return i + 1 if _take_byline(line, parsed, page.meta) else None


def _rule_outside_story(page: _Page, i: int, parsed: Parsed) -> int | None:
    """Short lines before the story's first paragraph or after its last: bylines, dates, section names, tags.

    Before the story a byline or a date line is read for its names or date;
    any other short line there is a section name or a label. After the
    story, two or more short lines are a block of links, tags or prompts; a
    single short line is kept as text, in doubt.
    """
    line = page.lines[i]
    if not (page.before_story(i) or page.after_story(i)):
        return None
    if ((_byline(line.text) or _role_byline(line.text)) is not None and not parsed.byline_lines
            and page.before_story(i)):
        return i + 1 if _take_byline(line, parsed, page.meta) else None
    if _date_line(line.text) or (page.before_story(i) and _units(line.text) <= 12 and find_dates([line.text])
                                 and not _ends_sentence(line.text)):
        parsed.stated_dates.append((line.text, line.text))
        parsed.decide(line, "dropped", "a date line outside the story text (its date is read)")
        return i + 1
    if page.before_story(i):
        if (_is_heading_shape(line.text) and line.alone and i + 1 < len(page.lines)
                and _is_sentence(page.lines[i + 1].text)) \
                or _ends_sentence(line.text) or _match_dateline(line.text) is not None:
            return None  # a subheading over the first paragraph, or a sentence: story text, kept
        parsed.decide(line, "dropped", "a short line before the story's first paragraph (a section name, label "
                                       "or link)")
        return i + 1
    if page.tail_lines >= 2 and _is_tail_line(line):
        parsed.decide(line, "dropped", f"one of {page.tail_lines} short lines after the story's last paragraph "
                                       "(links, tags or prompts)")
        return i + 1
    return None


def _is_tail_line(line: _Line) -> bool:
    """A line under the story that is neither furniture, nor a sentence, nor a credit: a link, tag or label."""
    return not is_furniture(line.text) and not _ends_sentence(line.text) and not _is_credit_only(line.text)


def _rule_heading(page: _Page, i: int, parsed: Parsed) -> int | None:
    """A subheading: short, no final punctuation, alone between blank lines, with story text after it."""
    line = page.lines[i]
    if not (line.alone and i < page.last_content and _is_heading_shape(line.text)
            and any(c.isalpha() for c in line.text)):
        return None
    nxt = page.lines[i + 1] if i + 1 < len(page.lines) else None
    if nxt is not None and nxt.alone and _is_heading_shape(nxt.text) and not is_furniture(nxt.text):
        return None  # two title-like lines in a row (a table's cells, a menu): neither heads text
    parsed.body.append(Heading(text=line.text, level=2))
    parsed.decide(line, "heading", f"short ({_units(line.text)} words), no final punctuation, alone between blank "
                                   "lines, with story text after it")
    return i + 1


def _rule_comments(page: _Page, i: int, parsed: Parsed) -> int | None:
    """The readers' comments under the story, from their header on: not the story's text."""
    if i < page.comments_from:
        return None
    header = page.lines[page.comments_from]
    for line in page.lines[i:]:
        parsed.decide(line, "dropped", f"readers' comments (under the header on line {header.number})")
    return len(page.lines)


#: The rules, in the order they are tried; a line no rule takes is a paragraph.
RULES: tuple[Rule, ...] = (
    _rule_comments, _rule_related_line, _rule_link_list, _rule_furniture, _rule_photo, _rule_repeated, _rule_list,
    _rule_early_byline, _rule_outside_story, _rule_heading,
)


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
    return len(two) == 2 and two[0].group == two[1].group and _is_caption_pair(two[0], two[1])


#: A caption is one or two sentences describing a picture; longer text is a paragraph.
CAPTION_MAX_WORDS = 60


def _reads_as_caption(line: str) -> bool:
    """A line that could be under a photo: one or two short finished sentences, then the credit.

    A caption is complete before its credit (``… higher ground. (Reuters)``);
    prose that names its agency runs into the bracket (``… in the capital (Reuters)``).
    """
    caption = split_credit(line)[0]
    return (bool(caption) and caption[-1] in ".!?\"”’。！？" and len(line.split()) <= CAPTION_MAX_WORDS
            and line[0] not in _QUOTE_OPEN and _list_item(line) is None and len(sentences(caption)) <= 2)


def _attach_credit(body: list[Block], credit: str, after_same_group: bool) -> None:
    """A credit line on its own: it credits the caption just above it, else it is a photo known only by its credit."""
    last = body[-1] if body else None
    if isinstance(last, Paragraph) and after_same_group:
        body[-1] = Figure(caption=last.text, credit=credit)
    elif isinstance(last, Figure) and last.credit is None:
        body[-1] = Figure(caption=last.caption, credit=credit, alt=last.alt, image=last.image)
    else:
        body.append(Figure(caption="", credit=credit))


def _take_list(lines: Sequence[_Line], i: int, parsed: Parsed) -> int:
    """Consecutive list lines become one list; a list continuing after a blank line joins the one above."""
    body = parsed.body
    first = _list_item(lines[i].text)
    assert first is not None
    ordered = first.group("number") is not None
    start = int(first.group("number")) if ordered else 1
    items: list[str] = []
    begin = i
    dropped: list[_Line] = []
    while i < len(lines):
        match = _list_item(lines[i].text)
        if match is None or (match.group("number") is not None) != ordered:
            break
        if is_furniture(match.group("item")):
            dropped.append(lines[i])  # a share button drawn as a list item ("• Reddit")
        else:
            items.append(match.group("item"))
        i += 1
    for line in dropped:
        parsed.decide(line, "dropped", "a list item that is page furniture (a share or navigation link)")
    if not items:
        return i
    last = body[-1] if body else None
    joined = isinstance(last, ListBlock) and last.ordered == ordered
    if joined:
        assert isinstance(last, ListBlock)
        body[-1] = replace(last, items=last.items + tuple(items))
    else:
        body.append(ListBlock(items=tuple(items), ordered=ordered, start=start if ordered else 1))
    for line in (ln for ln in lines[begin:i] if ln not in dropped):
        parsed.decide(line, "list item", ("numbered" if ordered else "bulleted")
                      + (", continuing the list above" if joined else ""))
    return i


def _related(text: str) -> Related:
    match = _url_at_end(text.strip())
    if match is not None:
        return Related(title=match.group("title").strip() or match.group("url"), url=match.group("url"))
    return Related(title=text.strip())


# ---- datelines: ``ALEPPO, Syria (AP) —``, ``WASHINGTON —``, ``北京，中国 —``, ``Berlin, Germany –``

_DASH = r"(?: ?[—–] ?| --? )"
_AGENCY_PAREN = r"(?: ?[(（](?P<agency>[^\W\d_][\w.& -]{0,30})[)）])?"
_DATELINES = (
    # a city in capitals, maybe a region: ``ALEPPO, Syria (AP) —``
    LazyPattern(r"^(?P<place>[A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,3}(?:, [A-Z][\w'’.-]*(?: [\w'’.-]+){0,3}?)?)"
               + _AGENCY_PAREN + _DASH + r"(?P<rest>\S.*)$"),
    # a capitalised city and its region or country, then a dash: ``Berlin, Germany –``
    LazyPattern(r"^(?P<place>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,2}, [A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,2})"
               + _AGENCY_PAREN + _DASH + r"(?P<rest>\S.*)$"),
    # a place in a script without case, maybe a region: ``北京，中国 —``, ``بيروت (رويترز) -``
    LazyPattern(r"^(?P<place>[^\W\d_A-Za-z\u00c0-\u024f\u0400-\u04ff]{2,12}(?: [^\W\d_A-Za-z\u00c0-\u024f\u0400-\u04ff]{2,12}){0,2}"
               r"(?:[,，、،] ?[^\W\d_A-Za-z\u00c0-\u024f\u0400-\u04ff]{2,12}(?: [^\W\d_A-Za-z\u00c0-\u024f\u0400-\u04ff]{2,12}){0,2})?)"
               + _AGENCY_PAREN + r" ?(?:[—–]{1,2}|--?) ?(?P<rest>\S.*)$"),
    # a Chinese wire dateline: ``新华社北京3月3日电（记者 李明）``
    LazyPattern(r"^(?P<agency>新华社|中新社)(?P<place>[\u4e00-\u9fff]{2,6})\d{1,2}月\d{1,2}日电(?:[（(][^）)]{0,30}[）)])?"
               r"\s*(?P<rest>\S.*)$"),
    # a Cyrillic place: ``МОСКВА, 3 марта —`` is not matched (a date); ``МОСКВА —`` is
    LazyPattern(r"^(?P<place>[А-ЯЁ][А-ЯЁ-]+(?: [А-ЯЁ][А-ЯЁ-]+){0,2}(?:, [А-ЯЁ][\w-]+)?)" + _AGENCY_PAREN + _DASH
               + r"(?P<rest>\S.*)$"),
)


def _caseless_letter(first: str) -> bool:
    """``[^\\W\\d_A-Za-z\\u00c0-\\u024f\\u0400-\\u04ff]``, the first character of a dateline in a script without case."""
    return (first.isalnum() and not first.isdecimal() and not first.isascii() and not "\u00c0" <= first <= "\u024f"
            and not "\u0400" <= first <= "\u04ff")


def _has_dash(text: str) -> bool:
    """Whether ``text`` holds the dash a dateline ends with (:data:`_DASH`: an em or en dash, or a hyphen after
    a space)."""
    return "—" in text or "–" in text or " -" in text


#: What a paragraph must start with for each of :data:`_DATELINES` to match it (what each pattern's ``^`` is
#: followed by), and the dash it must hold after the place: a pattern is compiled only for a story with a
#: paragraph it could match.
_DATELINE_STARTS: tuple[Callable[[str], bool], ...] = (
    lambda text: "A" <= text[0] <= "Z" and _has_dash(text),
    lambda text: "A" <= text[0] <= "Z" and _has_dash(text),
    lambda text: _caseless_letter(text[0]) and ("—" in text or "–" in text or "-" in text),
    lambda text: text.startswith(("新华社", "中新社")),
    lambda text: ("А" <= text[0] <= "Я" or text[0] == "Ё") and _has_dash(text),
)
_NOT_PLACES = {"FILE", "UPDATE", "UPDATED", "BREAKING", "EXCLUSIVE", "ANALYSIS", "OPINION", "EDITOR'S NOTE",
               "CORRECTION", "WATCH", "LIVE", "VIDEO", "PHOTOS", "NOTE", "UPDATE 1", "UPDATE 2"}
AGENCY_NAMES = {"AP": "The Associated Press", "Reuters": "Reuters", "AFP": "Agence France-Presse",
                "VOA": "Voice of America", "UPI": "United Press International", "رويترز": "Reuters",
                "新华社": "Xinhua", "dpa": "Deutsche Presse-Agentur", "DPA": "Deutsche Presse-Agentur"}
#: Paragraphs a dateline is looked for in: it opens the story, after a kicker or a short intro at most.
DATELINE_PARAGRAPHS = 3


def _match_dateline(text: str) -> re.Match[str] | None:
    if not text:
        return None
    for pattern, could_start in zip(_DATELINES, _DATELINE_STARTS):
        if not could_start(text):
            continue
        match = pattern.match(text)
        if match is None:
            continue
        place = match.group("place")
        city = re.split(r"[,，、،]", place)[0].strip()
        if city in _NOT_PLACES or len(place) > 60:
            continue
        if pattern is _DATELINES[0] and sum(c.isupper() for c in city) < 2:
            continue
        return match
    return None


def _take_dateline(parsed: Parsed, meta: Metadata) -> None:
    """Split a dateline off the start of one of the first paragraphs (the rest of the paragraph stays its text)."""
    paragraphs = [n for n, b in enumerate(parsed.body) if isinstance(b, Paragraph)][:DATELINE_PARAGRAPHS]
    for index in paragraphs:
        lead = parsed.body[index]
        assert isinstance(lead, Paragraph)
        match = _match_dateline(lead.text)
        if match is None:
            continue
        place = match.group("place")
        if meta.has("dateline") and meta.dateline != place:
            return  # metadata says otherwise: leave the paragraph as written
        parsed.dateline = place
        parsed.dateline_text = lead.text[:match.start("rest")].strip()
        parsed.agency = match.group("agency")
        parsed.body[index] = Paragraph(text=match.group("rest"))
        return


# ---------------------------------------------------------------- 4. dates

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
           "nov": 11, "dec": 12}
#: Month names in the other languages the reader knows (German, Spanish, French, Portuguese, Italian, Russian).
_MONTH_WORDS = {
    **dict.fromkeys(("januar", "jänner", "enero", "janvier", "janeiro", "gennaio", "января", "январь"), 1),
    **dict.fromkeys(("februar", "febrero", "février", "fevereiro", "febbraio", "февраля", "февраль"), 2),
    **dict.fromkeys(("märz", "marzo", "mars", "março", "марта", "март"), 3),
    **dict.fromkeys(("abril", "avril", "aprile", "апреля", "апрель"), 4),
    **dict.fromkeys(("mai", "mayo", "maio", "maggio", "мая", "май"), 5),
    **dict.fromkeys(("juni", "junio", "juin", "junho", "giugno", "июня", "июнь"), 6),
    **dict.fromkeys(("juli", "julio", "juillet", "julho", "luglio", "июля", "июль"), 7),
    **dict.fromkeys(("agosto", "août", "августа", "август"), 8),
    **dict.fromkeys(("septiembre", "setiembre", "septembre", "setembro", "settembre", "сентября", "сентябрь"), 9),
    **dict.fromkeys(("oktober", "octubre", "octobre", "outubro", "ottobre", "октября", "октябрь"), 10),
    **dict.fromkeys(("noviembre", "novembre", "novembro", "ноября", "ноябрь"), 11),
    **dict.fromkeys(("dezember", "diciembre", "décembre", "dezembro", "dicembre", "декабря", "декабрь"), 12),
}
#: Every spelling of a month a date may use: the English names and their abbreviations (``Sept``, and ``Sepember``,
#: which the reader has always taken for September), and :data:`_MONTH_WORDS`; as :func:`case_key` keys.
_MONTH_SPELLINGS = frozenset(case_key(word) for word in (
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul", "july", "aug",
    "august", "sep", "sept", "sepember", "september", "oct", "october", "nov", "november", "dec", "december",
    *_MONTH_WORDS))
#: A month in a date pattern is any word, kept when :func:`_names_a_month`: a set lookup, where an alternation of
#: the ninety spellings would cost more to compile (four times over) than a story takes to read.
_MONTH = r"(?P<month>[^\W\d_]+)"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|º|\.)?"
#: The date patterns, each with a character its dates always hold (the Latin-script ones a space, which any text
#: with them has): a text without it is not searched, and a story without a Chinese or Japanese date never
#: compiles the patterns for one.
_DATE_PATTERNS = (
    (LazyPattern(r"\b" + _MONTH + r"\.? " + _DAY + r",? (?P<year>\d{4})\b", re.IGNORECASE), " "),
    (LazyPattern(r"\b" + _DAY + r" (?:de )?" + _MONTH + r"\.?,? (?:de )?(?P<year>\d{4})\b", re.IGNORECASE), " "),
    (LazyPattern(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"), "-"),
    (LazyPattern(r"(?P<year>\d{4}) ?年 ?(?P<month>\d{1,2}) ?月 ?(?P<day>\d{1,2}) ?日"), "月"),
    (LazyPattern(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})\b"), "."),
)
#: Dates written without a year (``March 3``, ``3 mars``, ``3月3日``): resolved against a year known elsewhere.
_PARTIAL_DATE_PATTERNS = (
    (LazyPattern(r"\b" + _MONTH + r"\.? " + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?!,? \d{4}|:|\d)", re.IGNORECASE),
     " "),
    (LazyPattern(r"\b" + _DAY + r" (?:de )?" + _MONTH + r"\b(?!\.?,? (?:de )?\d{4})", re.IGNORECASE), " "),
    (LazyPattern(r"(?<![年\d])(?P<month>\d{1,2}) ?月 ?(?P<day>\d{1,2}) ?日"), "月"),
)
_YEAR = LazyPattern(r"(?<!\d)(?P<year>(?:19|20)\d{2})(?!\d)")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = LazyPattern(r"\b(" + "|".join(_WEEKDAYS) + r")\b")
#: Labels of a line that only states when the story was published or updated.
_DATE_LABEL = LazyPattern(
    r"\b(?:published|posted|updated|last updated|on|at|am|um|uhr|le|à|el|a las|publicado|actualizado|publié"
    r"|mis à jour|veröffentlicht|aktualisiert|опубликовано|обновлено|نشر|تحديث|发布时间|更新时间|时间|日期"
    r"|a\.m|p\.m|am|pm|gmt|utc|est|edt|pst|pdt|cet|cest|bst|mon|tue|wed|thu|fri|sat|sun"
    r"|" + "|".join(w.lower() for w in _WEEKDAYS) + r")\b", re.IGNORECASE)


class _Found:
    """A date found in a text, and the words that give it."""

    __slots__ = ("day", "text")

    def __init__(self, day: date, text: str) -> None:
        self.day = day
        self.text = text


def _names_a_month(month: str) -> bool:
    """True for the month a date pattern found: a number, or a word in :data:`_MONTH_SPELLINGS` (as ``re.IGNORECASE``
    compares them: letter by letter, so a key longer than the word, from a ligature, is none)."""
    if month.isdecimal():
        return True
    key = case_key(month)
    return len(key) == len(month) and key in _MONTH_SPELLINGS


def _month_number(text: str) -> int:
    return int(text) if text.isdigit() else _MONTH_WORDS.get(text.lower()) or _MONTHS[text[:3].lower()]


def find_dates(texts: Iterable[str]) -> list[_Found]:
    """Every explicit, valid calendar date written in ``texts`` (in order), with the words that gave it."""
    found = []
    for text in texts:
        for pattern, held in _DATE_PATTERNS:
            for match in (pattern.finditer(text) if held in text else ()):
                if not _names_a_month(match.group("month")):
                    continue
                try:
                    day = date(int(match.group("year")), _month_number(match.group("month")), int(match.group("day")))
                except ValueError:
                    continue
                if 1800 <= day.year <= 2200:
                    found.append(_Found(day, match.group()))
    return found


def _partial_dates(text: str, year: int) -> list[_Found]:
    """The year-less dates in ``text``, each put in the year (``year`` - 1 to + 1) nearest the middle of ``year``."""
    out = []
    for pattern, held in _PARTIAL_DATE_PATTERNS:
        for match in (pattern.finditer(text) if held in text else ()):
            if not _names_a_month(match.group("month")):
                continue
            try:
                month, day = _month_number(match.group("month")), int(match.group("day"))
                date(2000, month, day)  # a leap year: 29 February is a real day
            except (ValueError, KeyError):
                continue
            middle = date(year, 7, 1)
            candidates = []
            for y in (year - 1, year, year + 1):
                try:
                    candidates.append(date(y, month, day))
                except ValueError:
                    continue
            if candidates:
                out.append(_Found(min(candidates, key=lambda d: (abs((d - middle).days), d)), match.group()))
    return out


def _date_line(line: str) -> bool:
    """A line that only says when (``Published 18 November 2019``, ``Updated: 18 Nov 2019, 19:11``)."""
    dates = find_dates([line])
    if not dates or len(line) > 80:
        return False
    rest = line
    for found in dates:
        rest = rest.replace(found.text, " ")
    rest = _DATE_LABEL.sub(" ", rest)
    rest = re.sub(r"[\d\W_]+", " ", rest).strip()
    return len(rest.split()) <= 1


def infer_published(parsed: Parsed) -> Inferred | None:
    """The publication date the text implies (see the module docstring), or None when it names no date."""
    stated = [(found, line) for text, line in parsed.stated_dates for found in find_dates([text])[:1]
              if not re.search(r"updated|aktualisiert|actualizado|mis à jour|обновлено|更新", text, re.IGNORECASE)]
    if stated:
        found, line = stated[0]
        published = datetime(found.day.year, found.day.month, found.day.day, tzinfo=timezone.utc)
        return Inferred("published", published.isoformat(),
                        f"no date in metadata; the line {line!r} says {found.text!r}; no time zone is given, "
                        "so the day at 00:00 UTC")
    captions = [t for b in parsed.body if isinstance(b, Figure) for t in (b.caption, b.alt or "")]
    anchors = find_dates([parsed.dateline_text or "", *captions])
    where = "the captions and the dateline"
    if not anchors:
        anchors = find_dates(t for b in parsed.body if isinstance(b, (Paragraph, ListBlock))
                             for t in ((b.text,) if isinstance(b, Paragraph) else b.items))
        where = "the story text"
    lead = next((b.text for b in parsed.body if isinstance(b, Paragraph)), "")
    if not anchors:
        opening = " ".join(b.text for b in parsed.body if isinstance(b, Paragraph))[:2000]
        return _published_from_partial_date(parsed, opening)
    anchor = max(anchors, key=lambda f: f.day)
    day, reason = anchor.day, f"the latest date in {where} is {anchor.text!r}"
    for name in dict.fromkeys(_WEEKDAY.findall(lead)):  # each weekday once, in order of mention
        resolved = _nearest_weekday(anchor.day, _WEEKDAYS.index(name))
        if resolved > day:
            day = resolved
            reason += f", and the lead says {name!r}: the nearest {name} to it is {resolved.isoformat()}"
    for partial in _partial_dates(f"{parsed.dateline_text or ''} {lead}", anchor.day.year):
        if partial.day > day and (partial.day - anchor.day).days <= 31:
            day = partial.day
            reason += (f", and the lead says {partial.text!r} with no year: in {partial.day.year}, "
                       f"the year of that date, it is {partial.day.isoformat()}")
    published = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return Inferred("published", published.isoformat(),
                    f"no date in metadata; {reason}; the time of day is unknown, so 00:00 UTC")


def _published_from_partial_date(parsed: Parsed, lead: str) -> Inferred | None:
    """A year-less date in the dateline or the opening text, in the one year the page names elsewhere (else None).

    The year comes from the page's copyright line or its dated lines; with no
    year, or several, a year-less date stays unresolved: none is invented.
    """
    year_sources = [parsed.rights or "", *(line for _, line in parsed.stated_dates)]
    years = {int(m.group("year")) for text in year_sources for m in _YEAR.finditer(text)}
    if len(years) != 1:
        return None  # no year known, or several: a year-less date stays unresolved
    (year,) = years
    partial = _partial_dates(f"{parsed.dateline_text or ''} {lead}", year)
    if not partial:
        return None
    found = partial[0]
    day = date(year, found.day.month, found.day.day) if found.day.year != year else found.day
    published = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return Inferred("published", published.isoformat(),
                    f"no date in metadata; the story says {found.text!r} with no year, and the page names only the "
                    f"year {year}; the time of day is unknown, so 00:00 UTC")


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
    draft.bylines = tuple(b for line in parsed.byline_lines for b in parse_byline(byline_names(line)))
    for line in parsed.byline_lines:
        people = "; ".join(b.name + (f" ({b.role})" if b.role else "") for b in parse_byline(byline_names(line)))
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
    if parsed.rights is not None:
        draft.rights = parsed.rights
        draft.inferred.append(Inferred("rights", parsed.rights, "a copyright line of the page"))
    draft.inferred.extend(parsed.decisions)  # what each line became and why (parse --explain)
    return finish(draft, source, meta=meta)


def read(source: InputFile) -> Story:
    """Read one plain-text story (see the module docstring); raises InputError for input it refuses."""
    # Front matter comes off before normalising: YAML's indentation and spaces are its meaning.
    whole = unify_line_ends(decode(source.data, source.name))
    front_matter, text = split_front_matter(whole, source.name)
    first_line = whole[:len(whole) - len(text)].count("\n") + 1 if whole.endswith(text) else 1
    text = normalise(text)
    meta = gather(source, front_matter)
    if not text.strip():
        raise InputError("no story text (only front matter)" if front_matter is not None else "empty input",
                         source.name)
    try:
        return build_story(parse_lines(text, meta, first_line), meta, source)
    finally:
        _forget_lines()
