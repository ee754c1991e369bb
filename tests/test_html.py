"""The shared renderer and sanitiser: well-formed XHTML, nothing unsafe, nothing lost."""

from __future__ import annotations

import html
import re
from html import unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from storygen import story_strategy

from syndicate.html import (
    HtmlRenderer,
    escape_text,
    is_web_url,
    photo_link,
    render_body,
    safe_url,
    sanitize_html,
    xml_safe,
)
from syndicate.model import (
    Figure,
    Image,
    ListBlock,
    Mark,
    Paragraph,
    Quote,
    Story,
    plain_text,
)


def parse_xhtml(fragment: str) -> etree._Element:
    return etree.fromstring(f"<div>{fragment}</div>".encode())


@settings(max_examples=100, deadline=None)
@given(story_strategy())
def test_every_body_renders_to_well_formed_xhtml_holding_all_its_text(story: Story) -> None:
    root = parse_xhtml(render_body(story))
    rendered = "".join(root.itertext())
    for block in story.body:
        for text in plain_text(block):
            assert xml_safe(text) in rendered


def test_overlapping_marks_nest_properly() -> None:
    html = HtmlRenderer().paragraph(Paragraph("Hello world", (Mark(0, 5, "link", "https://x.test/"), Mark(3, 11, "emphasis"))))
    root = parse_xhtml(html)
    assert "".join(root.itertext()) == "Hello world"
    assert root.find(".//a").get("href") == "https://x.test/"
    assert "".join("".join(e.itertext()) for e in root.iter("em")) == "lo world"


def test_unsafe_link_schemes_are_dropped() -> None:
    for bad in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:x", "data:text/html,<b>", "vbscript:x"):
        assert safe_url(bad) is None, bad
        html = HtmlRenderer().paragraph(Paragraph("click", (Mark(0, 5, "link", bad),)))
        assert "script" not in html.lower() and "data:" not in html
    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    assert safe_url("/relative/path") == "/relative/path"


def test_figure_without_image_keeps_caption_and_credit_and_invents_no_img() -> None:
    html = HtmlRenderer().figure(Figure("Rebels wait", "AP Photo/X", "Rebels"))
    assert "<img" not in html
    assert "Rebels wait" in html and "AP Photo/X" in html


def test_figure_with_image_has_alt_text_falling_back_to_caption() -> None:
    html = HtmlRenderer(lambda image: "https://cdn.test/" + image.src).figure(Figure("A caption", None, None, Image("a.jpg", "image/jpeg", 4, 3)))
    img = parse_xhtml(html).find(".//img")
    assert img.get("src") == "https://cdn.test/a.jpg" and img.get("alt") == "A caption"


def test_text_is_escaped_and_xml_invalid_characters_removed() -> None:
    html = HtmlRenderer().render([Paragraph("<script>x</script> & \x07bell"), Quote("a < b", "Me"), ListBlock(("1 & 2",))])
    root = parse_xhtml(html)
    assert root.find(".//script") is None
    assert "<script>x</script> & bell" in unescape(html)
    assert "\x07" not in html


def test_sanitize_html_removes_scripts_handlers_and_javascript_links() -> None:
    dirty = '<p onclick="x()">Hi <a href="javascript:alert(1)">a</a><script>evil()</script><img src=x onerror=y></p>'
    clean = sanitize_html(dirty)
    for bad in ("onclick", "javascript:", "<script", "evil()", "onerror"):
        assert bad not in clean
    assert "Hi" in clean


def test_photo_link_is_absolute_with_a_base_url_else_relative_from_the_files_folder_else_none() -> None:
    local, remote = Image("quay at dawn-1a2b.jpg"), Image("https://img.example/p.jpg?a=1&b=2")
    assert photo_link(local, "https://news.example.com/", "newsml/") == "https://news.example.com/images/quay%20at%20dawn-1a2b.jpg"
    assert photo_link(local, None, "newsml/") == "../images/quay%20at%20dawn-1a2b.jpg"
    assert photo_link(local, None, "a/b/") == "../../images/quay%20at%20dawn-1a2b.jpg"
    assert photo_link(local, None, "") == "images/quay%20at%20dawn-1a2b.jpg"
    assert photo_link(local, None, None) is None  # a file on its own: no published photo to point at
    assert photo_link(remote, None, None) == "https://img.example/p.jpg?a=1&b=2"
    assert photo_link(remote, "https://x/", "n/") == remote.src  # a remote photo is linked where it is


