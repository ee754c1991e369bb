"""Reading NewsML-G2: IPTC's example shapes, agency messages, our own output, and hostile inputs refused."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA

import syndicate
from syndicate.errors import InputError
from syndicate.model import Figure, Heading, ListBlock, Paragraph, Quote
from syndicate.readers import InputFile
from syndicate.readers.newsml import read

NEWSML = DATA / "newsml"
NAR = "http://iptc.org/std/nar/2006-10-01/"


def read_file(name: str) -> syndicate.Story:
    return syndicate.read(NEWSML / name)


# ---------------------------------------------------------------- ordinary shapes


def test_agency_message_with_package_xhtml_and_a_picture() -> None:
    story = read_file("agency-xhtml-message.xml")
    assert story.id == "urn:newsml:wire.example:20260203:text"
    assert story.slug == "uk-floods-town"
    assert story.headline == "River bursts its banks in market town"  # indentation collapsed
    assert story.dateline == "YORK, England"
    assert [b.name for b in story.bylines] == ["Tom Ash"]
    assert story.published.isoformat() == "2026-02-03T07:15:00+00:00"
    assert story.updated.isoformat() == "2026-02-03T09:50:00+00:00"
    assert story.language == "en-GB" and story.source.name == "Wire Example"
    assert [(s.name, s.code) for s in story.subjects] == [("environment", "medtop:06000000")]
    first = story.body[1]
    assert isinstance(first, Paragraph)
    assert first.text == "Hundreds of homes were evacuated on Tuesday after the River Ouse rose."
    marked = {(first.text[m.start:m.end], m.kind, m.href) for m in first.marks}
    assert marked == {("Tuesday", "emphasis", None), ("River Ouse", "link", "https://example.org/river")}
    assert story.body[2] == Paragraph("Click here.")  # javascript: link dropped, text kept; <script> never read
    assert "never read" not in story.to_json()
    assert story.body[0] == Heading("River bursts its banks", 2) and story.body[3] == Heading("Clean-up", 4)
    assert story.body[4] == Quote("We lost everything.", "A resident")
    assert story.body[5] == ListBlock(("Roads closed", "Schools shut"))
    figure = story.body[6]
    assert isinstance(figure, Figure)
    assert (figure.caption, figure.credit) == ("Rescue boats on the flooded high street.", "WIRE/Ana Ruiz")
    assert figure.image is not None and figure.image.src == "https://wire.example/p/1.jpg"  # the high-res rendition
    assert (figure.image.width, figure.image.height, figure.image.media_type) == (3000, 2000, "image/jpeg")


def test_plain_text_inline_data_and_a_guid_that_is_not_a_tag_or_urn() -> None:
    story = read_file("plain-text-item.xml")
    assert story.body == (Paragraph("The council approved its budget on Wednesday."), Paragraph("Spending rises by two per cent."))
    assert story.id.startswith("tag:") and story.slug == "plain-text-item"
    assert story.published.utcoffset().total_seconds() == 0
    assert any(i.field == "published" and "UTC assumed" in i.reason for i in story.inferred)


def test_iptc_text_example_with_nitf_body() -> None:
    story = read_file("iptc-text-nitf.xml")
    assert story.headline == 'Fed to halt QE to avert "bubble"'
    assert story.id == "urn:newsml:acmenews.com:20161121:US-FINANCE-FED"
    paragraphs = [b for b in story.body if isinstance(b, Paragraph)]
    assert len(paragraphs) == 2 and paragraphs[0].text.startswith("(New York, NY - October 21) Et, sent luptat")
    assert "Fed to halt QE" not in " ".join(p.text for p in paragraphs)  # the NITF head is not body text
    assert story.dateline == "New York, NY" and [s.code for s in story.subjects][:1] == ["medtop:04000000"]


def test_iptc_photo_example_is_a_story_of_one_figure() -> None:
    story = read_file("iptc-photo.xml")
    assert story.headline == "Variety Of Recessionary Forces Leave Las Vegas Economy Scarred"
    (figure,) = story.body
    assert isinstance(figure, Figure) and figure.credit == "Getty Images"
    assert figure.caption.startswith("A general view of part of downtown")
    assert figure.image is not None and figure.image.src == "./GYI0062134533.jpg" and figure.image.width == 1500


def test_iptc_package_example_keeps_the_picture_caption() -> None:
    story = read_file("iptc-package.xml")
    assert story.headline == "UK"
    assert [f.caption for f in story.figures] == [
        "Si nous avons aujourd'hui un afro-américain et une femme dans la course à la présidence."]


def test_xml_files_go_to_this_reader_through_syndicate_read() -> None:
    assert syndicate.read(NEWSML / "plain-text-item.xml").headline == "Council approves budget"


# ---------------------------------------------------------------- hostile inputs


def assert_refused(data: bytes, name: str = "evil.xml") -> InputError:
    with pytest.raises(InputError) as caught:
        read(InputFile(data, Path(name)))
    message = str(caught.value)
    assert "\n" not in message and message.startswith(name)
    return caught.value


def test_billion_laughs_is_refused_without_expansion() -> None:
    data = (NEWSML / "billion-laughs.xml").read_bytes()
    started = time.perf_counter()
    error = assert_refused(data)
    assert "DOCTYPE" in error.message and time.perf_counter() - started < 1
    assert_refused(data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    hidden = data.replace(b"<!DOCTYPE", b"<!--" + b"x" * 200_000 + b"-->\n<!DOCTYPE", 1)
    assert "DOCTYPE" in assert_refused(hidden).message


def test_external_entity_is_refused_and_never_read() -> None:
    error = assert_refused((NEWSML / "external-entity.xml").read_bytes())
    assert "root:" not in error.message and "DOCTYPE" in error.message


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY x "fetched">')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    _Recorder.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


def test_a_dtd_on_the_network_is_never_fetched(dtd_server: tuple[str, list[str]]) -> None:
    url, requests = dtd_server
    # prove the server answers, so "no request" below means "not asked", not "unreachable"
    import urllib.request
    assert urllib.request.urlopen(f"{url}/probe", timeout=5).read().startswith(b"<!ENTITY")
    requests.clear()
    for doctype in (f'<!DOCTYPE newsItem SYSTEM "{url}/evil.dtd">',
                    f'<!DOCTYPE newsItem [<!ENTITY % remote SYSTEM "{url}/param.dtd"> %remote;]>',
                    f'<!DOCTYPE newsItem [<!ENTITY e SYSTEM "{url}/entity.txt">]>'):
        data = (f'<?xml version="1.0"?>\n{doctype}\n<newsItem xmlns="{NAR}" guid="urn:x:1"><contentMeta>'
                f"<headline>&e;</headline></contentMeta></newsItem>").encode()
        assert "DOCTYPE" in assert_refused(data).message
    time.sleep(0.2)
    assert requests == []


def test_100000_levels_of_nesting_is_one_clear_line() -> None:
    depth = 100_000
    data = (f'<newsItem xmlns="{NAR}">' + "<a>" * depth + "</a>" * depth + "</newsItem>").encode()
    error = assert_refused(data)
    assert "depth" in error.message.lower() or "deep" in error.message.lower()
    body = (f'<newsItem xmlns="{NAR}"><contentSet><inlineXML><html xmlns="http://www.w3.org/1999/xhtml"><body>'
            + "<div>" * depth + "</div>" * depth + "</body></html></inlineXML></contentSet></newsItem>").encode()
    assert_refused(body)


def test_other_bad_inputs_are_one_line_errors() -> None:
    assert "not well-formed" in assert_refused(b"<newsItem><unclosed></newsItem>").message
    assert "not NewsML-G2" in assert_refused(b'<rss version="2.0"><channel/></rss>').message
    assert assert_refused(f'<newsItem xmlns="{NAR}"><itemMeta><versionCreated>yesterday</versionCreated>'
                          f"</itemMeta><contentMeta><headline>h</headline></contentMeta></newsItem>".encode())


def test_the_cli_refuses_a_hostile_file_with_exit_1_and_one_line(tmp_path: Path) -> None:
    evil = tmp_path / "evil.xml"
    evil.write_bytes((NEWSML / "billion-laughs.xml").read_bytes())
    done = subprocess.run([sys.executable, "-m", "syndicate", "parse", str(evil)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "evil.xml" in done.stderr and "DOCTYPE" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_the_cli_converts_newsml_to_ninjs_and_back(tmp_path: Path) -> None:
    out = tmp_path / "story.json"
    done = subprocess.run([sys.executable, "-m", "syndicate", "convert", str(NEWSML / "agency-xhtml-message.xml"),
                           "--to", "ninjs", "-o", str(out)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert '"uri": "urn:newsml:wire.example:20260203:text"' in out.read_text(encoding="utf-8")


# ---------------------------------------------------------------- HTML in inlineData goes through the sanitiser

HOSTILE_HTML = """<p>The quay reopened <a href="javascript:alert('quay')">at noon</a>.<script>alert('script')</script></p>
<img src="https://photos.example/quay.jpg" onerror="alert('onerror')" alt="The quay">
<p><img source="https://tracker.example/pixel.gif" alt="">Ferries returned.</p>
<media><media-reference source="https://tracker.example/media.jpg"/><media-caption>Boats</media-caption></media>
<style>p { background: url(https://tracker.example/css.png) }</style>"""


def test_html_in_inline_data_is_sanitised_before_it_is_read(tmp_path: Path) -> None:
    """Only what the one sanitiser (syndicate.html.sanitize_html) allows reaches the story: no script or
    handler text, no javascript: link, and no picture smuggled in through attributes or elements HTML
    does not have (``<img source>``, NITF ``<media>``), which would make the build fetch a tracker."""
    from xml.sax.saxutils import escape

    item = (f'<newsItem xmlns="{NAR}" guid="urn:newsml:test:sanitise" standard="NewsML-G2" standardversion="2.35">'
            '<itemMeta><itemClass qcode="ninat:text"/></itemMeta><contentMeta><headline>Quay</headline></contentMeta>'
            f'<contentSet><inlineData contenttype="text/html">{escape(HOSTILE_HTML)}</inlineData></contentSet>'
            '</newsItem>')
    path = tmp_path / "quay.xml"
    path.write_text(item, encoding="utf-8")
    story = syndicate.read(path)
    text = story.to_json()
    assert "alert" not in text and "javascript" not in text.lower()
    assert "tracker.example" not in text
    images = [f.image.src for f in story.figures if f.image is not None]
    assert images == ["https://photos.example/quay.jpg"]
    paragraphs = [b.text for b in story.body if isinstance(b, Paragraph)]
    assert paragraphs[:2] == ["The quay reopened at noon.", "Ferries returned."]
    assert "Boats" in " ".join(paragraphs)  # what the sanitiser unwraps is kept as text, not lost
