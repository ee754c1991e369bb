"""EPUB books in every script: direction, the book's own words in the story's language, ``lang`` everywhere.

An Arabic and a Chinese story written for the tests (``tests/data/i18n/``,
plain-text scrapes with a sidecar giving only their language, date and
photo) are read and built as a user would, from Python and with
``syndicate convert``; one story per supported language and a few without
words of their own show the labels; editions mixing languages show the
navigation. Every book goes through EPUBCheck in one JVM.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import DATA, shared_tool
from lxml import etree

import syndicate
from syndicate.exporters import ExportOptions
from syndicate.exporters.epub import export_edition, export_epub
from syndicate.images import ImageResolver
from syndicate.model import Byline, Heading, Paragraph, Related, Source, Story, Subject

I18N = DATA / "i18n"
ARABIC = I18N / "siwa-dates.txt"
CHINESE = I18N / "longjing-tea.txt"
NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/", "ncx": "http://www.daisy.org/z3986/2005/ncx/",
      "epub": "http://www.idpf.org/2007/ops"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PUBLISHED = datetime(2024, 3, 5, 18, 0, tzinfo=timezone(timedelta(hours=2)))

#: What a reader of each language expects to see, written by hand: the by-line word, "published" and
#: March as they stand in a date, "Contents", and the edition's section of stories without a subject.
EXPECTED: dict[str, tuple[str, str, str, str, str]] = {
    "en": ("By ", "Published", "5 March 2024", "Contents", "More news"),
    "de": ("Von ", "Veröffentlicht", "5. März 2024", "Inhalt", "Weitere Nachrichten"),
    "fr": ("Par ", "Publié le", "5 mars 2024", "Sommaire", "Autres actualités"),
    "es": ("Por ", "Publicado el", "5 de marzo de 2024", "Índice", "Más noticias"),
    "it": ("Di ", "Pubblicato il", "5 marzo 2024", "Indice", "Altre notizie"),
    "pt-BR": ("Por ", "Publicado em", "5 de março de 2024", "Sumário", "Mais notícias"),
    "nl": ("Door ", "Gepubliceerd op", "5 maart 2024", "Inhoud", "Meer nieuws"),
    "ar": ("بقلم", "نُشر", "5 مارس 2024", "المحتويات", "أخبار أخرى"),
    "he": ("מאת", "פורסם", "5 במרץ 2024", "תוכן העניינים", "חדשות נוספות"),
    "zh-CN": ("作者", "发布", "2024年3月5日", "目录", "更多新闻"),
    "zh-TW": ("作者", "發布", "2024年3月5日", "目錄", "更多新聞"),
    "ja": ("執筆", "公開", "2024年3月5日", "目次", "その他のニュース"),
    "ru": ("Авторы", "Опубликовано", "5 марта 2024", "Содержание", "Другие новости"),
    "uk": ("Автори", "Опубліковано", "5 березня 2024", "Зміст", "Інші новини"),
}
#: Languages without words of their own: the layout is names, symbols and ISO dates (fa is right to left).
NEUTRAL = ("pl", "sw", "fa")
RTL = {"ar", "he", "fa"}
#: The English words a book shows of its own: none may appear in a book in another language (but the
#: words a language shares with English: "Source" is French too).
ENGLISH = ("By ", "Published", "Updated", "Source", "Also see", "Contents", "Cover", "More news", "Start of content",
           "Landmarks", "March", " and ")
SHARED_WORDS = {"fr": {"Source"}}


def english_in(text: str, language: str) -> list[str]:
    """The English label words in ``text`` that are not words of ``language`` too."""
    return [word for word in ENGLISH if word in text and word not in SHARED_WORDS.get(language, set())]


@dataclass
class Book:
    path: Path
    stories: list[Story]
    resolver: ImageResolver


def story_in(language: str, number: int = 1, subject: bool = False) -> Story:
    """A story in ``language`` (its text is names and numbers, so only the book's own words are words)."""
    text = f"Port Ellis 2024 — {language} № {number}."
    return Story(
        id=f"tag:example.com,2024:i18n-{language}-{number}", slug=f"i18n-{language.lower()}-{number}",
        headline=f"Port Ellis {language} {number}", language=language, published=PUBLISHED - timedelta(hours=number),
        updated=PUBLISHED + timedelta(hours=15 - number, minutes=15),
        bylines=(Byline("Marta Olsen", "Harbour Gazette"), Byline("Kari Nygård")),
        source=Source("Harbour Gazette", "https://news.example.org/"),
        related=(Related("Port Ellis 2023", "https://news.example.org/2023"),),
        subjects=(Subject("Port Ellis"),) if subject else (),
        body=(Paragraph(text), Heading(f"Port Ellis {number}", 2), Paragraph(text)))


def _export(path: Path, stories: list[Story], resolver: ImageResolver, *, edition: bool = False,
            **options: object) -> Book:
    exporter = export_edition if edition else export_epub
    path.write_bytes(exporter(stories, ExportOptions(**options), resolver))  # type: ignore[arg-type]
    return Book(path, stories, resolver)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Book]:
    out = tmp_path_factory.mktemp("i18n")
    built: dict[str, Book] = {}
    for name, source in (("arabic", ARABIC), ("chinese", CHINESE)):
        story = syndicate.read(source)
        resolver = ImageResolver(source.parent, offline=True)
        path = out / f"{name}.epub"
        path.write_bytes(syndicate.export(story, "epub", images=resolver))
        built[name] = Book(path, [story], resolver)
        cli = out / f"{name}-cli.epub"
        done = subprocess.run([sys.executable, "-m", "syndicate", "convert", str(source), "--to", "epub", "-o",
                               str(cli)], capture_output=True, text=True, check=False, cwd=out)
        assert done.returncode == 0, done.stderr
        built[f"{name}-cli"] = Book(cli, [story], resolver)
    offline = ImageResolver(offline=True)
    for language in (*EXPECTED, *NEUTRAL):
        built[language] = _export(out / f"{language}.epub", [story_in(language)], offline)
    mixed = [story_in("en", 1, subject=True), story_in("ar", 2), story_in("zh-CN", 3), story_in("he", 4),
             story_in("de", 5)]
    built["mixed-edition"] = _export(out / "mixed.epub", mixed, offline, edition_title="Harbour Gazette")
    built["arabic-edition"] = _export(out / "arabic-edition.epub", [story_in("ar", 1, subject=True),
                                                                    story_in("ar", 2), story_in("en", 3)],
                                      offline, edition=True, edition_title="صحيفة الميناء", language="ar")
    built["chinese-edition"] = _export(out / "chinese-edition.epub", [story_in("zh-CN", 1), story_in("zh-CN", 2)],
                                       offline, edition=True, edition_title="港口日报", language="zh-CN")
    return built