def test_the_photo_hook_gives_the_published_image_its_size_or_leaves_the_picture_out() -> None:
    figure = Figure("Cap", "Cred", None, Image("big.webp", "image/webp", 4000, 3000))
    published = Image("big-0123456789.jpg", "image/jpeg", 1600, 1200)
    renderer = HtmlRenderer(lambda image: image.src, photo=lambda image: published)
    img = parse_xhtml(renderer.figure(figure)).find(".//img")
    assert (img.get("src"), img.get("width"), img.get("height")) == ("big-0123456789.jpg", "1600", "1200")
    gone = parse_xhtml(HtmlRenderer(lambda image: image.src, photo=lambda image: None).figure(figure))
    assert gone.find(".//img") is None
    assert "Cap" in "".join(gone.itertext()) and "Cred" in "".join(gone.itertext())


def test_marks_side_by_side_and_adjacent_render_in_order() -> None:
    text = "Hello brave new world & more"
    marks = (Mark(12, 15, "strong"), Mark(0, 5, "link", "https://e.com/?a=1&b=2"), Mark(6, 11, "emphasis"),
             Mark(11, 12, "emphasis"))
    assert HtmlRenderer().inline(text, marks) == (
        '<a href="https://e.com/?a=1&amp;b=2">Hello</a> <em>brave</em><em> </em><strong>new</strong> world &amp; more')
    # overlapping marks still nest properly (the general path)
    nested = HtmlRenderer().inline("abcdef", (Mark(0, 4, "strong"), Mark(2, 6, "emphasis")))
    assert nested == "<strong>ab<em>cd</em></strong><em>ef</em>"


# ---------------------------------------------------------------- the fast paths say what the plain definitions say

_AWKWARD = "ab &<>\"';#x\x00\x0b\x1f\x7f\ud800\ufffe\u00a0\u2003é\n\t\r:/[]"


#: Every character XML 1.0 cannot carry (C0 controls but tab, LF and CR; surrogates; U+FFFE, U+FFFF), by definition
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: what ``str.split`` takes for whitespace, and characters that are neither printable nor invalid (format, unassigned)
_SPACES_AND_FORMATS = "\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029\u3000\u200d\u00ad\U000e0001\U0010fffd"


@settings(max_examples=600)
@given(st.text(alphabet=_AWKWARD + _SPACES_AND_FORMATS + "\x1c\x1e", max_size=40))
def test_xml_safe_removes_exactly_what_xml_cannot_carry(text: str) -> None:
    assert xml_safe(text) == XML_INVALID.sub("", text)


@settings(max_examples=400)
@given(st.text(alphabet=_AWKWARD + "hps", max_size=24))
def test_escape_text_is_html_escape_of_the_xml_safe_text(text: str) -> None:
    assert escape_text(text) == html.escape(xml_safe(text), quote=True)


@settings(max_examples=400)
@given(st.lists(st.sampled_from(["http", "https", "HTTP", "://", ":", "/", "java", "script", " ", "\t", "\x00", "\u2003",
                                 "x.com", "[", "]", "?q&r", "#f", "\x7f", "mailto", "data"]), max_size=7).map("".join))
def test_safe_url_allows_only_safe_schemes_whatever_the_shortcut(url: str) -> None:
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)  # the definition: browsers ignore these inside a scheme
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    allowed = scheme is None or scheme.group(1).lower() in ("http", "https", "mailto", "tel", "ftp")
    assert safe_url(url) == ((xml_safe(url.strip()) or None) if allowed else None)


@pytest.mark.parametrize(("url", "web"), [
    ("https://news.example.com/", True),
    ("HTTP://news.example.com/a?b=c#d", True),
    ("http://[::1]:8080/photo.jpg", True),
    ("https://news.example.com/a b", False),  # white space: no reader follows it as one link
    ("https://news.example.com/\n", False),
    ("ftp://news.example.com/", False),
    ("mailto:desk@example.com", False),
    ("https://", False),  # no host
    ("//news.example.com/", False),  # no scheme
    ("news.example.com", False),
    ("http://[::1", False),  # a malformed host
    ("javascript:alert(1)", False),
])
def test_is_web_url_accepts_only_absolute_http_urls_with_a_host(url: str, web: bool) -> None:
    assert is_web_url(url) is web
