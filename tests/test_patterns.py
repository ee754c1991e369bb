"""Patterns compiled on first use: the same answers as the patterns they stand for, on real lines.

The text reader's furniture tables are matched a few phrases at a time
(:class:`~syndicate.patterns.WholeLineTable`) and its dates find their month by a
set lookup: both must say what the one big pattern said, letter case and the
letters ``re.IGNORECASE`` takes for others (``ſ``, ``K``, ``ı``, ``İ``) included.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import ROOT, SAMPLE, SHARED

from syndicate.patterns import LazyPattern, WholeLineTable, _spread, literal_prefix
from syndicate.readers import text, textwords

TABLES = ["FURNITURE", "PROMPT", "SURVEY", "COMMENTS_HEADER", "RELATED_HEADER", "POPULAR_HEADER"]


def real_lines() -> list[str]:
    """Every line of the project's text stories, each also in upper, lower and title case and with end
    punctuation, and a few lines that only a case-folding mistake would misjudge."""
    lines = {SAMPLE.read_text("utf-8")}
    for path in sorted((ROOT / "tests" / "data").rglob("*.txt")) + [SAMPLE]:
        lines |= {line.strip() for line in path.read_text("utf-8", errors="replace").splitlines()}
    variants = {v for line in lines if len(line) <= 80
                for v in (line, line.upper(), line.lower(), line.title(), line + " »", line + "!!!!!")}
    return sorted(variants | {
        "", " ", "View full gallery", "VIEW THE PHOTO GALLERY", "ſhare", "\u212aomments", "prınt", "İmprimer",
        "ßhare", "\ufb00", "Story continues below", "continues after the ad", "Trending now", "Most read in Sport",
        "Síguenos en Twitter", "Related stories", "Also see:", "相关阅读", "Читайте также", "اقرأ أيضا",
        "Home › News ›", "12 comments", "Comments (3)", "Google+", "Was this article helpful?", "Leave a comment",
    })


@pytest.mark.parametrize("name", TABLES)
def test_a_table_answers_as_its_one_pattern(name: str) -> None:
    table = getattr(textwords, name)
    assert isinstance(table, WholeLineTable)
    whole = re.compile(table.pattern, table.flags)
    lines = real_lines()
    assert [line for line in lines if (whole.match(line) is None) != (table.match(line) is None)] == []
    assert any(table.match(line) for line in lines)  # the lines do exercise the table


@pytest.mark.parametrize("name", TABLES)
def test_a_table_answers_as_its_one_pattern_on_the_corpus_scrapes(name: str) -> None:
    scrapes = sorted((SHARED / "corpus" / "articles" / "scrapes").glob("*.txt"))
    if not scrapes:
        pytest.skip("the shared article corpus is not here")
    table = getattr(textwords, name)
    whole = re.compile(table.pattern, table.flags)
    lines = {line.strip() for path in scrapes for line in path.read_text("utf-8", errors="replace").splitlines()}
    lines = {v for line in lines if len(line) <= 160 for v in (line, line.upper(), line.lower())}
    assert [line for line in sorted(lines) if (whole.match(line) is None) != (table.match(line) is None)] == []


def test_a_line_is_matched_only_against_the_phrases_it_begins_like() -> None:
    table = WholeLineTable([r"related(?: stories)?", r"read more", r"\d+ comments?", r"share"], r"[\s\W]{0,4}",
                           re.IGNORECASE)
    assert table.match("Rebel fighters sit on the rubble") is None  # "re", but neither "related" nor "read more"
    assert table._compiled == {}  # so nothing of theirs was compiled
    assert table.match("READ MORE »") is not None and table.match("12 Comments") is not None
    assert set(table._compiled) == {"READ MORE"}  # "12 Comments" is for the phrases with no literal start


#: Lines that begin or end like the patterns gated by their literal starts, in several cases and scripts.
EXTRA_LINES = ["BY JANE DOE", "ʙy Jane", "Автор: Иван Петров", "作者：李明", "Image caption: A", "IMAGE CAPTION A",
               "Bildunterschrift: x", "Byzantium rises", "Caption", "(C) 2020 Foo", "© Foo", "COPYRIGHT 2020",
               "Foo. All Rights Reserved.", "ALLE RECHTE VORBEHALTEN »", "Все права защищены.", "2020 版权所有",
               "ALSO SEE: Harbour reopens", "Lire aussi : Le port rouvre", "Читайте также: Порт", "関連記事：港",
               "Read more: https://news.example.com/a"]


@pytest.mark.parametrize("kind", ["byline", "caption label", "related"])
def test_literal_starts_never_refuse_a_line_their_pattern_matches(kind: str) -> None:
    check, pattern = {"byline": (text._BYLINE_STARTS, text._BYLINE_START),
                      "caption label": (text._CAPTION_LABEL_STARTS, textwords.CAPTION_LABEL),
                      "related": (text._RELATED_STARTS, text._RELATED_LINE)}[kind]
    lines = real_lines() + EXTRA_LINES
    assert [line for line in lines if pattern.match(line) and not check.could_start(line)] == []
    assert any(pattern.match(line) for line in lines)  # the lines do exercise the pattern
    assert not check.could_start("Rebel fighters sit on the rubble")  # and most lines are not given to it


def test_a_line_the_copyright_pattern_finds_is_never_refused_by_its_starts_and_ends() -> None:
    lines = real_lines() + EXTRA_LINES
    found = [line for line in lines if textwords.COPYRIGHT.search(line)]
    assert found and [line for line in found if not text._is_copyright(line)] == []
    assert not text._is_copyright("Rebel fighters sit on the rubble")


@pytest.mark.parametrize(("line", "furniture"), [
    ("ſhare", True), ("\u212aommentare", True), ("prınt", True), ("PRİNT", True), ("ßhare", False), ("shaRE", True)])
def test_exotic_case_letters_match_as_re_does(line: str, furniture: bool) -> None:
    whole = re.compile(textwords.FURNITURE.pattern, textwords.FURNITURE.flags)
    assert (whole.match(line) is not None) is furniture
    assert (textwords.FURNITURE.match(line) is not None) is furniture


def test_leading_groups_are_spread_over_their_alternatives() -> None:
    assert _spread(r"(?:a|b)c|d") == ["ac", "bc", "d"]
    assert _spread(r"(?:the )?gallery") == ["the gallery", "gallery"]
    assert _spread(r"(?:x|y)*z") == [r"(?:x|y)*z"]  # repeated: left whole
    assert _spread(r"[(|)]a|b\|c") == [r"[(|)]a", r"b\|c"]  # a bar in a class or escaped is a character


def test_a_literal_start_reads_escaped_punctuation_as_itself() -> None:
    assert literal_prefix(r"\(c\) reserved") == "(c) reserved"
    assert literal_prefix(r"google\+ share") == "google+ share" and literal_prefix(r"ab\.?c") == "ab"
    assert literal_prefix(r"comments? \(\d+\)") == "comment" and literal_prefix(r"\d+ comments") == ""


def test_a_lazy_pattern_compiles_on_first_use_then_is_the_compiled_one() -> None:
    pattern = LazyPattern(r"a+", re.IGNORECASE)
    assert pattern._compiled is None
    match = pattern.match("AAb")
    assert match is not None and match.group() == "AA" and match.re is pattern.compiled
    assert pattern.sub("-", "xaAx") == "x-x" and pattern.findall("a b aa") == ["a", "aa"]


@pytest.mark.parametrize(("line", "day"), [
    ("Dec. 16, 2016", date(2016, 12, 16)),
    ("16 de marzo de 2019", date(2019, 3, 16)),
    ("1. März 2019", date(2019, 3, 1)),
    ("5 марта 2019", date(2019, 3, 5)),
    ("Sepember 3, 2019", date(2019, 9, 3)),  # Sept?(?:ember)? always took it
    ("Auguſt 5, 2019", date(2019, 8, 5)),  # re.IGNORECASE takes ſ for s
    ("AUGUST 5, 2019", date(2019, 8, 5)),
    ("Foo 12, 2019", None),
    ("Augu\ufb06 5, 2019", None),  # a ligature is not two letters to re
    ("3 de 2019", None),
])
def test_dates_find_their_month_by_lookup(line: str, day: date | None) -> None:
    found = text.find_dates([line])
    assert [f.day for f in found] == ([day] if day else [])


def test_a_story_in_cjk_still_counts_its_characters() -> None:
    """The CJK ranges are compiled only when a line reaches them; such a line still reads as CJK."""
    assert text._unspaced("“Quoted” — English only…") == 0
    assert text._unspaced("北京今天下雨") == 6 and text._unspaced("ภาษาไทย") == 7
