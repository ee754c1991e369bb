"""Reading saved article pages: real pages pinned, figures and credits, metadata, encodings, hostile pages refused."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from conftest import DATA, SHARED, run_checker

import syndicate
from syndicate.errors import InputError
from syndicate.images import ImageResolver
from syndicate.model import Figure, Heading, ListBlock, Paragraph, Quote, Story
from syndicate.readers import InputFile
from syndicate.readers.html import MAX_PAGE_BYTES, read

PAGES = DATA / "html"
BASE = "https://news.example.org/feeds/"
DETROIT = "7de5241947a5f7147fe9787c6f6fa16685bfe66e6c35510a68780f27690dc4f0"
NATIONAL_REVIEW = "f5c90a6d5253c3a21ff3168c64bea4b5ffade7a1ba5bed952a59ebee0d648d98"
EXPRESS = "624fcd903d56fc7055fa7097b330629450c095ad6937318deb027be7803bbf35"


def real_page(tmp_path: Path, page_id: str) -> Path:
    """A corpus page unpacked to ``<tmp>/<id>.html`` (the fixtures are stored gzipped, as the corpus keeps them)."""
    path = tmp_path / f"{page_id}.html"
    path.write_bytes(gzip.decompress((PAGES / f"{page_id}.html.gz").read_bytes()))
    return path


def page(body: str, head: str = "", *, lang: str = "en") -> str:
    return f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def read_html(markup: str | bytes, name: str = "page.html") -> Story:
    data = markup.encode("utf-8") if isinstance(markup, str) else markup
    return read(InputFile(data, Path(name)))


def prose(n: int, topic: str = "harbour") -> str:
    """``n`` article paragraphs long enough to be read as the story."""
    return "".join(f"<p>Paragraph {i} about the {topic}, with enough words, commas, and detail to read as prose "
                   f"in a real article about the reopening of the {topic} after the storm.</p>" for i in range(n))


def figures(story: Story) -> list[Figure]:
    return [b for b in story.body if isinstance(b, Figure)]


# ---------------------------------------------------------------- real pages (values read from the pages)


def test_ap_story_on_a_newspaper_page(tmp_path: Path) -> None:
    story = syndicate.read(real_page(tmp_path, DETROIT))
    assert story.headline == "Thousands of teachers pack Indiana Statehouse for protest"
    # the byline box says "Tom Davies / Associated Press / Published 11:34 PM EST Nov 19, 2019": the name alone
    assert [b.name for b in story.bylines] == ["Tom Davies"]
    assert story.published == datetime.fromisoformat("2019-11-19T23:34:00-05:00")
    assert story.source is not None and story.source.name == "The Detroit News"
    [figure] = figures(story)
    assert figure.caption.startswith("Indiana teachers wearing red have carry signs as they hold rally at the Statehouse")
    assert figure.credit == "Michael Conroy, AP"
    assert figure.image is not None and figure.image.src.startswith("https://www.gannett-cdn.com/")
    assert story.body[0].type == "paragraph" and story.body[0].text.startswith("Indianapolis – Several thousand teachers")
    texts = [b.text for b in story.body if isinstance(b, Paragraph)]
    assert not any(t.startswith(("Published", "Tom Davies")) for t in texts)


def test_opinion_page_with_a_cited_credit(tmp_path: Path) -> None:
    story = syndicate.read(real_page(tmp_path, NATIONAL_REVIEW))
    assert story.headline == "The Impeachment Clock"
    assert [b.name for b in story.bylines] == ["Victor Davis Hanson"]
    assert story.published == datetime.fromisoformat("2019-11-19T06:30:42-05:00")
    assert story.subheadline == "Time is not on Adam Schiff’s side."
    [figure] = figures(story)
    assert figure.caption == ("House Intelligence Committee chairman Rep. Adam Schiff speaks during a media briefing "
                              "after a House vote approving rules for an impeachment inquiry into President Trump, "
                              "October 31, 2019.")
    assert figure.credit == "Joshua Roberts/Reuters"  # <cite>(Joshua Roberts/Reuters)</cite>, brackets gone
    # the largest of the lazy-loading srcset, not the empty src
    assert figure.image is not None and "adam-schiff-capitol-hill.jpg" in figure.image.src
    assert story.body[1].text.startswith("Adam Schiff’s impeachment inquiry is incoherent.")


def test_tabloid_page_with_five_photos_and_related_links(tmp_path: Path) -> None:
    story = syndicate.read(real_page(tmp_path, EXPRESS))
    assert story.headline == "Hong Kong chaos: China deploys troops and warns SURRENDER is only option"
    assert [b.name for b in story.bylines] == ["Laura Mowat"]
    assert story.published == datetime.fromisoformat("2019-11-19T10:48:00+00:00")
    assert [(f.caption, f.credit) for f in figures(story)] == [
        ("China has warned they will cease control of Hong Kong", "Image: GETTY"),
        ("The protests kicked off in June and have strengthened in size", "Image: GETTY"),
        ("Protesters do not want Hong Kong to lose its autonomy", "Image: getty"),
        ("Protesters have worn masks to protect their identities", "Image: GETTY"),
        ("The Hong Kong Protests - how they happened", "Image: EXPRESS"),
    ]
    first = figures(story)[0]
    # data-src holds the photo; src is the page's "preloaderbig.gif" stand-in
    assert first.image is not None and first.image.src.endswith("HongKongnews-1206313.jpg?r=1574161542926")
    assert first.alt == "Hong Kong protester"
    titles = [r.title for r in story.related]
    assert "Hong Kong uprising: Protestors send defiant warning to China" in titles
    assert not any("Hong Kong uprising: Protestors send defiant" in t for b in story.body for t in _texts(b))


def _texts(block: object) -> list[str]:
    from syndicate.model import plain_text
    return plain_text(block)  # type: ignore[arg-type]


# ---------------------------------------------------------------- body


def test_body_blocks_in_reading_order_with_marks_and_furniture_gone() -> None:
    story = read_html(page(
        "<nav><a href='/'>Home</a><a href='/world'>World</a></nav>"
        "<div class='cookie-banner'>We use cookies to improve your experience.</div>"
        "<article><h1>Harbour reopens</h1>"
        "<div class='share-bar'><a href='https://facebook.com/x'>Share on Facebook</a></div>"
        "<p>The harbour at Port Ellis <em>reopened</em> on Monday, <a href='/ferry'>ferries</a> said, after the storm "
        "closed it for two months and left the quay in pieces across the bay.</p>"
        "<h2>What happens next</h2>"
        "<blockquote><p>We are back in business, and it feels good to be open.</p><footer>Marta Olsen</footer></blockquote>"
        "<ul><li>Ferries run hourly</li><li>Parking is free</li></ul>"
        "<div class='newsletter-signup'><p>Sign up for our newsletter to get the news every morning.</p></div>"
        + prose(3) +
        "<aside class='related-stories'><h3>Related</h3><ul><li><a href='/storm-hits'>Storm hits the harbour town "
        "hard</a></li></ul></aside>"
        "<div class='most-read'><ol><li><a href='/x'>Celebrity goes shopping for bread</a></li></ol></div>"
        "<div id='comments'><p>First! This comment is long enough to be a paragraph of text, really it is.</p></div>"
        "</article><footer>© Harbour Gazette</footer>",
        "<link rel='canonical' href='https://news.example.com/2024/harbour'>"))
    kinds = [b.type for b in story.body]
    assert kinds[:4] == ["paragraph", "heading", "quote", "list"]
    lead = story.body[0]
    assert isinstance(lead, Paragraph) and lead.text.startswith("The harbour at Port Ellis reopened on Monday")
    marks = {(lead.text[m.start:m.end], m.kind, m.href) for m in lead.marks}
    assert ("reopened", "emphasis", None) in marks
    assert ("ferries", "link", "https://news.example.com/ferry") in marks  # made absolute against the page URL
    assert story.body[1] == Heading("What happens next", 2)
    assert story.body[2] == Quote("We are back in business, and it feels good to be open.", "Marta Olsen")
    assert story.body[3] == ListBlock(("Ferries run hourly", "Parking is free"))
    everything = json.dumps(story.to_dict())
    for furniture in ("Home", "cookies", "Share on Facebook", "newsletter", "Celebrity", "First!", "© Harbour"):
        assert furniture not in everything
    assert [(r.title, r.url) for r in story.related] == [("Storm hits the harbour town hard",
                                                           "https://news.example.com/storm-hits")]
    assert story.headline == "Harbour reopens"
    assert not any(isinstance(b, Heading) and b.text == "Harbour reopens" for b in story.body)


def test_text_loose_between_line_breaks_becomes_paragraphs() -> None:
    lines = [f"Line {i} of a page written without paragraphs, only line breaks, as old sites do." for i in range(6)]
    story = read_html(page("<div class='content'>" + "<br><br>".join(lines) + " <b>Bold end</b>.</div>"))
    texts = [b.text for b in story.body if isinstance(b, Paragraph)]
    assert texts[:5] == lines[:5]
    assert texts[5] == lines[5] + " Bold end."


# ---------------------------------------------------------------- figures


def test_figures_keep_caption_credit_alt_and_the_largest_image() -> None:
    story = read_html(page(
        "<article>" + prose(2) +
        "<figure><img src='small.jpg' srcset='https://cdn.example.com/a-320.jpg 320w, https://cdn.example.com/a-1280.jpg "
        "1280w, https://cdn.example.com/a-640.jpg 640w' alt='Ferry at the quay'>"
        "<figcaption>The first ferry docks at Port Ellis. <span class='credit'>Jane Roe/Harbour Gazette</span>"
        "</figcaption></figure>"
        "<figure><picture><source srcset='https://cdn.example.com/b.webp 2x'>"
        "<img src='https://cdn.example.com/b-1x.jpg' alt=''></picture>"
        "<figcaption>Crowds on the quay (AP Photo/Sam Poe)</figcaption></figure>"
        "<div class='image'><img src='data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==' "
        "data-src='https://cdn.example.com/c.jpg' alt='Lazy'><p class='caption'>Boats return. REUTERS/Ann Lee</p></div>"
        "<figure><figcaption>Photo: Tom Ash/Agency</figcaption></figure>"
        "<figure><img src='https://cdn.example.com/d.jpg'>"
        "<figcaption>A caption that is not a credit (but has brackets)</figcaption></figure>"
        + prose(2) + "</article>",
        "<meta property='og:url' content='https://news.example.com/2024/harbour'>"))
    found = figures(story)
    assert [(f.caption, f.credit) for f in found] == [
        ("The first ferry docks at Port Ellis.", "Jane Roe/Harbour Gazette"),
        ("Crowds on the quay", "AP Photo/Sam Poe"),
        ("Boats return.", "REUTERS/Ann Lee"),
        ("", "Photo: Tom Ash/Agency"),  # the text reader's split_credit keeps a credit's label
        ("A caption that is not a credit (but has brackets)", None),
    ]
    assert [f.image.src if f.image else None for f in found] == [
        "https://cdn.example.com/a-1280.jpg", "https://cdn.example.com/b.webp", "https://cdn.example.com/c.jpg",
        None, "https://cdn.example.com/d.jpg"]
    assert found[0].alt == "Ferry at the quay" and found[2].alt == "Lazy"
    # figures stand where they were: after the first two paragraphs
    assert [b.type for b in story.body[:3]] == ["paragraph", "paragraph", "figure"]


def test_gallery_photos_are_each_a_figure() -> None:
    slides = "".join(f"<li><img src='https://cdn.example.com/g{i}.jpg' width='800'>"
                     f"<div class='caption'>Gallery photo number {i} of the harbour</div></li>" for i in range(3))
    story = read_html(page("<article>" + prose(3) + f"<ul class='gallery'>{slides}</ul>" + prose(1) + "</article>"))
    assert [f.caption for f in figures(story)] == [f"Gallery photo number {i} of the harbour" for i in range(3)]
    assert [f.image.src for f in figures(story) if f.image] == [f"https://cdn.example.com/g{i}.jpg" for i in range(3)]


def test_lazy_loading_words_are_not_photo_urls_and_placeholders_lose() -> None:
    # Hearst pages mark loaded pictures data-lazy-state="loaded"; snopes keeps a spacer in src; MSN a JSON object
    story = read_html(page(
        "<article>" + prose(3) +
        "<figure><img src='https://cdn.example.com/photos/920x920.jpg' data-lazy-state='loaded' data-lazy='true'>"
        "<figcaption>The ferry at the quay</figcaption></figure>"
        "<figure><img src='/images/blank.gif' data-lazy-src='https://cdn.example.com/real.jpg'>"
        "<figcaption>The harbour master</figcaption></figure>"
        "<figure><img src='data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==' "
        "data-src='{\"default\": {\"load\": \"defer\", \"src\": \"//img.example.com/entity/B1.img?w=799\"}}'>"
        "<figcaption>Boats return to the harbour</figcaption></figure>"
        + prose(1) + "</article>",
        "<link rel='canonical' href='https://news.example.com/2024/harbour/article'>"))
    assert [f.image.src if f.image else None for f in figures(story)] == [
        "https://cdn.example.com/photos/920x920.jpg", "https://cdn.example.com/real.jpg",
        "https://img.example.com/entity/B1.img?w=799"]


def test_srcset_urls_with_commas_are_whole() -> None:
    # the HTML standard: a candidate URL runs to white space, so "?resize=1200,630" is one URL
    url = "https://cdn.example.com/tachyon/2019/11/ferry.jpg?resize={}&quality=65"
    srcset = f"{url.format('80,80')} 80w,{url.format('1200,630')} 1200w, {url.format('865,452')} 865w"
    story = read_html(page("<article>" + prose(3) + f"<figure><img src='/spacer.gif' data-lazy-srcset='{srcset}'>"
                           "<figcaption>The ferry</figcaption></figure></article>",
                           "<link rel='canonical' href='https://news.example.com/fact-check/ferry/'>"))
    assert [f.image.src for f in figures(story) if f.image] == [url.format("1200,630")]


def test_data_src_of_a_widget_is_not_a_photo() -> None:
    # an Outbrain box keeps the article's own link in data-src; a lazy picture box keeps a picture's
    story = read_html(page(
        "<article>" + prose(3) + "<div class='OBR' data-src='https://news.example.com/2019/11/18/other-story/'></div>"
        "<div class='lazy' data-src='https://news.example.com/wp-content/uploads/2019/11/quay.jpg'></div>"
        + prose(1) + "</article>"))
    assert [f.image.src for f in figures(story) if f.image] == [
        "https://news.example.com/wp-content/uploads/2019/11/quay.jpg"]


def test_author_pictures_tiny_icons_and_repeated_photos_are_not_figures() -> None:
    ld = json.dumps({"@type": "NewsArticle", "headline": "Harbour reopens", "author": {"name": "Jane Q. Doe"}})
    author_box = ("<div class='contrib-block'><a class='fs-author-avatar' href='/authors/jdoe/'>"
                  "<img src='https://cdn.example.com/people/jdoe.jpg' alt='Jane Q. Doe'></a> Jane Q. Doe, Contributor</div>")
    story = read_html(page(
        "<article><h1>Harbour reopens</h1>" + author_box + prose(2) +
        "<figure><img src='https://cdn.example.com/quay.jpg'><figcaption>The quay at dawn</figcaption></figure>"
        "<p><img src='https://cdn.example.com/share/facebook.png' style='width: 30px;' alt='Share on Facebook'></p>"
        "<div class='bio'><span class='article-author-image'><img src='https://cdn.example.com/wire-115x115.png' alt=''>"
        "</span><span class='article-author-name'>Jane Q. Doe</span></div>"
        "<p><img src='https://cdn.example.com/columnists/doe-thumbLarge.png' alt='Photo of Jane Q. Doe'></p>"
        + prose(2) + "<figure><img src='https://cdn.example.com/quay.jpg'></figure>" + author_box + "</article>",
        f"<script type='application/ld+json'>{ld}</script>"))
    assert [b.name for b in story.bylines] == ["Jane Q. Doe"]
    assert [(f.caption, f.image.src if f.image else None) for f in figures(story)] == [
        ("The quay at dawn", "https://cdn.example.com/quay.jpg")]


def test_a_captioned_photo_whose_alt_is_the_bylines_name_stays_a_photo() -> None:
    ld = json.dumps({"@type": "NewsArticle", "headline": "Harbour reopens", "author": {"name": "Reuters"}})
    story = read_html(page("<article>" + prose(3) + "<figure><img src='https://cdn.example.com/boats.jpg' alt='Reuters'>"
                           "<figcaption>Boats return to the harbour</figcaption></figure></article>",
                           f"<script type='application/ld+json'>{ld}</script>"))
    assert [(f.caption, f.image.src if f.image else None) for f in figures(story)] == [
        ("Boats return to the harbour", "https://cdn.example.com/boats.jpg")]


def test_an_ad_label_in_a_caption_box_is_not_a_figure() -> None:
    story = read_html(page("<article>" + prose(2) + "<div class='ad-caption'>Advertisement</div>" + prose(2)
                           + "<figure><figcaption>Photo: Tom Ash/Agency</figcaption></figure></article>"))
    assert [(f.caption, f.credit) for f in figures(story)] == [("", "Photo: Tom Ash/Agency")]


def test_one_picture_url_under_different_captions_is_a_shared_stand_in_and_both_stay() -> None:
    spacer = "https://cdn.example.com/sc/e151e5.gif"
    story = read_html(page("<article>" + prose(2) + f"<figure><img src='{spacer}'><figcaption>The quay at dawn"
                           "</figcaption></figure>" + prose(1) + f"<figure><img src='{spacer}'><figcaption>Boats "
                           "return at night</figcaption></figure>" + prose(1) + "</article>"))
    assert [f.caption for f in figures(story)] == ["The quay at dawn", "Boats return at night"]


def test_base_href_only_when_http() -> None:
    good = read_html(page("<article>" + prose(3) + "<figure><img src='p.jpg'><figcaption>A photo of the quay"
                          "</figcaption></figure></article>", "<base href='https://cdn.example.com/img/'>"))
    assert figures(good)[0].image.src == "https://cdn.example.com/img/p.jpg"  # type: ignore[union-attr]
    bad = read_html(page("<article>" + prose(3) + "<figure><img src='p.jpg'><figcaption>A photo of the quay"
                         "</figcaption></figure></article>", "<base href='javascript:alert(1)//'>"))
    assert figures(bad)[0].image.src == "p.jpg"  # type: ignore[union-attr]


# ---------------------------------------------------------------- metadata


def test_metadata_from_json_ld_graph_open_graph_and_meta() -> None:
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Not the article"},
        {"@type": ["NewsArticle"], "headline": "Harbour reopens after storm",
         "alternativeHeadline": "Ferries are back two months after the quay was wrecked",
         "author": [{"@type": "Person", "name": "Marta Olsen", "url": "https://news.example.com/marta"},
                    {"@type": "Person", "name": "By Tom Ash"}],
         "datePublished": "2024-03-14T07:30:00+01:00", "dateModified": "2024-03-14T09:00:00+01:00",
         "publisher": {"@type": "Organization", "name": "Harbour Gazette", "url": "https://news.example.com/"},
         "keywords": "Port Ellis, harbour, ferry", "articleSection": "Local", "inLanguage": "en-GB",
         "copyrightHolder": {"name": "Harbour Gazette"}, "copyrightYear": 2024}]}
    story = read_html(page(
        "<article><h1>Harbour reopens after storm</h1>" + prose(3) + "</article>",
        f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
        "<meta property='og:title' content='Harbour reopens after storm | Harbour Gazette'>"
        "<meta name='description' content='The harbour is open again.'>"
        "<link rel='canonical' href='https://news.example.com/2024/harbour-reopens'>", lang="en"))
    assert story.headline == "Harbour reopens after storm"
    assert story.subheadline == "Ferries are back two months after the quay was wrecked"
    assert story.summary == "The harbour is open again."
    assert [(b.name, b.url) for b in story.bylines] == [("Marta Olsen", "https://news.example.com/marta"), ("Tom Ash", None)]
    assert story.published == datetime.fromisoformat("2024-03-14T07:30:00+01:00")
    assert story.updated == datetime.fromisoformat("2024-03-14T09:00:00+01:00")
    assert story.language == "en"  # <html lang> first
    assert story.url == "https://news.example.com/2024/harbour-reopens"
    assert story.source is not None and (story.source.name, story.source.url) == ("Harbour Gazette", "https://news.example.com/")
    assert story.keywords == ("Port Ellis", "harbour", "ferry")
    assert [s.name for s in story.subjects] == ["Local"]
    assert story.rights == "© 2024 Harbour Gazette"
    assert not [i for i in story.inferred if i.field in ("headline", "published", "bylines")]


def test_entities_in_json_ld_and_meta_text_are_decoded() -> None:
    # CMSs HTML-encode these values, some twice; a JSON string is not decoded by the parser at all
    ld = json.dumps({"@type": "NewsArticle", "headline": "&#8216;The Medium is the Message&#8217;: &#163;5 tickets",
                     "author": {"name": "Ren&eacute;e O&#8217;Hara"}, "keywords": "light &amp; art, Amsterdam"})
    story = read_html(page(
        prose(4),
        f"<script type='application/ld+json'>{ld}</script>"
        "<meta property='og:description' content='&amp;quot;It&amp;#8217;s lit,&amp;quot; says the mayor.&amp;nbsp; "
        "Festival&amp;nbsp;&amp;nbsp;opens &amp;#8211; tonight&amp;hellip;'>"
        "<meta property='og:url' content='https://news.example.com/a?x=1&amp;copy=2'>"))
    assert story.headline == "‘The Medium is the Message’: £5 tickets"
    assert story.summary == "\"It’s lit,\" says the mayor. Festival opens – tonight…"
    assert [b.name for b in story.bylines] == ["Renée O’Hara"]
    assert story.keywords == ("light & art", "Amsterdam")
    assert story.url == "https://news.example.com/a?x=1&copy=2"  # a URL is not text: "&copy" stays


def test_metadata_from_markup_is_marked_inferred() -> None:
    story = read_html(page(
        "<article><h1>Storm closes the harbour</h1><p class='byline'>By Jane Doe and John Roe | March 3, 2024</p>"
        "<time datetime='2024-03-03'>3 March</time>" + prose(3) + "</article>", "<title>Storm | Gazette</title>"))
    assert story.headline == "Storm closes the harbour"
    assert [b.name for b in story.bylines] == ["Jane Doe", "John Roe"]
    assert story.published == datetime.fromisoformat("2024-03-03T00:00:00+00:00")
    assert story.date_only
    assert {i.field for i in story.inferred} >= {"headline", "bylines", "published"}
    assert not any(isinstance(b, Paragraph) and b.text.startswith("By Jane") for b in story.body)


def test_sidecar_and_metadata_argument_win(tmp_path: Path) -> None:
    path = tmp_path / "storm.html"
    path.write_text(page("<article><h1>Page headline</h1>" + prose(3) + "</article>"), "utf-8")
    (tmp_path / "storm.yaml").write_text("headline: Sidecar headline\nkeywords: [storm]\n", "utf-8")
    story = syndicate.read(path)
    assert story.headline == "Sidecar headline" and story.keywords == ("storm",)
    story = syndicate.read(path, metadata={"headline": "Argument headline"})
    assert story.headline == "Argument headline" and story.keywords == ("storm",)


# ---------------------------------------------------------------- encodings


ARTICLE = "<article><h1>Café “Olé” reopens</h1>" + prose(3) + "<p>Crème brûlée – naïve “quotes” — done.</p></article>"


@pytest.mark.parametrize("declared, encoding", [
    ("<meta charset='windows-1252'>", "cp1252"),
    ("<meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'>", "cp1252"),  # latin-1 means cp1252
    ("<meta charset='utf-8'>", "cp1252"),            # declared UTF-8, bytes cp1252
    ("<meta charset='iso-8859-1'>", "utf-8"),        # declared Latin-1, bytes UTF-8
    ("", "utf-8"),
    ("", "cp1252"),
])
def test_encodings_declared_or_not_read_right(declared: str, encoding: str) -> None:
    markup = f"<html><head>{declared}</head><body>{ARTICLE}</body></html>"
    story = read_html(markup.encode(encoding))
    assert story.headline == "Café “Olé” reopens"
    assert any(isinstance(b, Paragraph) and b.text == "Crème brûlée – naïve “quotes” — done." for b in story.body)


@pytest.mark.parametrize("bom, codec", [(b"\xef\xbb\xbf", "utf-8"), (b"", "utf-16")])
def test_byte_order_marks(bom: bytes, codec: str) -> None:
    markup = f"<html><head><meta charset='windows-1252'></head><body>{ARTICLE}</body></html>"
    story = read_html(bom + markup.encode(codec))  # the BOM wins over the declaration
    assert story.headline == "Café “Olé” reopens"


# ---------------------------------------------------------------- hostile pages


HOSTILE = page(
    "<article><h1>Harmless headline</h1>"
    "<script>document.write('EVIL-SCRIPT')</script><style>.x{background:url(EVIL-STYLE)}</style>"
    "<p onclick=\"alert('EVIL-HANDLER')\">A paragraph of the story with a <a href='javascript:alert(1)'>bad link</a>, "
    "a <a href='data:text/html,EVIL-DATA'>data link</a>, a <a href='vbscript:EVIL'>vb link</a> and a "
    "<a href='mailto:desk@example.com'>mail link</a>, long enough to be prose.</p>"
    "<img src='x.jpg' onerror=\"alert('EVIL-ONERROR')\" width='600'>"
    "<iframe src='https://evil.example/EVIL-IFRAME'>EVIL-IFRAME-TEXT</iframe>"
    "<form action='https://evil.example/EVIL-FORM'><input name='q' value='EVIL-INPUT'><button>EVIL-BUTTON</button></form>"
    "<object data='EVIL-OBJECT'></object><embed src='EVIL-EMBED'>"
    "<figure><img src='data:image/png;base64," + "A" * 400 + "'><figcaption>A photo sent inline as data</figcaption></figure>"
    + prose(3) + "</article>",
    "<meta http-equiv='refresh' content='0;url=https://evil.example/EVIL-REFRESH'>"
    "<base href='javascript:EVIL-BASE'>")


def test_nothing_executable_reaches_the_story() -> None:
    story = read_html(HOSTILE)
    everything = story.to_json()
    assert "EVIL" not in everything and "javascript:" not in everything and "vbscript" not in everything
    assert "data:text" not in everything and "data:image" not in everything and "base64" not in everything
    paragraph = next(b for b in story.body if isinstance(b, Paragraph))
    assert "bad link" in paragraph.text and "data link" in paragraph.text  # the text stays, the link goes
    assert [m.href for m in paragraph.marks if m.kind == "link"] == ["mailto:desk@example.com"]
    inline = next(f for f in figures(story) if f.caption == "A photo sent inline as data")
    assert inline.image is None
    assert any("data:" in i.reason for i in story.inferred)


@pytest.mark.parametrize("kind", ["html", "rss", "atom", "jsonfeed", "newsml", "ninjs", "epub"])
def test_nothing_executable_reaches_any_output(kind: str) -> None:
    story = read_html(HOSTILE)
    fmt = "json" if kind == "html" else kind
    data = syndicate.export(story, fmt, images=ImageResolver(None, offline=True), base_url=BASE, title="T", warnings=[])
    if fmt == "epub":
        import zipfile, io
        data = b"".join(zipfile.ZipFile(io.BytesIO(data)).read(n) for n in zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert b"EVIL" not in data and b"javascript:" not in data and b"<script" not in data.lower()


def _cli(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syndicate", "parse", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)


def test_oversized_page_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    path.write_bytes(b"<html><body><p>" + b"word " * (MAX_PAGE_BYTES // 5 + 10) + b"</p></body></html>")
    with pytest.raises(InputError, match="too large"):
        syndicate.read(path)
    done = _cli(path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "huge.html" in done.stderr


def test_page_nested_100k_deep_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000 + "</body></html>", "utf-8")
    started = time.monotonic()
    with pytest.raises(InputError, match="nested too deep"):
        syndicate.read(path)
    assert time.monotonic() - started < 10
    done = _cli(path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "deep.html" in done.stderr


def test_page_with_no_text_is_refused_or_headline_only() -> None:
    with pytest.raises(InputError):
        read_html(b"")


# ---------------------------------------------------------------- every format, the official checkers


def test_real_pages_pass_every_official_checker(tmp_path: Path) -> None:
    stories = [syndicate.read(real_page(tmp_path, i)) for i in (DETROIT, NATIONAL_REVIEW, EXPRESS)]
    stories.append(read_html(HOSTILE, "hostile.html"))
    out = tmp_path / "out"
    out.mkdir()

    def export(data: object, fmt: str) -> bytes:
        return syndicate.export(data, fmt, images=ImageResolver(None, offline=True), base_url=BASE,  # type: ignore[arg-type]
                                title="Pages", author="The Desk", warnings=[])

    books, items, docs = [], [], []
    for n, story in enumerate(stories):
        for fmt, suffix, bag in (("epub", "epub", books), ("newsml", "xml", items), ("ninjs", "json", docs)):
            path = out / f"{n}.{suffix}"
            path.write_bytes(export(story, fmt))
            bag.append(path)
    feeds = {fmt: out / name for fmt, name in (("rss", "rss.xml"), ("atom", "atom.xml"), ("jsonfeed", "feed.json"))}
    for fmt, path in feeds.items():
        path.write_bytes(export(stories, fmt))
    for tool, files in (("validate_epub.py", books), ("validate_newsml.py", items), ("validate_ninjs.py", docs)):
        done = run_checker(tool, *files)
        assert done.returncode == 0, done.stdout + done.stderr
    for fmt in ("rss", "atom"):
        done = run_checker("validate_feed.py", feeds[fmt], "--url", BASE + feeds[fmt].name)
        assert done.returncode == 0, done.stdout + done.stderr
    parsed = feedparser.parse(feeds["rss"].read_bytes())
    assert {e.title for e in parsed.entries} >= {s.headline for s in stories}
    feed = json.loads(feeds["jsonfeed"].read_text("utf-8"))
    assert len(feed["items"]) == len(stories)


@pytest.mark.skipif(not (SHARED / "corpus" / "articles").exists(), reason="the article corpus is in ../shared")
def test_every_corpus_page_reads_without_error() -> None:
    pages = sorted((SHARED / "corpus" / "articles" / "pages").glob("*.html.gz"))
    assert len(pages) >= 90
    for path in pages:
        story = read(InputFile(gzip.decompress(path.read_bytes()), Path(path.name[:-3])))
        assert story.headline and any(isinstance(b, Paragraph) for b in story.body), path.name


@pytest.mark.parametrize("text, names", [
    ("By Jane Doe and John Roe | March 3, 2024", ["Jane Doe", "John Roe"]),
    ("Rachael Link, MS, RD", ["Rachael Link"]),
    ("By Jane Doe, Staff Writer", ["Jane Doe"]),
    ("Tom Davies Published 11:34 PM EST Nov 19, 2019", ["Tom Davies"]),
    ("By AP", ["AP"]),
    ("https://www.facebook.com/someone", []),
])
def test_bylines_are_names_only(text: str, names: list[str]) -> None:
    from syndicate.readers.htmlmeta import clean_byline
    assert clean_byline(text) == names


def test_printed_date_with_a_label_or_a_zone() -> None:
    labelled = read_html(page("<article><h1>Drug values</h1>" + prose(3) + "</article>"
                              "<div class='widget'><p>Published: Monday, November 18th, 2019 at 11:08 a.m.</p></div>"))
    assert labelled.published == datetime.fromisoformat("2019-11-18T11:08:00+00:00")
    assert any(i.field == "published" and "UTC assumed" in i.reason for i in labelled.inferred)
    zoned = read_html(page("<article><h1>Teachers rally</h1><div class='publish-date'>Published 11:34 PM EST "
                           "Nov 19, 2019</div>" + prose(3) + "</article>"))
    assert zoned.published == datetime.fromisoformat("2019-11-19T23:34:00-05:00")


def test_xhtml_with_an_xml_declaration_and_a_doctype_reads_without_fetching_or_expanding() -> None:
    markup = ("<?xml version='1.0' encoding='iso-8859-1'?>\n"
              "<!DOCTYPE html [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]>\n"
              "<html xmlns='http://www.w3.org/1999/xhtml' xml:lang='fr'><head><title>Café ouvert</title></head>"
              "<body><p>Le café est ouvert depuis lundi, dit le patron, qui attendait ce jour &b;&b;.</p></body></html>")
    story = read_html(markup.encode("latin-1"))
    assert story.headline == "Café ouvert" and story.language == "fr"
    assert "aaaaaaaaaa" not in story.to_json()  # the DTD's entities are never expanded


def test_binary_data_named_html_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match="binary data"):
        read_html(bytes(range(256)) * 20)
    with pytest.raises(InputError, match="binary data"):
        read_html(b"<html>" + bytes(range(1, 32)) * 200 + b"</html>")


def test_lead_photo_between_the_headline_and_the_text_comes_first() -> None:
    story = read_html(page(
        "<div class='hero'><div class='hero-inner'><h1>Harbour reopens</h1><div class='hero-media'>"
        "<figure><img src='https://cdn.example.com/lead.jpg' width='1200'><figcaption>The quay at dawn. "
        "Photo: Jane Roe</figcaption></figure><img src='https://cdn.example.com/avatar.jpg' width='80'></div></div></div>"
        "<div class='wrap'><div class='columns'><div class='story-body'>" + prose(4) + "</div>"
        "<div class='rail'><figure><img src='https://cdn.example.com/ad.jpg' width='300'><figcaption>Buy a boat "
        "today</figcaption></figure></div></div></div>"))
    assert story.body[0] == Figure("The quay at dawn.", "Photo: Jane Roe", None,
                                   story.body[0].image)  # type: ignore[union-attr]
    assert story.body[0].image.src == "https://cdn.example.com/lead.jpg"  # type: ignore[union-attr]
    assert [f.image.src for f in figures(story) if f.image] == ["https://cdn.example.com/lead.jpg"]


def test_the_box_around_the_article_is_not_a_lead_photo() -> None:
    # MSN: the headline, then one box holding teaser links to other stories and the article with its photos
    story = read_html(page(
        "<h1>Harbour reopens</h1><div id='maincontent'><div class='paddle previous'><a href='/other-story'>"
        "<div class='headline'><img src='https://cdn.example.com/teaser.jpg'><div>Another story</div></div></a></div>"
        "<section class='articlebody'>" + prose(3) + "<figure><img src='https://cdn.example.com/quay.jpg'>"
        "<figcaption>The quay at dawn</figcaption></figure>" + prose(2) + "</section></div>"))
    assert [f.image.src for f in figures(story) if f.image] == ["https://cdn.example.com/quay.jpg"]


def test_a_credited_lead_photo_without_a_caption_comes_first_with_its_credit() -> None:
    story = read_html(page(
        "<header><h1>Harbour reopens</h1></header><section class='content-wrapper'><div class='box'>"
        "<img src='https://cdn.example.com/hero-1024.jpg' alt='Bedding.'><div class='credit'>(Image: © Shutterstock)"
        "</div></div><div itemprop='articleBody'>" + prose(4) + "</div></section>"))
    assert story.body[0] == Figure("", "(Image: © Shutterstock)", "Bedding.", story.body[0].image)  # type: ignore[union-attr]
    assert story.body[0].image.src == "https://cdn.example.com/hero-1024.jpg"  # type: ignore[union-attr]
    assert not any(isinstance(b, Paragraph) and "Shutterstock" in b.text for b in story.body)


def test_reading_is_deterministic(tmp_path: Path) -> None:
    path = real_page(tmp_path, EXPRESS)
    assert syndicate.read(path).to_json() == syndicate.read(path).to_json()
