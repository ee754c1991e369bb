"""The shared image resolver: local files confined to the input folder, remote images fetched with limits,
every photo normalised for e-readers (upright, no EXIF/GPS, RGB, at most max_size px), bad ones reported."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image as PILImage
from storygen import draw_image

from syndicate.images import ImageResolver, ResolvedImage
from syndicate.model import Image

# ---------------------------------------------------------------- helpers shared with tests/exporters/test_epub.py


def jpeg_bytes(size: tuple[int, int] = (120, 80), colour: tuple[int, int, int] = (200, 30, 30), **save: object) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "JPEG", quality=90, **save)
    return buffer.getvalue()


def exif_rotated_jpeg(path: Path) -> None:
    """A 300x200 JPEG, left half red and right half blue, tagged Orientation 6 (shown rotated 90° clockwise),
    carrying a GPS position (Gdańsk) that must not reach any output."""
    im = PILImage.new("RGB", (300, 200), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 150, 200))
    exif = PILImage.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x010F] = "TestCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (54.0, 21.0, 0.0)
    gps[3] = "E"
    gps[4] = (18.0, 39.0, 0.0)
    im.save(path, "JPEG", quality=90, exif=exif.tobytes())


def png_bomb_bytes(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (2.7 GB of RGB once decoded)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


GOOD_JPEG = jpeg_bytes((160, 90), (20, 140, 60))
HUGE_SIZE = 300_000  # bigger than the tests' max_bytes


class _ImageHandler(BaseHTTPRequestHandler):
    """Serves the cases a newsroom meets: a good photo, a slow drip, a huge file, a redirect loop, a 404."""

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        routes = {
            "/good.jpg": self._good, "/slow.jpg": self._slow, "/huge.jpg": self._huge,
            "/huge-undeclared.jpg": self._huge_undeclared, "/loop-a": self._loop, "/loop-b": self._loop,
            "/hop.jpg": self._hop,
        }
        routes.get(self.path, self._missing)()

    def _good(self) -> None:
        self._send(200, GOOD_JPEG, {"Content-Type": "image/jpeg"})

    def _hop(self) -> None:
        self._send(302, b"", {"Location": "/good.jpg"})

    def _slow(self) -> None:
        """Headers at once, then a byte every 50 ms: every read succeeds, only a total limit stops it."""
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(GOOD_JPEG)))
        self.end_headers()
        try:
            for i in range(len(GOOD_JPEG)):
                self.wfile.write(GOOD_JPEG[i:i + 1])
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:  # the client hung up, as it should
            pass

    def _huge(self) -> None:
        self._send(200, b"\xff" * HUGE_SIZE, {"Content-Type": "image/jpeg"})

    def _huge_undeclared(self) -> None:
        """No Content-Length: only counting while streaming catches it."""
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for _ in range(HUGE_SIZE // 10_000):
                self.wfile.write(b"\xff" * 10_000)
        except OSError:
            pass
        self.close_connection = True

    def _loop(self) -> None:
        self._send(302, b"", {"Location": "/loop-b" if self.path == "/loop-a" else "/loop-a"})

    def _missing(self) -> None:
        self._send(404, b"not here", {"Content-Type": "text/plain"})

    def _send(self, code: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


class ImageServer:
    """A real HTTP server on 127.0.0.1 in a thread (``with ImageServer() as base_url: ...``)."""

    def __enter__(self) -> str:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _ImageHandler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with ImageServer() as base_url:
        yield base_url


# ---------------------------------------------------------------- local files


def test_a_clean_jpeg_is_kept_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "clean.jpg").write_bytes(GOOD_JPEG)
    resolved = ImageResolver(tmp_path).resolve(Image("clean.jpg"))
    assert resolved == ResolvedImage(GOOD_JPEG, "image/jpeg", 160, 90, ".jpg")


def test_orientation_is_applied_and_exif_with_gps_stripped(tmp_path: Path) -> None:
    exif_rotated_jpeg(tmp_path / "phone.jpg")
    assert b"TestCam" in (tmp_path / "phone.jpg").read_bytes()  # the fixture really carries EXIF
    resolver = ImageResolver(tmp_path)
    resolved = resolver.resolve(Image("phone.jpg"))
    assert resolved is not None and resolver.problems == []
    assert (resolved.width, resolved.height) == (200, 300)  # portrait once upright
    out = PILImage.open(io.BytesIO(resolved.data))
    assert out.size == (200, 300) and out.format == "JPEG"
    assert not out.getexif() and "exif" not in out.info
    assert b"Exif" not in resolved.data and b"TestCam" not in resolved.data
    # rotated 90° clockwise: the left (red) half is now on top, the right (blue) half at the bottom
    top, bottom = out.convert("RGB").getpixel((100, 40)), out.convert("RGB").getpixel((100, 260))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_cmyk_becomes_rgb(tmp_path: Path) -> None:
    draw_image(tmp_path / "print.jpg", "CMYK", (120, 90), 3)
    assert PILImage.open(tmp_path / "print.jpg").mode == "CMYK"
    resolved = ImageResolver(tmp_path).resolve(Image("print.jpg"))
    assert resolved is not None and resolved.media_type == "image/jpeg"
    assert PILImage.open(io.BytesIO(resolved.data)).mode == "RGB"


@pytest.mark.parametrize(("fmt", "mode", "media_type"), [
    ("WEBP", "RGB", "image/jpeg"), ("WEBP", "RGBA", "image/png"), ("TIFF", "RGB", "image/jpeg"),
    ("BMP", "RGB", "image/jpeg"),
])
def test_formats_readers_lack_become_jpeg_or_png(tmp_path: Path, fmt: str, mode: str, media_type: str) -> None:
    im = PILImage.new(mode, (64, 48), (10, 200, 90, 128)[: len(mode)])
    im.save(tmp_path / "pic.bin", fmt)
    resolved = ImageResolver(tmp_path).resolve(Image("pic.bin"))
    assert resolved is not None and resolved.media_type == media_type
    out = PILImage.open(io.BytesIO(resolved.data))
    assert out.format == media_type.split("/")[1].upper() and out.size == (64, 48)
    assert ("A" in out.mode) == (mode == "RGBA")


def test_gif_is_kept(tmp_path: Path) -> None:
    draw_image(tmp_path / "chart.gif", "GIF", (80, 60), 1)
    resolved = ImageResolver(tmp_path).resolve(Image("chart.gif"))
    assert resolved is not None and resolved.media_type == "image/gif"
    assert resolved.data == (tmp_path / "chart.gif").read_bytes()


def test_large_images_are_scaled_to_max_size(tmp_path: Path) -> None:
    PILImage.new("RGB", (3000, 1000), (1, 2, 3)).save(tmp_path / "wide.png")
    resolved = ImageResolver(tmp_path, max_size=1600).resolve(Image("wide.png"))
    assert resolved is not None and (resolved.width, resolved.height) == (1600, 533)
    assert PILImage.open(io.BytesIO(resolved.data)).size == (1600, 533)
    assert resolved.media_type == "image/png"  # a PNG stays lossless


def test_normalising_is_deterministic(tmp_path: Path) -> None:
    exif_rotated_jpeg(tmp_path / "phone.jpg")
    first = ImageResolver(tmp_path).resolve(Image("phone.jpg"))
    second = ImageResolver(tmp_path).resolve(Image("phone.jpg"))
    assert first is not None and first == second


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bomb.png").write_bytes(png_bomb_bytes())
    resolver = ImageResolver(tmp_path)
    assert resolver.resolve(Image("bomb.png")) is None
    assert len(resolver.problems) == 1
    assert "bomb.png" in resolver.problems[0] and "decompression bomb" in resolver.problems[0]


@pytest.mark.parametrize(("content", "reason"), [
    (GOOD_JPEG[: len(GOOD_JPEG) // 2], "corrupt"),
    (b"this is not an image at all" * 10, "not an image"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not an image"),
])
def test_corrupt_and_unsupported_files_are_reported(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "bad.jpg").write_bytes(content)
    resolver = ImageResolver(tmp_path)
    assert resolver.resolve(Image("bad.jpg")) is None
    assert resolver.problems and "bad.jpg" in resolver.problems[0] and reason in resolver.problems[0]


def test_missing_file_is_reported_once(tmp_path: Path) -> None:
    resolver = ImageResolver(tmp_path)
    assert resolver.resolve(Image("gone.jpg")) is None
    assert resolver.resolve(Image("gone.jpg")) is None
    assert resolver.problems == ["image gone.jpg: file not found"]


def test_oversized_local_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.jpg").write_bytes(GOOD_JPEG)
    resolver = ImageResolver(tmp_path, max_bytes=len(GOOD_JPEG) - 1)
    assert resolver.resolve(Image("big.jpg")) is None
    assert "too large" in resolver.problems[0]


@pytest.mark.parametrize("src", ["../../etc/passwd", "/etc/passwd", "photos/../../secret.jpg", "file:///etc/passwd"])
def test_paths_leaving_the_input_folder_are_refused(tmp_path: Path, src: str) -> None:
    root = tmp_path / "input"
    (root / "photos").mkdir(parents=True)
    (tmp_path / "secret.jpg").write_bytes(GOOD_JPEG)
    resolver = ImageResolver(root)
    assert resolver.resolve(Image(src)) is None
    assert len(resolver.problems) == 1 and src in resolver.problems[0]


def test_symlinks_pointing_outside_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "input"
    root.mkdir()
    (tmp_path / "secret.jpg").write_bytes(GOOD_JPEG)
    os.symlink(tmp_path / "secret.jpg", root / "innocent.jpg")
    resolver = ImageResolver(root)
    assert resolver.resolve(Image("innocent.jpg")) is None
    assert "leaves the input folder" in resolver.problems[0]


def test_resolved_images_are_memoised_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(GOOD_JPEG)
    resolver = ImageResolver(tmp_path)
    first = resolver.resolve(Image("photo.jpg"))
    assert first is not None and resolver.resolve(Image("photo.jpg")) is first
    path.write_bytes(jpeg_bytes((50, 50)))
    os.utime(path, ns=(1, 1))  # a different mtime whatever the file system's clock resolution
    second = resolver.resolve(Image("photo.jpg"))
    assert second is not None and (second.width, second.height) == (50, 50)


# ---------------------------------------------------------------- remote images


def test_a_good_remote_image_is_fetched_and_cached(server: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    resolver = ImageResolver(tmp_path, cache_dir=cache, timeout=5, allow_local_hosts=True)
    resolved = resolver.resolve(Image(f"{server}/good.jpg"))
    assert resolved is not None and resolved.data == GOOD_JPEG and resolver.problems == []
    key = hashlib.sha256(f"{server}/good.jpg".encode()).hexdigest()
    assert (cache / "downloads" / f"{key}.img").read_bytes() == GOOD_JPEG
    offline = ImageResolver(tmp_path, cache_dir=cache, offline=True)  # the cache serves it without the network
    assert offline.resolve(Image(f"{server}/good.jpg")) == resolved


def test_redirects_are_followed(server: str) -> None:
    resolver = ImageResolver(timeout=5, allow_local_hosts=True)
    resolved = resolver.resolve(Image(f"{server}/hop.jpg"))
    assert resolved is not None and resolved.data == GOOD_JPEG


def test_offline_refuses_fetching(server: str) -> None:
    resolver = ImageResolver(offline=True)
    assert resolver.resolve(Image(f"{server}/good.jpg")) is None
    assert "offline" in resolver.problems[0] and "good.jpg" in resolver.problems[0]


@pytest.mark.parametrize(("path", "reason"), [
    ("/missing.jpg", "HTTP 404"),
    ("/loop-a", "redirect"),
    ("/huge.jpg", "too large"),
    ("/huge-undeclared.jpg", "too large"),
])
def test_bad_remote_images_are_reported(server: str, path: str, reason: str) -> None:
    resolver = ImageResolver(timeout=5, max_bytes=100_000, allow_local_hosts=True)
    assert resolver.resolve(Image(server + path)) is None
    assert len(resolver.problems) == 1
    assert path in resolver.problems[0] and reason in resolver.problems[0]


def test_a_slow_drip_is_cut_off_at_the_total_time_limit(server: str) -> None:
    resolver = ImageResolver(timeout=1.0, allow_local_hosts=True)
    started = time.monotonic()
    assert resolver.resolve(Image(f"{server}/slow.jpg")) is None
    elapsed = time.monotonic() - started
    assert "timed out" in resolver.problems[0]
    assert elapsed < 2.0, f"took {elapsed:.1f} s for a 1 s limit"  # the whole drip would take about 40 s


def test_an_unreachable_host_is_reported() -> None:
    resolver = ImageResolver(timeout=2, allow_local_hosts=True)
    assert resolver.resolve(Image("http://127.0.0.1:9/nothing.jpg")) is None  # port 9 (discard): refused
    assert "cannot fetch" in resolver.problems[0]


def test_normalised_photos_are_cached_on_disk_until_the_file_changes(tmp_path: Path) -> None:
    """A build's workers and its edition share normalised photos through the cache folder."""
    root, cache = tmp_path / "in", tmp_path / "cache"
    root.mkdir()
    draw_image(root / "a.webp", "WEBP", (300, 200), 1)  # WebP is re-encoded: the costly case
    first = ImageResolver(root, cache_dir=cache).resolve(Image("a.webp"))
    assert first is not None and first.media_type in ("image/jpeg", "image/png")
    entries = list((cache / "normalised").iterdir())
    assert len(entries) == 1
    # A new resolver (another process, the next run) takes the cached result: prove it by planting a marker.
    header, _, _ = entries[0].read_bytes().partition(b"\n")
    entries[0].write_bytes(header + b"\n" + b"from the cache")
    again = ImageResolver(root, cache_dir=cache).resolve(Image("a.webp"))
    assert again is not None and again.data == b"from the cache"
    # An edited photo (new size and mtime) is normalised afresh.
    draw_image(root / "a.webp", "WEBP", (320, 200), 2)
    edited = ImageResolver(root, cache_dir=cache).resolve(Image("a.webp"))
    assert edited is not None and edited.width == 320 and edited.data != b"from the cache"
    # A damaged entry is ignored, never trusted.
    for entry in (cache / "normalised").iterdir():
        entry.write_bytes(b"garbage")
    assert ImageResolver(root, cache_dir=cache).resolve(Image("a.webp")) == edited


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/a.jpg", "http://localhost/a.jpg", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]/a.jpg", "http://0.0.0.0/a.jpg"])
def test_hosts_on_this_machine_or_its_link_local_network_are_refused(url: str, server: str) -> None:
    """An input must not make the build probe local services (a cloud metadata endpoint, an admin port)."""
    resolver = ImageResolver(timeout=2)
    assert resolver.resolve(Image(url)) is None
    assert len(resolver.problems) == 1 and "local address" in resolver.problems[0]
    # the same server is reachable once local hosts are allowed (proving the refusal is the check, not the network)
    assert ImageResolver(timeout=2).resolve(Image(server + "/good.jpg")) is None
    assert ImageResolver(timeout=2, allow_local_hosts=True).resolve(Image(server + "/good.jpg")) is not None

