"""Remote photos against a real photo server on 127.0.0.1 that misbehaves in every way a fetch can meet.

Each case checks the promises of issue 12: the fetch ends within its one
deadline (every phase: connect, TLS, status line, headers, body, redirects),
the failure is one warning line naming the URL, nothing refused is stored in
the cache folder, the same resolver never waits for the same photo twice, and
a new resolver (the next run) tries again.
"""

from __future__ import annotations

import io
import socket
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image as PILImage
from slowserver import serving
from storygen import generate_story, gif_frames

from syndicate.images import ImageResolver
from syndicate.model import Figure, Image

TIMEOUT = 1.0
#: What a failed fetch may take beyond its deadline (the scheduler, a loaded 2-core machine).
SLACK = 1.0


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (30, 120, 200)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


GOOD = jpeg()
HTML = b"<!DOCTYPE html><html><body>Please log in</body></html>"


# ---------------------------------------------------------------- the misbehaving server


class _Handler(socketserver.StreamRequestHandler):
    """Reads a request's head, then answers as the path says, writing raw bytes (so it can break HTTP)."""

    server: _PhotoServer

    def handle(self) -> None:
        line = self.rfile.readline(65537).decode("latin-1")
        while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
            pass
        path = line.split(" ")[1] if line.count(" ") >= 2 else "/"
        self.server.hits[path] += 1
        behaviour = ROUTES.get(path.split("?")[0], _not_found)
        try:
            behaviour(self)
        except OSError:  # the client hung up, as it should when its deadline passes
            pass

    def send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def drip(self, data: bytes, every: float = 0.05) -> None:
        """Send ``data`` a byte at a time; stop when the test is over."""
        for i in range(len(data)):
            if self.server.stopping.is_set():
                return
            self.send(data[i:i + 1])
            time.sleep(every)

    def wait_for_the_end(self) -> None:
        self.server.stopping.wait(30)


def _head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _good(h: _Handler) -> None:
    h.send(_head(Content_Type="image/jpeg", Content_Length=str(len(GOOD)), Connection="close") + GOOD)


def _good_chunked(h: _Handler) -> None:
    body = b"".join(b"%x\r\n%s\r\n" % (len(GOOD[i:i + 500]), GOOD[i:i + 500]) for i in range(0, len(GOOD), 500))
    h.send(_head(Content_Type="image/jpeg", Transfer_Encoding="chunked", Connection="close") + body + b"0\r\n\r\n")


def _animated(h: _Handler) -> None:
    body = gif_frames(3)
    h.send(_head(Content_Type="image/gif", Content_Length=str(len(body)), Connection="close") + body)


def _silent(h: _Handler) -> None:
    """Accepts the request and never says a word."""
    h.wait_for_the_end()


def _drip_status(h: _Handler) -> None:
    """The status line a byte at a time, never finished: no single read waits long."""
    h.drip(b"HTTP/1.1 200 OK but very slowly " * 100)