@pytest.fixture(scope="module")
def epubcheck(books: dict[str, Book]) -> dict[str, list[str]]:
    """EPUBCheck's errors and warnings for every book, from one JVM."""
    spec = importlib.util.spec_from_file_location("validate_epub", shared_tool("validate_epub.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found: dict[str, list[str]] = module.problems([str(b.path) for b in books.values()])
    return {name: found[str(book.path)] for name, book in books.items()}


def read_xml(book: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(book) as archive:
        return etree.fromstring(archive.read(name))


def text_of(element: etree._Element) -> str:
    return "".join(element.itertext())


def xhtml_pages(book: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(book) as archive:
        return {n: etree.fromstring(archive.read(n)) for n in archive.namelist() if n.endswith(".xhtml")}


def title_block(book: Path) -> etree._Element:
    header = xhtml_pages(book)["OEBPS/story-001.xhtml"].find(".//x:header", NS)
    assert header is not None
    return header


def spine_direction(book: Path) -> str | None:
    spine = read_xml(book, "OEBPS/content.opf").find("opf:spine", NS)
    assert spine is not None
    return spine.get("page-progression-direction")


# ---------------------------------------------------------------- EPUBCheck


def test_every_book_passes_epubcheck(books: dict[str, Book], epubcheck: dict[str, list[str]]) -> None:
    failing = {name: problems[:5] for name, problems in epubcheck.items() if problems}
    assert failing == {}


# ---------------------------------------------------------------- the Arabic and Chinese stories


@pytest.mark.parametrize("name, language, direction", [("arabic", "ar", "rtl"), ("arabic-cli", "ar", "rtl"),
                                                       ("chinese", "zh-CN", "ltr"), ("chinese-cli", "zh-CN", "ltr")])
def test_arabic_and_chinese_books_are_set_in_their_language_and_direction(
        name: str, language: str, direction: str, books: dict[str, Book]) -> None:
    book = books[name].path
    assert spine_direction(book) == direction
    opf = read_xml(book, "OEBPS/content.opf")
    assert opf.findtext("opf:metadata/dc:language", namespaces=NS) == language
    assert opf.get(XML_LANG) == language
    for page_name, page in xhtml_pages(book).items():
        assert (page.get(XML_LANG), page.get("lang"), page.get("dir")) == (language, language, direction), page_name
    assert read_xml(book, "OEBPS/toc.ncx").get(XML_LANG) == language
    words = EXPECTED[language]
    header = text_of(title_block(book))
    assert words[1] in header  # "published" (the date itself: test_arabic_story_shows_its_time…)
    contents = read_xml(book, "OEBPS/nav.xhtml").find(".//x:nav[@epub:type='toc']/x:h1", NS)
    assert contents is not None and text_of(contents) == words[3]


@pytest.mark.parametrize("name", ["arabic", "arabic-cli", "chinese", "chinese-cli"])
def test_arabic_and_chinese_books_hold_no_english_word(name: str, books: dict[str, Book]) -> None:
    for page_name, page in xhtml_pages(books[name].path).items():
        text = text_of(page)
        assert english_in(text, books[name].stories[0].language) == [], page_name


def test_the_cli_and_the_library_make_the_same_books(books: dict[str, Book]) -> None:
    for name in ("arabic", "chinese"):
        assert books[f"{name}-cli"].path.read_bytes() == books[name].path.read_bytes()


def test_arabic_story_shows_its_time_and_the_chinese_one_only_its_day(books: dict[str, Book]) -> None:
    arabic = title_block(books["arabic"].path).find(".//x:time", NS)
    assert arabic is not None and arabic.get("datetime") == "2024-03-05T16:00:00Z"
    assert text_of(arabic) == "5 مارس 2024، الساعة 18:00 UTC+02:00"
    chinese = title_block(books["chinese"].path).find(".//x:time", NS)
    assert books["chinese"].stories[0].date_only  # a bare date in the sidecar: the day is all that is known
    assert chinese is not None and chinese.get("datetime") == "2024-03-20" and text_of(chinese) == "2024年3月20日"


@pytest.mark.parametrize("name", ["arabic", "chinese"])
def test_what_the_reader_found_is_in_the_book(name: str, books: dict[str, Book]) -> None:
    """Headings, by-lines, datelines and credits, when the text reader finds them, are where they belong."""
    book = books[name]
    story = book.stories[0]
    chapter = xhtml_pages(book.path)["OEBPS/story-001.xhtml"]
    headings = [text_of(h) for h in chapter.iterfind(".//x:h2", NS)]
    assert headings == [b.text for b in story.body if isinstance(b, Heading)]
    byline = chapter.find(".//x:p[@class='byline']", NS)
    assert (byline is not None) == bool(story.bylines)
    if byline is not None:
        assert all(b.name in text_of(byline) for b in story.bylines)
    dateline = chapter.find(".//x:p[@class='dateline']", NS)
    assert (dateline is not None) == bool(story.dateline)
    credits = [text_of(c) for c in chapter.iterfind(".//x:span[@class='credit']", NS)]
    assert credits == [f.credit for f in story.figures if f.credit]
    images = chapter.findall(".//x:figure/x:img", NS)
    assert len(images) == len([f for f in story.figures if f.image is not None]) >= 1  # the photo is in the book
    assert book.resolver.problems == []


# ---------------------------------------------------------------- labels in every language


@pytest.mark.parametrize("language", list(EXPECTED))
def test_the_book_speaks_the_story_language(language: str, books: dict[str, Book]) -> None:
    by_word, published, march, contents, _ = EXPECTED[language]
    book = books[language].path
    header = title_block(book)
    byline = header.find("x:p[@class='byline']", NS)
    assert byline is not None and text_of(byline).startswith(by_word)
    assert "Harbour Gazette" in text_of(byline) and "Kari Nygård" in text_of(byline)  # the role is kept
    dates = [text_of(p) for p in header.iterfind("x:p[@class='date']", NS)]
    assert len(dates) == 2 and published in dates[0] and march in dates[0]
    assert text_of(read_xml(book, "OEBPS/nav.xhtml").find(".//x:nav[@epub:type='toc']/x:h1", NS)) == contents
    assert spine_direction(book) == ("rtl" if language.split("-")[0] in RTL else "ltr")
    if language != "en":
        for page_name, page in xhtml_pages(book).items():
            text = text_of(page)
            assert english_in(text, language) == [], (language, page_name)


@pytest.mark.parametrize("language", NEUTRAL)
def test_a_language_without_words_of_its_own_gets_names_symbols_and_iso_dates(language: str,
                                                                               books: dict[str, Book]) -> None:
    book = books[language].path
    header = title_block(book)
    assert text_of(header.find("x:p[@class='byline']", NS)) == "Marta Olsen, Harbour Gazette, Kari Nygård"
    dates = [text_of(p) for p in header.iterfind("x:p[@class='date']", NS)]
    assert dates[0] == "2024-03-05 17:00 UTC+02:00"  # published an hour before PUBLISHED (story number 1)
    assert dates[1].endswith("2024-03-06 08:15 UTC+02:00")
    for page_name, page in xhtml_pages(book).items():
        text = text_of(page)
        assert english_in(text, language) == [], page_name
    assert spine_direction(book) == ("rtl" if language in RTL else "ltr")


# ---------------------------------------------------------------- editions mixing languages


def test_every_navigation_entry_carries_its_story_language(books: dict[str, Book]) -> None:
    book = books["mixed-edition"]
    nav = read_xml(book.path, "OEBPS/nav.xhtml")
    entries = {text_of(li.find("x:a", NS)): li for li in nav.iterfind(".//x:nav[@epub:type='toc']//x:li", NS)}
    for story in book.stories:
        li = entries[story.headline]
        expected_dir = "rtl" if story.language in ("ar", "he") else "ltr"
        assert (li.get("lang"), li.get(XML_LANG), li.get("dir")) == (story.language, story.language, expected_dir)
        sub = entries[f"Port Ellis {story.headline.rsplit(' ', 1)[1]}"]  # its subheading, in the same language
        assert sub.xpath("ancestor-or-self::*[@xml:lang][1]/@xml:lang") == [story.language]
    labels = {text_of(label.find("ncx:text", NS)): label
              for label in read_xml(book.path, "OEBPS/toc.ncx").iterfind(".//ncx:navLabel", NS)}
    for story in book.stories:
        label = labels[story.headline]
        assert label.get(XML_LANG) == story.language
        assert label.get("dir") == ("rtl" if story.language in ("ar", "he") else "ltr")
    assert spine_direction(book.path) == "ltr"  # the edition's language: the lead story's, English


def test_each_chapter_of_an_edition_is_in_its_own_language(books: dict[str, Book]) -> None:
    pages = {text_of(p.find(".//x:h1", NS)): p for n, p in xhtml_pages(books["mixed-edition"].path).items()
             if "/story-" in n}
    for story in books["mixed-edition"].stories:
        page = pages[story.headline]
        assert page.get(XML_LANG) == story.language
        assert page.get("dir") == ("rtl" if story.language in ("ar", "he") else "ltr")
        by_word = EXPECTED[story.language][0]
        assert text_of(page.find(".//x:p[@class='byline']", NS)).startswith(by_word)


def test_an_arabic_edition_reads_right_to_left_with_arabic_pages(books: dict[str, Book]) -> None:
    book = books["arabic-edition"].path
    assert spine_direction(book) == "rtl"
    nav = read_xml(book, "OEBPS/nav.xhtml")
    assert nav.get("dir") == "rtl" and text_of(nav.find(".//x:nav[@epub:type='toc']/x:h1", NS)) == "المحتويات"
    sections = [text_of(p.find(".//x:h1", NS)) for n, p in xhtml_pages(book).items() if "/section-" in n]
    assert sections == ["Port Ellis", "أخبار أخرى"]
    cover = read_xml(book, "OEBPS/cover.xhtml")
    assert cover.findtext("x:head/x:title", namespaces=NS) == "الغلاف"
    assert cover.find(".//x:img", NS).get("alt") == "الغلاف: صحيفة الميناء"


def test_a_drawn_cover_never_shows_letters_its_font_lacks(books: dict[str, Book], tmp_path: Path) -> None:
    """Pillow's built-in font has no Arabic or Chinese: such a cover shows no title (no empty boxes), so two
    editions of the same day with different non-Latin titles get the same cover, and Latin titles differ."""
    def cover(title: str, language: str) -> bytes:
        stories = [story_in(language, 1), story_in(language, 2)]
        data = export_edition(stories, ExportOptions(edition_title=title, language=language),
                              ImageResolver(offline=True))
        path = tmp_path / "cover.epub"
        path.write_bytes(data)
        with zipfile.ZipFile(path) as archive:
            return archive.read("OEBPS/images/cover.png")

    assert cover("صحيفة الميناء", "ar") == cover("أخبار الواحة", "ar") == cover("港口日报", "ar")
    assert cover("Harbour Gazette", "en") != cover("Morning Edition", "en")
    assert cover("Harbour Gazette", "en") != cover("صحيفة الميناء", "ar")  # the title is drawn when it can be


# ---------------------------------------------------------------- a page of each, as text (for the record)


def render_page(book: Path) -> str:
    """The story's chapter as plain text, block by block (what the issue's note shows)."""
    page = xhtml_pages(book)["OEBPS/story-001.xhtml"]
    story = page.find(".//x:section[@class='story']", NS)
    blocks = story.xpath("x:header/*|x:p|x:h2|x:h3|x:figure|x:ul|x:ol|x:blockquote|x:section", namespaces=NS)
    return "\n".join(" ".join(text_of(b).split()) for b in blocks)


def test_a_page_of_each_renders_to_text(books: dict[str, Book]) -> None:
    for name in ("arabic", "chinese"):
        text = render_page(books[name].path)
        assert books[name].stories[0].headline in text
        print(f"--- {name}\n{text}")


def test_the_accessibility_summary_is_in_the_book_language_or_says_it_is_english(books: dict[str, Book]) -> None:
    def summary(name: str) -> etree._Element:
        meta = read_xml(books[name].path, "OEBPS/content.opf").find(
            ".//opf:meta[@property='schema:accessibilitySummary']", NS)
        assert meta is not None
        return meta

    arabic = summary("arabic")
    assert arabic.get(XML_LANG) is None and not any("a" <= c.lower() <= "z" for c in arabic.text)
    chinese = summary("chinese")
    assert chinese.get(XML_LANG) is None and "目录" in chinese.text
    assert summary("de").get(XML_LANG) is None and "Inhaltsverzeichnis" in summary("de").text
    polish = summary("pl")  # no words of its own: English, marked as English
    assert polish.get(XML_LANG) == "en" and "table of contents" in polish.text


def test_the_stylesheet_sets_right_to_left_lists_and_upright_captions_for_scripts_without_italics(
        books: dict[str, Book]) -> None:
    with zipfile.ZipFile(books["arabic"].path) as archive:
        css = archive.read("OEBPS/style.css").decode()
    rtl = css[css.index('[dir="rtl"] ul'):]
    assert "margin: 0 1.5em 0.8em 0" in rtl[:120]
    upright = css[css.index(":lang(ar) figcaption"):]
    assert ":lang(zh) figcaption" in upright and "font-style: normal" in upright
