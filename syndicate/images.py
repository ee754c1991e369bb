"""The one image resolver and normaliser every exporter shares.

:class:`ImageResolver` turns a story's :class:`~syndicate.model.Image` (a path
under the input folder, or an ``http(s)`` URL) into a :class:`ResolvedImage`
an e-reader can show: orientation applied, EXIF/GPS/XMP metadata stripped,
CMYK made RGB, scaled down to ``max_size`` on the long side, and in a format
every reader handles (JPEG, PNG or GIF). An image that cannot be had (missing,
corrupt, a decompression bomb, too large, a 404, too slow, a redirect loop,
remote while offline, outside the input folder) resolves to ``None`` and one
line naming its ``src`` and the reason is added to :attr:`ImageResolver.problems`;
the figure then keeps its caption and credit without a picture.

Results are memoised per resolver, so an edition and the per-story books of a
build normalise each photo once. Everything is deterministic: fixed encoder
settings, no timestamps; a remote image is cached on disk under the SHA-256
of its URL when ``cache_dir`` is given.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, cast

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from .atomic import atomic_write
from .model import Image

__all__ = ["ImageResolver", "ResolvedImage", "ImageProblem", "published_name"]


def published_name(src: str, resolved: ResolvedImage) -> str:
    """The file name a local photo is published under (in ``images/``): its own name, made URL-safe, plus
    a hash of the published bytes and the published format's extension (``Quay at dawn.webp`` published
    as JPEG is ``quay-at-dawn-3f2a9c01d4.jpg``). Two different photos never share a name, the same photo
    used by several stories is published once, and a changed photo gets a new URL (caches never serve
    a stale one)."""
    stem = re.sub(r"[^a-z0-9]+", "-", os.path.splitext(os.path.basename(src))[0].lower()).strip("-") or "photo"
    return f"{stem[:60]}-{hashlib.sha256(resolved.data).hexdigest()[:10]}{resolved.extension}"


_USER_AGENT = "syndicate/0.1 (+image fetch for e-books and feeds)"
_CHUNK = 64 * 1024
_REDIRECT_CODES = (301, 302, 303, 307, 308)


class ImageProblem(Exception):
    """Why one image could not be resolved (caught inside the resolver, reported in ``problems``)."""


@dataclass(frozen=True)
class ResolvedImage:
    """A photo ready to embed: its bytes, media type, pixel size and file extension (with the dot)."""

    data: bytes
    media_type: str
    width: int
    height: int
    extension: str


@dataclass(frozen=True)
class _Output:
    """How a kept or written format is declared in a book: its media type and file extension."""

    media_type: str
    extension: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let 3xx responses through as errors so the resolver counts and checks every hop itself."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


class ImageResolver:
    """Resolve and normalise story images for the exporters; see the module docstring.

    ``root`` is the folder local ``src`` paths are relative to (default: the
    current folder); a path may not leave it (``..``, absolute paths and
    symlinks pointing outside are refused). ``offline`` refuses network
    fetches (a copy already in ``cache_dir`` is still used). ``timeout`` is
    the total time one remote image may take, redirects included. Hosts on
    this machine or its link-local network are refused unless
    ``allow_local_hosts`` (tests, a photo server on the same host).
    """

    #: Formats every EPUB reader shows (EPUB 3 core media types), kept as they are when nothing needs changing.
    KEEP: ClassVar[dict[str, _Output]] = {
        "JPEG": _Output("image/jpeg", ".jpg"),
        "PNG": _Output("image/png", ".png"),
        "GIF": _Output("image/gif", ".gif"),
    }
    #: Formats Pillow may open at all: photos as newsrooms get them (no SVG, no exotic or scriptable formats).
    ACCEPTED: ClassVar[tuple[str, ...]] = ("JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP")
    #: Per format, the ``info`` keys that carry nothing private (anything else forces a clean re-encode).
    HARMLESS_INFO: ClassVar[dict[str, frozenset[str]]] = {
        "JPEG": frozenset({"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive",
                           "progression", "icc_profile", "adobe", "adobe_transform"}),
        "PNG": frozenset({"dpi", "gamma", "transparency", "icc_profile", "srgb", "chromaticity", "aspect"}),
        "GIF": frozenset({"version", "background", "transparency", "duration", "loop", "extension"}),
    }
    #: Modes a JPEG / PNG / GIF may keep as they are.
    PLAIN_MODES: ClassVar[dict[str, frozenset[str]]] = {
        "JPEG": frozenset({"RGB", "L"}),
        "PNG": frozenset({"RGB", "RGBA", "L", "LA", "P"}),
        "GIF": frozenset({"P", "L"}),
    }
    JPEG_QUALITY: ClassVar[int] = 85
    #: Bump when normalisation changes, so the on-disk cache of normalised photos is not reused.
    CACHE_VERSION: ClassVar[int] = 1
    #: How many resolved photos one resolver keeps in memory (an edition reuses the per-story books' photos).
    MEMO_SIZE: ClassVar[int] = 256
    PNG_COMPRESS_LEVEL: ClassVar[int] = 6

    def __init__(
        self,
        root: str | Path | None = None,
        *,
        offline: bool = False,
        cache_dir: str | Path | None = None,
        max_size: int = 1600,
        timeout: float = 10.0,
        max_bytes: int = 20 * 1024 * 1024,
        max_redirects: int = 5,
        max_pixels: int = 40_000_000,
        allow_local_hosts: bool = False,
    ) -> None:
        self.root = Path(root) if root is not None else Path(".")
        self.offline = offline
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.max_size = max_size
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.max_pixels = max_pixels
        self.allow_local_hosts = allow_local_hosts
        self.problems: list[str] = []
        # Bounded, so a build of thousands of stories keeps memory flat (the disk cache holds the rest).
        self._memo: OrderedDict[tuple[Any, ...], ResolvedImage | None] = OrderedDict()
        self._root_resolved: Path | None = None
        self._opener = urllib.request.build_opener(_NoRedirect())

    # ------------------------------------------------------------ public API

    def resolve(self, image: Image) -> ResolvedImage | None:
        """The normalised photo, or None (and one line in :attr:`problems`) when it is not available."""
        try:
            key = self._memo_key(image)
        except ImageProblem as problem:
            self._fail(("bad", image.src), image, problem)
            return None
        if key in self._memo:
            self._memo.move_to_end(key)
            return self._memo[key]
        resolved = self._load_normalised(key)
        if resolved is None:
            try:
                data = self._fetch(image) if image.is_remote else self._read_local(image)
                resolved = self.normalise(data)
            except ImageProblem as problem:
                self._fail(key, image, problem)
                return None
            self._save_normalised(key, resolved)
        self._remember(key, resolved)
        return resolved

    def published(self, image: Image) -> Image | None:
        """The photo as a build publishes it, for exporters that link rather than embed photos.

        A remote photo is linked where it is. A local one is published
        normalised (see :func:`published_name`), so its record gets the
        published path, media type and size; None (and a line in
        :attr:`problems`) when it cannot be used, so nobody links a photo
        that is not there.
        """
        if image.is_remote:
            return image
        resolved = self.resolve(image)
        if resolved is None:
            return None
        return Image(published_name(image.src, resolved), resolved.media_type, resolved.width, resolved.height)

    def normalise(self, data: bytes) -> ResolvedImage:
        """Check and normalise image bytes for e-readers; raises :class:`ImageProblem` when unusable."""
        with warnings.catch_warnings():
            # Pillow's own bomb check is a global setting; ours is per resolver, checked below.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            try:
                with PILImage.open(io.BytesIO(data), formats=self.ACCEPTED) as im:
                    self._check_size(im)
                    im.load()  # decodes everything: a truncated or corrupt file fails here
                    if self._can_keep(im):
                        out = self.KEEP[im.format or ""]
                        return ResolvedImage(data, out.media_type, im.width, im.height, out.extension)
                    return self._reencode(im)
            except ImageProblem:
                raise
            except UnidentifiedImageError:
                raise ImageProblem("not an image in a supported format (JPEG, PNG, GIF, WebP, TIFF, BMP)") from None
            except PILImage.DecompressionBombError as exc:
                raise ImageProblem(f"decompression bomb refused ({exc})") from None
            except (OSError, ValueError, SyntaxError, EOFError) as exc:
                raise ImageProblem(f"corrupt image ({exc})") from None

    # ------------------------------------------------------------ memo and problems

    def _remember(self, key: tuple[Any, ...], resolved: ResolvedImage | None) -> None:
        self._memo[key] = resolved
        if len(self._memo) > self.MEMO_SIZE:
            self._memo.popitem(last=False)

    def _memo_key(self, image: Image) -> tuple[Any, ...]:
        if image.is_remote:
            return ("url", image.src)
        path = self._local_path(image.src)
        try:
            st = path.stat()
        except OSError:
            return ("missing", str(path))
        return ("file", str(path), st.st_mtime_ns, st.st_size)

    def _fail(self, key: tuple[Any, ...], image: Image, problem: ImageProblem) -> None:
        """Memoise the failure and report it once per resolver."""
        message = f"image {image.src}: {problem}"
        if message not in self.problems:
            self.problems.append(message)
        self._remember(key, None)
        return None

    # ------------------------------------------------------------ the on-disk cache of normalised photos

    def _normalised_path(self, key: tuple[Any, ...]) -> Path | None:
        """Where the normalised result for ``key`` (and these settings) is kept, when there is a cache folder.

        Builds re-run every few minutes and each worker process has its own
        memo, so decoding and re-encoding every photo again would dominate a
        rebuild; the key holds the file's size and mtime, so an edited photo
        is normalised afresh.
        """
        if self.cache_dir is None or key[0] not in ("file", "url"):
            return None
        digest = hashlib.sha256(repr((key, self.max_size, self.max_pixels, self.CACHE_VERSION)).encode()).hexdigest()
        return self.cache_dir / "normalised" / digest

    def _load_normalised(self, key: tuple[Any, ...]) -> ResolvedImage | None:
        path = self._normalised_path(key)
        if path is None:
            return None
        try:
            header, _, data = path.read_bytes().partition(b"\n")
            media_type, width, height, extension = header.decode("ascii").split(" ")
            return ResolvedImage(data, media_type, int(width), int(height), extension)
        except (OSError, ValueError):
            return None  # not cached yet, or a damaged entry: normalise again

    def _save_normalised(self, key: tuple[Any, ...], resolved: ResolvedImage) -> None:
        path = self._normalised_path(key)
        if path is None:
            return
        header = f"{resolved.media_type} {resolved.width} {resolved.height} {resolved.extension}\n".encode("ascii")
        atomic_write(path, header + resolved.data)

    # ------------------------------------------------------------ local files

    def _local_path(self, src: str) -> Path:
        """The file ``src`` names under :attr:`root`; refuses anything that leaves it."""
        parsed = urllib.parse.urlsplit(src)
        if parsed.scheme and len(parsed.scheme) > 1:  # one letter would be a Windows drive, refused below
            raise ImageProblem(f"unsupported URL scheme {parsed.scheme!r} (only http, https or a relative path)")
        relative = Path(src)
        if relative.is_absolute() or src.startswith(("/", "\\")) or relative.drive:
            raise ImageProblem("absolute paths are refused: image paths are relative to the input folder")
        if ".." in relative.parts or ".." in src.replace("\\", "/").split("/"):
            raise ImageProblem("path leaves the input folder ('..')")
        root = self._real_root()
        path = Path(os.path.realpath(root / relative))  # follows symlinks: a link pointing outside is caught here
        if path != root and root not in path.parents:
            raise ImageProblem("path leaves the input folder (symlink)")
        return path

    def _real_root(self) -> Path:
        if self._root_resolved is None:
            self._root_resolved = Path(os.path.realpath(self.root))
        return self._root_resolved

    def _read_local(self, image: Image) -> bytes:
        path = self._local_path(image.src)
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise ImageProblem("not a file")
            if size > self.max_bytes:
                raise ImageProblem(f"file too large ({size} bytes, limit {self.max_bytes})")
            return path.read_bytes()
        except FileNotFoundError:
            raise ImageProblem("file not found") from None
        except OSError as exc:
            raise ImageProblem(f"cannot read file ({exc.strerror or exc})") from None

    # ------------------------------------------------------------ remote images

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".img")

    def _fetch(self, image: Image) -> bytes:
        """The bytes of a remote image: from the disk cache, else fetched (unless offline) and cached."""
        cached = self._cache_path(image.src)
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        if self.offline:
            raise ImageProblem("remote image not fetched: offline")
        data = self._download(image.src)
        if cached is not None:
            atomic_write(cached, data)
        return data

    def _download(self, url: str) -> bytes:
        """GET ``url`` following at most :attr:`max_redirects` redirects, all within :attr:`timeout` seconds."""
        deadline = time.monotonic() + self.timeout
        seen = {url}
        for _hop in range(self.max_redirects + 1):
            _check_scheme(url)
            if not self.allow_local_hosts:
                _check_host(url)
            location = self._get_once(url, deadline)
            if isinstance(location, bytes):
                return location
            if location in seen:
                raise ImageProblem(f"redirect loop (back to {location})")
            seen.add(location)
            url = location
        raise ImageProblem(f"too many redirects (more than {self.max_redirects})")

    def _get_once(self, url: str, deadline: float) -> bytes | str:
        """One request: the body, or the next URL when redirected."""
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT, "Accept": "image/*"})
        try:
            response = self._opener.open(request, timeout=_remaining(deadline))
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code in _REDIRECT_CODES and exc.headers.get("Location"):
                    return urllib.parse.urljoin(url, exc.headers["Location"])
                raise ImageProblem(f"HTTP {exc.code} {exc.reason}") from None
        except TimeoutError:
            raise ImageProblem(f"timed out after {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise ImageProblem(f"timed out after {self.timeout:g} s") from None
            raise ImageProblem(f"cannot fetch ({reason})") from None
        with response:
            return self._read_body(response, deadline)

    def _read_body(self, response: Any, deadline: float) -> bytes:
        """Stream the body, stopping at :attr:`max_bytes` and at the deadline (a slow drip is cut off)."""
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise ImageProblem(f"too large ({declared} bytes declared, limit {self.max_bytes})")
        sock = _socket_of(response)
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                if sock is not None:  # each wait is bounded by what is left of the total time
                    sock.settimeout(_remaining(deadline))
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > self.max_bytes:
                    raise ImageProblem(f"too large (over {self.max_bytes} bytes)")
                chunks.append(chunk)
                if time.monotonic() >= deadline:
                    raise TimeoutError
        except (TimeoutError, ImageProblem) as exc:
            if isinstance(exc, ImageProblem):
                raise
            raise ImageProblem(f"timed out after {self.timeout:g} s") from None
        except OSError as exc:
            raise ImageProblem(f"connection failed while reading ({exc})") from None
        return b"".join(chunks)

    # ------------------------------------------------------------ normalisation

    def _check_size(self, im: PILImage.Image) -> None:
        """Refuse images whose declared pixel count would exhaust memory, before decoding them."""
        width, height = im.size
        if width < 1 or height < 1:
            raise ImageProblem(f"corrupt image (size {width}x{height})")
        if width * height > self.max_pixels:
            raise ImageProblem(f"decompression bomb refused ({width}x{height} pixels, limit {self.max_pixels})")

    def _can_keep(self, im: PILImage.Image) -> bool:
        """True when the original bytes can go into the book untouched (saves a lossy re-encode)."""
        fmt = im.format or ""
        if fmt not in self.KEEP or im.mode not in self.PLAIN_MODES[fmt]:
            return False
        if max(im.size) > self.max_size:
            return False
        if not set(im.info) <= self.HARMLESS_INFO[fmt]:  # EXIF (GPS, orientation), XMP, comments, text chunks
            return False
        return not getattr(im, "is_animated", False) or fmt == "GIF"

    def _reencode(self, im: PILImage.Image) -> ResolvedImage:
        """Rotate upright, make RGB(A), scale down and write a clean JPEG or PNG with fixed settings."""
        source_format = im.format or ""
        icc = im.info.get("icc_profile") if im.mode in ("RGB", "RGBA", "L", "LA") else None
        im = ImageOps.exif_transpose(im) or im
        im = _plain_mode(im)
        if max(im.size) > self.max_size:
            scale = self.max_size / max(im.size)
            size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
            im = im.resize(size, PILImage.Resampling.LANCZOS)
        has_alpha = im.mode in ("RGBA", "LA")
        target = "PNG" if has_alpha or source_format in ("PNG", "GIF") else "JPEG"
        buffer = io.BytesIO()
        if target == "JPEG":
            im.save(buffer, "JPEG", quality=self.JPEG_QUALITY, optimize=False, progressive=False,
                    **({"icc_profile": icc} if icc else {}))
        else:
            im.save(buffer, "PNG", compress_level=self.PNG_COMPRESS_LEVEL, optimize=False,
                    **({"icc_profile": icc} if icc else {}))
        out = self.KEEP[target]
        return ResolvedImage(buffer.getvalue(), out.media_type, im.width, im.height, out.extension)


def _plain_mode(im: PILImage.Image) -> PILImage.Image:
    """RGB or L, with alpha (RGBA / LA) only when the image really has transparency."""
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA"):
        lowest_alpha = cast(tuple[int, int], im.getchannel("A").getextrema())[0]
        return im if lowest_alpha < 255 else im.convert(im.mode[:-1])
    if im.mode in ("P", "PA") or "transparency" in im.info:
        return _plain_mode(im.convert("RGBA"))
    if im.mode == "1":
        return im.convert("L")
    if im.mode.startswith("I"):  # 16/32-bit greyscale: scale into 8 bits
        return im.point(lambda v: v / 256).convert("L") if im.mode != "I" else im.convert("L")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV, F


def _check_host(url: str) -> None:
    """Refuse a URL whose host is this machine or its link-local network (cloud metadata services live
    there): an input must not make the build probe services that trust their neighbours."""
    parsed = urllib.parse.urlsplit(url)
    try:
        infos = socket.getaddrinfo(parsed.hostname or "", parsed.port or 0, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ImageProblem(f"cannot resolve host {parsed.hostname!r} ({exc})") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address.is_loopback or address.is_link_local or address.is_unspecified or address.is_multicast:
            raise ImageProblem(f"refused: {parsed.hostname} is a local address ({address})")


def _check_scheme(url: str) -> None:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise ImageProblem(f"refused to fetch a {scheme or 'schemeless'} URL (only http and https)")


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _socket_of(response: Any) -> Any:
    """The socket under an ``http.client`` response, so each read can be given the remaining time.

    ``urllib`` only offers a per-operation timeout, which a server dripping a
    byte a second never trips; the standard library has no public handle on
    the socket, hence the guarded attribute walk (None when it changes).
    """
    raw = getattr(getattr(response, "fp", None), "raw", None)
    return getattr(raw, "_sock", None)