def _drip_headers(h: _Handler) -> None:
    h.send(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n")
    h.drip(b"X-Padding: " + b"a" * 10_000)


def _drip_body(h: _Handler) -> None:
    h.send(_head(Content_Type="image/jpeg", Content_Length=str(len(GOOD))))
    h.drip(GOOD)


def _never_ends(h: _Handler) -> None:
    """A body with no length that keeps coming, slowly enough never to reach the size cap."""
    h.send(_head(Content_Type="image/jpeg", Connection="close") + GOOD[:200])
    while not h.server.stopping.is_set():
        h.send(b"\0" * 64)
        time.sleep(0.02)


def _garbage_status(h: _Handler) -> None:
    h.send(b"SPAM SPAM SPAM\r\n\r\n" + GOOD)


def _bad_chunks(h: _Handler) -> None:
    h.send(_head(Content_Type="image/jpeg", Transfer_Encoding="chunked") + b"zz-not-hex\r\n" + GOOD + b"\r\n0\r\n\r\n")


def _endless_headers(h: _Handler) -> None:
    h.send(b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Header-%d: yes\r\n" % n for n in range(1000)) + b"\r\n")


def _too_long_header(h: _Handler) -> None:
    h.send(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")


def _html_as_html(h: _Handler) -> None:
    h.send(_head(Content_Type="text/html; charset=utf-8", Content_Length=str(len(HTML))) + HTML)


def _html_as_jpeg(h: _Handler) -> None:
    """Says it is a JPEG; is a login page."""
    h.send(_head(Content_Type="image/jpeg", Content_Length=str(len(HTML))) + HTML)


def _jpeg_as_html(h: _Handler) -> None:
    """A JPEG sent as text/html: refused by its declared type before its body is read."""
    h.send(_head(Content_Type="text/html", Content_Length=str(len(GOOD))) + GOOD)


def _too_big_declared(h: _Handler) -> None:
    h.send(_head(Content_Type="image/jpeg", Content_Length="999999999"))
    h.wait_for_the_end()


def _too_big_streamed(h: _Handler) -> None:
    h.send(_head(Content_Type="image/jpeg", Connection="close") + GOOD)
    for _ in range(100):
        h.send(b"\0" * 10_000)


def _cut_short(h: _Handler) -> None:
    h.send(_head(Content_Type="image/jpeg", Content_Length=str(len(GOOD))) + GOOD[: len(GOOD) // 2])


def _hop_to_drip(h: _Handler) -> None:
    """A quick redirect to a server that drips: the deadline spans both hops."""
    h.send(_head("302 Found", Location="/drip-body", Content_Length="0"))


def _redirect_to_file(h: _Handler) -> None:
    h.send(_head("302 Found", Location="file:///etc/passwd", Content_Length="0"))


def _server_error(h: _Handler) -> None:
    h.send(_head("503 Service Unavailable", Content_Length="0"))


def _escape_reason(h: _Handler) -> None:
    h.send(b"HTTP/1.1 503 \x1b]0;owned\x07\x1b[31mDown\r\nContent-Length: 0\r\n\r\n")


def _escape_status(h: _Handler) -> None:
    h.send(b"\x1b[2J\x1b[31mHTTP/9 ok\r\n\r\n")


def _not_found(h: _Handler) -> None:
    h.send(_head("404 Not Found", Content_Length="0"))


ROUTES: dict[str, Callable[[_Handler], None]] = {
    "/good.jpg": _good, "/chunked.jpg": _good_chunked, "/animated.gif": _animated, "/silent": _silent,
    "/drip-status": _drip_status, "/drip-headers": _drip_headers, "/drip-body": _drip_body,
    "/never-ends": _never_ends, "/garbage-status": _garbage_status, "/bad-chunks": _bad_chunks,
    "/endless-headers": _endless_headers, "/too-long-header": _too_long_header, "/html-as-html": _html_as_html,
    "/html-as-jpeg": _html_as_jpeg, "/jpeg-as-html": _jpeg_as_html, "/too-big-declared": _too_big_declared,
    "/too-big-streamed": _too_big_streamed, "/cut-short": _cut_short, "/hop-to-drip": _hop_to_drip,
    "/redirect-to-file": _redirect_to_file, "/server-error": _server_error, "/escape-reason": _escape_reason,
    "/escape-status": _escape_status,
}


class _PhotoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.stopping = threading.Event()


@pytest.fixture(scope="module")
def photo_server() -> Iterator[_PhotoServer]:
    server = _PhotoServer()
    with serving(server, server.stopping):
        yield server


def url_of(server: _PhotoServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def resolver(cache: Path | None = None, **settings: object) -> ImageResolver:
    return ImageResolver(cache_dir=cache, timeout=TIMEOUT, allow_local_hosts=True, max_bytes=200_000,
                         **settings)  # type: ignore[arg-type]


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def stored_files(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


# ---------------------------------------------------------------- every way of failing


MISBEHAVIOURS = [
    ("/silent", "timed out"),
    ("/drip-status", "timed out"),
    ("/drip-headers", "timed out"),
    ("/drip-body", "timed out"),
    ("/never-ends", "timed out"),
    ("/hop-to-drip", "timed out"),
    ("/garbage-status", "broken HTTP response"),
    ("/bad-chunks", "broken HTTP response"),
    ("/endless-headers", "broken HTTP response"),
    ("/too-long-header", "broken HTTP response"),
    ("/html-as-html", "not an image (Content-Type text/html)"),
    ("/html-as-jpeg", "not an image in a supported format"),
    ("/jpeg-as-html", "not an image (Content-Type text/html)"),
    ("/too-big-declared", "too large (999999999 bytes declared"),
    ("/too-big-streamed", "too large (over 200000 bytes)"),
    ("/cut-short", "connection closed"),
    ("/server-error", "HTTP 503 Service Unavailable"),
]


@pytest.mark.parametrize(("path", "reason"), MISBEHAVIOURS)
def test_a_misbehaving_server_costs_one_deadline_and_one_line(photo_server: _PhotoServer, tmp_path: Path,
                                                              path: str, reason: str) -> None:
    url = url_of(photo_server, path)
    images = resolver(tmp_path / "cache")
    elapsed = timed(lambda: images.resolve(Image(url)))
    assert elapsed < TIMEOUT + SLACK, f"{path} held the caller {elapsed:.2f} s for a {TIMEOUT:g} s deadline"
    assert images.problems == [f"image {url}: {images.failures[url]}"]
    assert reason in images.problems[0] and "\n" not in images.problems[0]
    assert stored_files(tmp_path / "cache") == [], "refused bytes must never be stored"
    assert url in images.failed_sources  # worth trying again next run


@pytest.mark.parametrize(("path", "reason"), [("/silent", "timed out"), ("/garbage-status", "broken HTTP")])
def test_a_failure_is_paid_once_per_run_and_retried_next_run(photo_server: _PhotoServer, tmp_path: Path,
                                                             path: str, reason: str) -> None:
    url = url_of(photo_server, path + "?once")
    images = resolver(tmp_path / "cache")
    images.resolve(Image(url))
    assert photo_server.hits[path + "?once"] == 1
    # The same run (the edition after the story's own book): no second request, no second wait.
    assert timed(lambda: images.resolve(Image(url))) < 0.05
    assert photo_server.hits[path + "?once"] == 1
    assert len(images.problems) == 1 and reason in images.problems[0]
    # The next run (a new resolver, same cache folder): the failure was not recorded, so it asks again.
    again = resolver(tmp_path / "cache")
    assert again.resolve(Image(url)) is None
    assert photo_server.hits[path + "?once"] == 2


def test_a_build_s_processes_share_failures_so_no_one_waits_twice(photo_server: _PhotoServer) -> None:
    url = url_of(photo_server, "/silent?shared")
    worker = resolver()
    worker.resolve(Image(url))
    edition = resolver()
    edition.remember_failures(worker.failures)
    assert timed(lambda: edition.resolve(Image(url))) < 0.05
    assert photo_server.hits["/silent?shared"] == 1
    assert edition.problems and "timed out" in edition.problems[0]


def test_a_connect_that_never_completes_is_cut_off_at_the_deadline() -> None:
    """A listening socket whose backlog is full drops new SYNs: the connect phase itself hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(4):  # fill the accept queue (never accepted)
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        try:
            images = resolver()
            url = f"http://127.0.0.1:{port}/photo.jpg"
            elapsed = timed(lambda: images.resolve(Image(url)))
        finally:
            for filler in fillers:
                filler.close()
    assert elapsed < TIMEOUT + SLACK
    assert len(images.problems) == 1 and url in images.problems[0] and "timed out" in images.problems[0]


def test_a_tls_handshake_that_never_completes_is_cut_off_at_the_deadline(photo_server: _PhotoServer) -> None:
    """https to a server that reads the ClientHello and answers nothing (the /silent behaviour never
    comes: the request line is never sent, so the handler waits on its first read)."""
    url = f"https://127.0.0.1:{photo_server.server_address[1]}/silent"
    images = resolver()
    elapsed = timed(lambda: images.resolve(Image(url)))
    assert elapsed < TIMEOUT + SLACK
    assert len(images.problems) == 1 and url in images.problems[0] and "timed out" in images.problems[0]


def test_tls_garbage_is_one_line(photo_server: _PhotoServer) -> None:
    """https to a plain HTTP server: the handshake meets an HTTP answer."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def answer_in_plain_http() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

        thread = threading.Thread(target=answer_in_plain_http, daemon=True)
        thread.start()
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/photo.jpg"
        images = resolver()
        elapsed = timed(lambda: images.resolve(Image(url)))
        thread.join(2)
    assert elapsed < TIMEOUT + SLACK
    assert len(images.problems) == 1 and url in images.problems[0] and "TLS failed" in images.problems[0]


def test_a_host_that_does_not_resolve_is_one_line_within_the_deadline() -> None:
    url = "http://photos.syndicate-test.invalid/a.jpg"  # .invalid never resolves (RFC 6761)
    images = resolver()
    elapsed = timed(lambda: images.resolve(Image(url)))
    assert elapsed < TIMEOUT + SLACK
    assert len(images.problems) == 1 and url in images.problems[0]
    assert "resolv" in images.problems[0]  # "cannot resolve host" or "timed out resolving host"
    assert url in images.failed_sources


def test_refusals_that_no_later_run_can_change_are_not_retried(photo_server: _PhotoServer) -> None:
    images = ImageResolver(timeout=TIMEOUT)  # local hosts not allowed
    local = url_of(photo_server, "/good.jpg")
    assert images.resolve(Image(local)) is None and "local address" in images.problems[0]
    redirected = resolver()
    to_file = url_of(photo_server, "/redirect-to-file")
    assert redirected.resolve(Image(to_file)) is None and "refused to fetch a file URL" in redirected.problems[0]
    offline = ImageResolver(offline=True)
    assert offline.resolve(Image(url_of(photo_server, "/x.jpg"))) is None
    assert images.failed_sources == redirected.failed_sources == offline.failed_sources == frozenset()


def test_the_budget_for_remote_photos_bounds_a_run(photo_server: _PhotoServer) -> None:
    """Many slow servers: once the run's budget is spent, the rest are not fetched (and retried next run)."""
    images = resolver(fetch_budget=1.5)
    urls = [url_of(photo_server, f"/silent?budget={n}") for n in range(4)]
    elapsed = timed(lambda: [images.resolve(Image(url)) for url in urls])
    assert elapsed < 1.5 + SLACK, f"four slow photos took {elapsed:.2f} s for a 1.5 s budget"
    assert len(images.problems) == 4 and all(url in p for url, p in zip(urls, images.problems, strict=True))
    assert "used up" in images.problems[-1]
    assert images.failed_sources == frozenset(urls)


@pytest.mark.parametrize("path", ["/escape-reason", "/escape-status"])
def test_nothing_a_server_sends_reaches_the_terminal_unescaped(photo_server: _PhotoServer, path: str) -> None:
    images = resolver()
    assert images.resolve(Image(url_of(photo_server, path))) is None
    assert len(images.problems) == 1 and all(c.isprintable() for c in images.problems[0]), images.problems


# ---------------------------------------------------------------- good photos, and what a build asks


def test_a_good_photo_is_fetched_once_and_kept_only_in_the_cache(photo_server: _PhotoServer, tmp_path: Path) -> None:
    url = url_of(photo_server, "/good.jpg?kept")
    cache = tmp_path / "state" / "images"
    images = resolver(cache)
    first = images.resolve(Image(url))
    assert first is not None and first.data == GOOD and images.problems == []
    assert images.resolve(Image(url)) is first and photo_server.hits["/good.jpg?kept"] == 1
    assert sorted(str(p.relative_to(cache)).split("/")[0] for p in stored_files(cache)) == ["downloads", "normalised"]
    assert sorted(images.cache_files(Image(url))) == sorted(p.relative_to(cache).as_posix() for p in stored_files(cache))
    # the next run takes it from the cache folder, even offline
    offline = ImageResolver(cache_dir=cache, offline=True)
    assert offline.resolve(Image(url)) == first and photo_server.hits["/good.jpg?kept"] == 1


def test_a_chunked_photo_is_read_whole(photo_server: _PhotoServer) -> None:
    images = resolver()
    resolved = images.resolve(Image(url_of(photo_server, "/chunked.jpg")))
    assert resolved is not None and resolved.data == GOOD, images.problems


def test_a_remote_animated_gif_stays_flagged_through_the_cache(photo_server: _PhotoServer, tmp_path: Path) -> None:
    url = url_of(photo_server, "/animated.gif")
    first = resolver(tmp_path / "cache").resolve(Image(url))
    assert first is not None and first.animated and first.media_type == "image/gif"
    again = ImageResolver(cache_dir=tmp_path / "cache", offline=True).resolve(Image(url))
    assert again is not None and again.animated


def test_the_build_learns_which_stories_need_another_try(photo_server: _PhotoServer) -> None:
    bad, good = url_of(photo_server, "/server-error?story"), url_of(photo_server, "/good.jpg?story")
    base = generate_story(1, images=False)
    with_bad = replace(base, body=base.body + (Figure("A caption", "Photo: Agency", "alt", Image(bad)),))
    with_good = replace(base, body=base.body + (Figure("A caption", "Photo: Agency", "alt", Image(good)),))
    images = resolver()
    for story in (with_bad, with_good):
        for figure in story.figures:
            if figure.image is not None:
                images.resolve(figure.image)
    assert images.depends_on_failed_fetch(with_bad)
    assert not images.depends_on_failed_fetch(with_good)
    assert images.failed_sources == {bad}


# ---------------------------------------------------------------- a whole build against the misbehaving server

BUILD_CASES = ["/garbage-status", "/html-as-jpeg", "/bad-chunks", "/server-error", "/cut-short", "/jpeg-as-html"]


def _write_story(folder: Path, slug: str, url: str, caption: str) -> None:
    (folder / f"{slug}.txt").write_text(
        f"Harbour story {slug}\n\nThe harbour reopened on Monday after engineers rebuilt the breakwater.\n\n"
        "Ferries will sail again from Tuesday, the port authority said.\n", encoding="utf-8")
    (folder / f"{slug}.yaml").write_text(
        f"published: 2024-03-14T07:30:00+01:00\nimages:\n  - src: {url}\n    caption: {caption}\n"
        "    credit: Photo Desk\n", encoding="utf-8")


def _book_text(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as book:
        return "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xhtml"))


def test_a_build_keeps_every_story_and_its_caption_whatever_the_photo_servers_do(
        photo_server: _PhotoServer, tmp_path: Path) -> None:
    import syndicate

    source = tmp_path / "input"
    source.mkdir()
    cases = {f"story-{n}": url_of(photo_server, f"{path}?build") for n, path in enumerate(BUILD_CASES)}
    cases["story-good"] = url_of(photo_server, "/good.jpg?build")
    for slug, url in cases.items():
        _write_story(source, slug, url, f"Caption of {slug}.")
    options = {"jobs": 2, "allow_local_hosts": True, "state_dir": str(tmp_path / "state"), "title": "Gazette",
               "formats": ["epub", "edition", "rss"], "base_url": "https://news.example.com/"}

    started = time.monotonic()
    report = syndicate.build(source, tmp_path / "output", **options)
    elapsed = time.monotonic() - started

    assert report.exit_code == 0 and report.rejected == [] and len(report.built) == len(cases)
    assert elapsed < 10, f"a build with six broken photo servers took {elapsed:.1f} s"
    for slug, url in cases.items():
        assert f"Caption of {slug}." in _book_text(tmp_path / "output" / "epub" / f"{slug}.epub")
        lines = [w for w in report.warnings if url in w]
        if slug == "story-good":
            assert lines == []
        else:  # one line per story that lacks it (the edition, built from the workers' results, waits for none)
            assert len(lines) == 1 and lines[0].startswith(f"{slug}.txt: image {url}: "), report.warnings
    assert "Caption of story-0." in _book_text(tmp_path / "output" / "edition.epub")
    # Each photo was asked for once in the run, whatever used it: the story's book, the feed, the edition.
    paths = {slug: url.split(str(photo_server.server_address[1]), 1)[1] for slug, url in cases.items()}
    assert {slug: photo_server.hits[path] for slug, path in paths.items()} == dict.fromkeys(cases, 1)
    # Only the good photo's bytes were kept, in the state folder; nothing at all in the published folder.
    stored = stored_files(tmp_path / "state")
    assert [p for p in stored if p.parent.name == "downloads"] and all(
        p.read_bytes() == GOOD for p in stored if p.parent.name == "downloads")
    assert not [p for p in (tmp_path / "output").rglob("*") if "cache" in p.name or p.suffix == ".img"]

    # Next run: every failed photo is asked for again, the good one is not fetched again.
    hits = Counter(photo_server.hits)
    again = syndicate.build(source, tmp_path / "output", **options)
    assert again.exit_code == 0
    assert {slug: photo_server.hits[path] - hits[path] for slug, path in paths.items()} == {
        slug: 0 if slug == "story-good" else 1 for slug in cases}


def test_a_slow_photo_server_holds_a_build_for_one_deadline_not_one_per_use(
        photo_server: _PhotoServer, tmp_path: Path) -> None:
    """Two stories share a photo from a server that never answers; the build's books, feeds and edition
    wait for it once (the resolver's default deadline, 10 s), and both stories are built with the caption."""
    import syndicate

    source = tmp_path / "input"
    source.mkdir()
    url = url_of(photo_server, "/silent?build")
    for slug in ("first", "second"):
        _write_story(source, slug, url, f"Caption of {slug}.")
    started = time.monotonic()
    report = syndicate.build(source, tmp_path / "output", jobs=1, allow_local_hosts=True, title="Gazette",
                             state_dir=str(tmp_path / "state"), formats=["epub", "edition", "rss"],
                             base_url="https://news.example.com/")
    elapsed = time.monotonic() - started
    assert ImageResolver().timeout == 10.0
    assert elapsed < 10.0 + 4, f"the build took {elapsed:.1f} s for one 10 s deadline"
    assert photo_server.hits["/silent?build"] == 1
    assert report.exit_code == 0 and sorted(report.built) == ["first.txt", "second.txt"]
    for slug in ("first", "second"):
        assert f"Caption of {slug}." in _book_text(tmp_path / "output" / "epub" / f"{slug}.epub")
    assert [w for w in report.warnings if url in w] == [f"{slug}.txt: image {url}: timed out after 10 s"
                                                       for slug in ("first", "second")]


# ---------------------------------------------------------------- https, with a certificate made for the test


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made by the openssl tool) and its key."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def tls_server(tls_files: tuple[Path, Path]) -> Iterator[_PhotoServer]:
    import ssl

    server = _PhotoServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server, server.stopping):
        yield server


def https_url(server: _PhotoServer, path: str) -> str:
    return f"https://127.0.0.1:{server.server_address[1]}{path}"


def test_a_photo_is_fetched_over_https_with_the_certificate_checked(
        tls_server: _PhotoServer, tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    untrusted = resolver()
    assert untrusted.resolve(Image(https_url(tls_server, "/good.jpg?untrusted"))) is None
    assert "TLS failed (CERTIFICATE_VERIFY_FAILED)" in untrusted.problems[0]
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))  # trust the test certificate, as a system CA
    trusted = resolver()
    resolved = trusted.resolve(Image(https_url(tls_server, "/good.jpg")))
    assert resolved is not None and resolved.data == GOOD, trusted.problems


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body", "/silent"])
def test_a_slow_https_server_is_cut_off_at_the_deadline(tls_server: _PhotoServer, tls_files: tuple[Path, Path],
                                                        monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))
    images = resolver()
    url = https_url(tls_server, path + "?tls")
    elapsed = timed(lambda: images.resolve(Image(url)))
    assert elapsed < TIMEOUT + SLACK
    assert len(images.problems) == 1 and url in images.problems[0] and "timed out" in images.problems[0]


def test_the_cli_build_against_misbehaving_servers_keeps_every_story_valid(
        photo_server: _PhotoServer, tmp_path: Path) -> None:
    """As a user runs it: the command line, a config file, then the official checkers on what it wrote."""
    import subprocess
    import sys

    from conftest import run_checker

    source = tmp_path / "input"
    source.mkdir()
    cases = {f"story-{n}": url_of(photo_server, f"{path}?cli") for n, path in enumerate(BUILD_CASES)}
    cases["story-good"] = url_of(photo_server, "/good.jpg?cli")
    for slug, url in cases.items():
        _write_story(source, slug, url, f"Caption of {slug} & <friends>.")
    (tmp_path / "syndicate.toml").write_text(
        'title = "Harbour Gazette"\nauthor = "Newsroom"\nbase_url = "https://news.example.com/"\n'
        "allow_local_hosts = true\n", encoding="utf-8")
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "syndicate", "build", "input", "output", "--jobs", "2"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    assert elapsed < 15, f"{elapsed:.1f} s"
    assert "Traceback" not in run.stderr and "\x1b" not in run.stderr
    for slug, url in cases.items():
        lines = [line for line in run.stderr.splitlines() if url in line]
        assert len(lines) == (0 if slug == "story-good" else 1), (slug, run.stderr)
        if lines:
            assert lines[0].startswith(f"syndicate: warning: {slug}.txt: image {url}: ")
        assert f"Caption of {slug} &amp; &lt;friends&gt;." in _book_text(tmp_path / "output" / "epub" / f"{slug}.epub")
    books = sorted((tmp_path / "output" / "epub").glob("*.epub")) + [tmp_path / "output" / "edition.epub"]
    checked = run_checker("validate_epub.py", *books)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    feed = run_checker("validate_feed.py", tmp_path / "output" / "rss.xml", "--url", "https://news.example.com/rss.xml")
    assert feed.returncode == 0, feed.stdout + feed.stderr
    assert not [p for p in (tmp_path / "output").rglob("*") if p.suffix == ".img" or "cache" in p.parts]
