"""The one image resolver and normaliser every exporter shares.

:class:`ImageResolver` turns a story's :class:`~syndicate.model.Image` (a path
under the story's folder, or an ``http(s)`` URL) into a :class:`ResolvedImage`
an e-reader can show: orientation applied, EXIF/GPS/XMP metadata stripped,
CMYK made RGB, scaled down to ``max_size`` on the long side, and in a format
every reader handles (JPEG, PNG or GIF). A photo that is already right (a
plain JPEG, PNG or GIF within ``max_size``, carrying nothing private) keeps
its bytes, and its pixels are never decoded: its headers and segment list
say all that is needed.

An image that cannot be had (missing, corrupt, a decompression bomb, too
large, a 404, too slow, broken HTTP, not an image, remote while offline,
outside the story's folder) resolves to ``None`` and one line naming its
``src`` and the reason is added to :attr:`ImageResolver.problems`; the figure
then keeps its caption and credit without a picture. No exception from a
photo ever escapes the resolver: one bad photo never costs a story.

Each photo is located, stat-ed, read, checked, normalised and hashed once per
resolver (a build keeps one per process), keyed by its path and its
``stat`` (size, mtime, inode), so a photo edited during a run is seen. A
remote photo is fetched at most once per resolver (see :mod:`syndicate.fetch`
for the deadline that bounds every fetch); a failed fetch is remembered for
the resolver's life, so its wait is not paid twice, and is never recorded on
disk, so the next run (a new resolver) tries again: :attr:`failed_sources`
tells a build which stories to retry.

With ``cache_dir`` (a build puts it in its state folder, never in the
published output), normalised photos that had to be re-encoded and remote
photos are kept on disk for the next run, under ``normalised/`` and
``downloads/``; only bytes that were accepted as an image are ever stored.
Everything is deterministic: fixed encoder settings, no timestamps.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from .atomic import atomic_write
from .model import Image

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from .model import Story

__all__ = ["ImageResolver", "ResolvedImage", "ImageProblem", "published_name", "forget_published_records",
           "DRAWN_FOLDER"]

#: the cache folder of :meth:`ImageResolver.drawn`'s pictures: one file a slot, so a build keeps it whole
DRAWN_FOLDER = "drawn"


def published_name(src: str, resolved: ResolvedImage) -> str:
    """The file name a local photo is published under (in ``images/``): its own name, made URL-safe, plus
    a hash of the published bytes and the published format's extension (``Quay at dawn.webp`` published
    as JPEG is ``quay-at-dawn-3f2a9c01d4.jpg``). Two different photos never share a name, the same photo
    used by several stories is published once, and a changed photo gets a new URL (caches never serve
    a stale one)."""
    stem = re.sub(r"[^a-z0-9]+", "-", os.path.splitext(os.path.basename(src))[0].lower()).strip("-") or "photo"
    return f"{stem[:60]}-{resolved.digest[:10]}{resolved.extension}"


class ImageProblem(Exception):
    """Why one image could not be resolved (caught inside the resolver, reported in ``problems``).

    ``retry`` is True for a remote photo whose failure a later run may not
    meet (a timeout, a server error, a broken or wrong download).
    """

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class ResolvedImage:
    """A photo ready to embed: its bytes, media type, pixel size, file extension (with the dot), and
    whether it moves (an animated GIF: a book must not declare it free of flashing hazards)."""

    data: bytes
    media_type: str
    width: int
    height: int
    extension: str
    animated: bool = False

    @cached_property
    def digest(self) -> str:
        """SHA-256 of :attr:`data`, hex; computed once (the resolver hands out the same object every time)."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class _Output:
    """How a kept or written format is declared in a book: its media type and file extension."""

    media_type: str
    extension: str


@dataclass(frozen=True)
class _Located:
    """A local photo's real path and what its ``stat`` says now: the key to everything known about it."""

    path: str
    size: int
    mtime_ns: int
    inode: int

    @property
    def key(self) -> tuple[Any, ...]:
        return ("file", str(self.path), self.size, self.mtime_ns, self.inode)


_K = TypeVar("_K")
_V = TypeVar("_V")


class _Memo(Generic[_K, _V]):
    """A least-recently-used memo bounded by entries and by a cost (bytes), so a build of thousands of
    stories keeps memory flat; what falls out is found again on disk or recomputed."""

    def __init__(self, max_items: int, max_cost: int = 0, cost: Callable[[_V], int] = lambda _value: 0) -> None:
        self._items: OrderedDict[_K, _V] = OrderedDict()
        self._max_items = max_items
        self._max_cost = max_cost
        self._cost = cost
        self._total = 0

    def get(self, key: _K) -> _V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    @property
    def total(self) -> int:
        """The summed cost of the values held now."""
        return self._total

    def clear(self) -> None:
        self._items.clear()
        self._total = 0

    def put(self, key: _K, value: _V) -> None:
        if key in self._items:
            self._total -= self._cost(self._items.pop(key))
        self._items[key] = value
        self._total += self._cost(value)
        while len(self._items) > self._max_items or (self._max_cost and self._total > self._max_cost
                                                      and len(self._items) > 1):
            self._total -= self._cost(self._items.popitem(last=False)[1])


class ImageResolver:
    """Resolve and normalise story images for the exporters; see the module docstring.

    ``root`` is the folder local ``src`` paths are relative to (default: the
    current folder; :meth:`for_stories` takes the stories' own folder, and
    :meth:`resolve` and :meth:`published` accept a ``root`` per call); a path
    may not leave it (``..``, absolute paths and symlinks pointing outside are
    refused). ``offline`` refuses network fetches (a copy already in
    ``cache_dir`` is still used). ``timeout`` is the total time one remote
    image may take, every phase and redirect included; ``fetch_budget``, when
    set, is the total this resolver may spend fetching (a run meeting many
    slow servers stops fetching once it is spent, and the stories that lacked
    a photo are retried next run), so a cron job and its lock are held for a
    bounded time. Hosts on this machine or its link-local network are refused
    unless ``allow_local_hosts`` (tests, a photo server on the same host).
    ``note_kept`` notes in ``cache_dir`` each photo found fit to keep as it is
    (a header, no copy), so the next resolver takes its file without checking
    it or loading Pillow: for a process that resolves the same photos run
    after run (a build's feeds and edition), not one that meets each once.
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
    PNG_COMPRESS_LEVEL: ClassVar[int] = 6
    #: Bump when normalisation or the cache entry format changes, so older cache entries are not reused.
    CACHE_VERSION: ClassVar[int] = 2
    #: Bytes of resolved photos one resolver keeps in memory (a story's book, feeds and published copy
    #: reuse them; anything older is on disk or cheap to check again).
    MEMO_BYTES: ClassVar[int] = 32 * 1024 * 1024
    #: Entries of the small records (paths, published names, failures) one resolver keeps.
    MEMO_RECORDS: ClassVar[int] = 65_536

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
        fetch_budget: float | None = None,
        note_kept: bool = False,
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
        self.fetch_budget = fetch_budget
        self.note_kept = note_kept
        self.problems: list[str] = []
        self._fetch_seconds = 0.0  # spent fetching so far, against fetch_budget
        self._resolved: _Memo[tuple[Any, ...], ResolvedImage] = _Memo(
            self.MEMO_RECORDS, self.MEMO_BYTES, lambda resolved: len(resolved.data))
        self._published: _Memo[tuple[Any, ...], Image] = _Memo(self.MEMO_RECORDS)
        self._paths: _Memo[tuple[str, str], str | ImageProblem] = _Memo(self.MEMO_RECORDS)
        self._local_failures: _Memo[tuple[Any, ...], ImageProblem] = _Memo(self.MEMO_RECORDS)
        self._remote_failures: dict[str, ImageProblem] = {}  # every one, for the run: never fetched twice
        self._real_roots: dict[str, str] = {}
        self._folders: _Memo[str, str] = _Memo(self.MEMO_RECORDS)
        self._absolute_roots: dict[str | Path | None, str] = {}  # root as given -> absolute, for published()

    @classmethod
    def for_stories(cls, stories: Iterable[Story], **settings: Any) -> ImageResolver:
        """A resolver for these stories' photos, local paths taken relative to the folder the stories were
        read from (``Story.root``) when they share one and no ``root`` is given. Stories from several
        folders need ``root=story.root`` on each :meth:`resolve` / :meth:`published` call."""
        if settings.get("root") is None:
            roots = {story.root for story in stories} - {None}
            if len(roots) == 1:
                settings["root"] = roots.pop()
        return cls(**settings)

    # ------------------------------------------------------------ public API

    def resolve(self, image: Image, *, root: str | Path | None = None) -> ResolvedImage | None:
        """The normalised photo, or None (and one line in :attr:`problems`) when it is not available.

        ``root`` is the folder a local ``src`` is relative to for this call (default: :attr:`root`).
        """
        try:
            if image.is_remote:
                return self._resolve_remote(image.src)
            return self._resolve_local(self._locate(image.src, root))
        except ImageProblem as problem:
            self._report(image.src, problem)
            return None
        except Exception as exc:  # noqa: BLE001 - one bad photo must never cost its story
            self._report(image.src, _unexpected(exc))
            return None

    def published(self, image: Image, *, root: str | Path | None = None) -> Image | None:
        """The photo as a build publishes it, for exporters that link rather than embed photos.

        A remote photo is linked where it is. A local one is published
        normalised (see :func:`published_name`), so its record gets the
        published path, media type and size; None (and a line in
        :attr:`problems`) when it cannot be used, so nobody links a photo
        that is not there. After the first call for a photo in this process,
        by any resolver with the same settings, a call costs one ``stat`` (no
        path resolution, no reading, no hashing: see
        :data:`_PUBLISHED_RECORDS`); with a ``cache_dir``, the record is kept
        there too, so another process of the same build (the one writing the
        feeds) or the next run only reads it.
        """
        if image.is_remote:
            return image
        base = self._absolute_roots.get(root)
        if base is None:  # the table outlives a change of the current folder: absolute roots only
            base = self._absolute_roots[root] = os.path.abspath(self.root if root is None else root)
        seen = _stat_or_none(f"{base}{os.sep}{image.src}")  # the path as given (an absolute src never gets a record)
        if seen is not None:
            known = _PUBLISHED_RECORDS.get((base, image.src, seen, self._publishing_settings))
            if known is not None:  # published before in this process, and the file is unchanged: one stat
                return known
        try:
            located = self._locate(image.src, root)
            key = (*located.key, os.path.basename(image.src))  # the published name starts with the src's own
            known = self._published.get(key) or self._load_published(key)
            if known is None:
                resolved = self._resolve_local(located)
                known = Image(published_name(image.src, resolved), resolved.media_type, resolved.width,
                              resolved.height)
                self._save_published(key, known)
        except ImageProblem as problem:
            self._report(image.src, problem)
            return None
        except Exception as exc:  # noqa: BLE001 - one bad photo must never cost its story
            self._report(image.src, _unexpected(exc))
            return None
        self._published.put(key, known)
        if seen is not None and seen[1:] == (located.size, located.mtime_ns, located.inode):
            # the path as given reaches the very file just checked, so the same path and stat can skip the checks
            _PUBLISHED_RECORDS.put((base, image.src, seen, self._publishing_settings), known)
        return known

    @property
    def _publishing_settings(self) -> tuple[int, int, int]:
        """What besides the file decides its published record (the same as the cache entries' names)."""
        return (self.max_size, self.max_pixels, self.CACHE_VERSION)

    def normalise(self, data: bytes) -> ResolvedImage:
        """Check and normalise image bytes for e-readers; raises :class:`ImageProblem` when unusable.

        Bytes that can be kept are checked from their headers alone (see
        :meth:`_can_keep`); only photos that must change are decoded.
        """
        # Pillow loads here, with the first photo that must be checked: a build whose photos are all known
        # from the cache (an edit that keeps them) never imports it
        from PIL import Image as PILImage
        from PIL import UnidentifiedImageError

        with warnings.catch_warnings():
            # Pillow's own bomb check is a global setting; ours is per resolver, checked below.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            try:
                with PILImage.open(io.BytesIO(data), formats=self.ACCEPTED) as im:
                    self._check_size(im)
                    if self._can_keep(im, data):
                        out = self.KEEP[im.format or ""]
                        animated = bool(getattr(im, "is_animated", False))
                        return ResolvedImage(data, out.media_type, im.width, im.height, out.extension, animated)
                    im.load()  # decodes everything: a truncated or corrupt file fails here
                    return self._reencode(im)
            except ImageProblem:
                raise
            except UnidentifiedImageError:
                raise ImageProblem("not an image in a supported format (JPEG, PNG, GIF, WebP, TIFF, BMP)") from None
            except PILImage.DecompressionBombError as exc:
                raise ImageProblem(f"decompression bomb refused ({exc})") from None
            except (OSError, ValueError, SyntaxError, EOFError) as exc:
                raise ImageProblem(f"corrupt image ({exc})") from None
            except Exception as exc:  # noqa: BLE001 - Pillow's decoders raise more on hostile files (struct.error…)
                raise ImageProblem(f"corrupt image ({type(exc).__name__})") from None

    # ------------------------------------------------------------ failed fetches, for the build

    @property
    def failed_sources(self) -> frozenset[str]:
        """The remote photos that failed in this resolver's life and may work next time (timeouts, server
        errors, broken or wrong downloads; not refusals by scheme, host or ``offline``): a build records
        the stories that use them as not done, so the next run tries again."""
        return frozenset(src for src, problem in self._remote_failures.items() if problem.retry)

    def depends_on_failed_fetch(self, story: Story) -> bool:
        """True when one of ``story``'s remote photos failed in a way the next run may not meet."""
        failed = self.failed_sources
        return any(f.image is not None and f.image.src in failed for f in story.figures)

    @property
    def failures(self) -> dict[str, str]:
        """src -> reason of every remote photo that failed in this resolver's life."""
        return {src: str(problem) for src, problem in self._remote_failures.items()}

    def remember_failures(self, failures: Mapping[str, str]) -> None:
        """Take remote failures another resolver met in this run (a build's worker processes), so this one
        does not wait for them again; they are reported in :attr:`problems` when used, as its own are."""
        for src, reason in failures.items():
            self._remote_failures.setdefault(src, ImageProblem(reason, retry=True))

    @property
    def held_bytes(self) -> int:
        """Bytes of resolved photos this resolver holds in memory now (at most :attr:`MEMO_BYTES`)."""
        return self._resolved.total

    def forget_photos(self) -> None:
        """Forget what this resolver knows of each photo: bytes, paths, published records, local failures (not
        the remote photos that failed: those are not fetched again this run). A build's worker calls it after
        each story, so its memory holds one story's photos however many stories it exports; a photo a later
        story shares is found again through the on-disk cache (its published record, its normalised copy)
        or its own file, so it is not decoded or hashed again."""
        for memo in (self._resolved, self._published, self._paths, self._local_failures, self._folders):
            memo.clear()

    def cache_files(self, image: Image, *, root: str | Path | None = None) -> list[str]:
        """The entries under :attr:`cache_dir` (relative POSIX paths) this photo uses with these settings,
        whether or not they exist yet: what a build keeps when it prunes the cache."""
        if self.cache_dir is None:
            return []
        if image.is_remote:
            return [self._normalised_name(("url", image.src)), self._download_name(image.src)]
        try:
            key = self._locate(image.src, root).key
        except ImageProblem:
            return []
        return [self._normalised_name(key), self._published_name((*key, os.path.basename(image.src)))]

    def drawn(self, slot: str, key: str, draw: Callable[[], bytes]) -> bytes:
        """A picture drawn from text (an edition's cover): ``draw()``, kept in the cache folder in ``slot`` with
        the ``key`` naming everything it was drawn from, so the next process that needs the same picture reads
        it instead of loading Pillow and drawing it again. One picture a slot: another key draws it afresh
        and replaces it."""
        name = f"{DRAWN_FOLDER}/{slot}"
        label = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest().encode("ascii") + b"\n"
        entry = self._read_entry(name)
        if entry is not None and entry.startswith(label):
            return entry[len(label):]
        picture = draw()
        self._write_entry(name, label + picture)
        return picture

    # ------------------------------------------------------------ problems

    def _report(self, src: str, problem: ImageProblem) -> None:
        """One line per photo and reason (a build clears the list between stories, so each story names
        the photos it lacks)."""
        message = f"image {src}: {problem}"
        if message not in self.problems:
            self.problems.append(message)

    # ------------------------------------------------------------ local files

    def _locate(self, src: str, root: str | Path | None) -> _Located:
        """The real path of ``src`` (found once per resolver) and its ``stat`` now."""
        base = self._real_root(root)
        path = self._paths.get((base, src))
        if path is None:
            try:
                path = self._local_path(src, base)
            except ImageProblem as problem:
                path = problem
            self._paths.put((base, src), path)
        if isinstance(path, ImageProblem):
            raise ImageProblem(str(path))
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise ImageProblem("file not found") from None
        except OSError as exc:
            raise ImageProblem(f"cannot read file ({exc.strerror or exc})") from None
        if not stat.S_ISREG(st.st_mode):
            raise ImageProblem("not a file")
        return _Located(path, st.st_size, st.st_mtime_ns, st.st_ino)

    def _resolve_local(self, located: _Located) -> ResolvedImage:
        key = located.key
        known = self._resolved.get(key)
        if known is not None:
            return known
        failed = self._local_failures.get(key)
        if failed is not None:
            raise ImageProblem(str(failed))
        try:
            resolved = self._load_normalised(key, located)
            if resolved is None:
                data = self._read_local(located)
                resolved = self.normalise(data)
                kept = resolved.data is data
                if not kept or self.note_kept:
                    # a kept photo is its own file: the cache notes only that it was kept (its type and size),
                    # so the next process takes the file as it is without checking it again, nor loading Pillow
                    self._save_normalised(key, resolved, kept=kept)
        except ImageProblem as problem:
            self._local_failures.put(key, problem)
            raise
        self._resolved.put(key, resolved)
        return resolved

    def _local_path(self, src: str, root: str) -> str:
        """The file ``src`` names under ``root`` (a real path); refuses anything that leaves it."""
        scheme = _SCHEME.match(src)
        if scheme and len(scheme.group(1)) > 1:  # one letter would be a Windows drive, refused below
            raise ImageProblem(f"unsupported URL scheme {scheme.group(1)!r} (only http, https or a relative path)")
        if src.startswith(("/", "\\")) or os.path.isabs(src) or _DRIVE.match(src):
            raise ImageProblem("absolute paths are refused: image paths are relative to the input folder")
        if ".." in src.replace("\\", "/").split("/"):
            raise ImageProblem("path leaves the input folder ('..')")
        joined = os.path.join(root, src)
        # Symlinks are followed (a link pointing outside is caught below): the folder's real path is found once
        # for all the photos in it, then only the file itself can still be a link.
        path = os.path.join(self._real_folder(os.path.dirname(joined)), os.path.basename(joined))
        if os.path.islink(path):
            path = os.path.realpath(path)
        if path != root and not path.startswith(root.rstrip(os.sep) + os.sep):
            raise ImageProblem("path leaves the input folder (symlink)")
        return path

    def _real_folder(self, folder: str) -> str:
        real = self._folders.get(folder)
        if real is None:
            real = os.path.realpath(folder)
            self._folders.put(folder, real)
        return real

    def _real_root(self, root: str | Path | None) -> str:
        base = str(self.root if root is None else root)
        real = self._real_roots.get(base)
        if real is None:
            real = self._real_roots[base] = os.path.realpath(base)
        return real

    def _read_local(self, located: _Located) -> bytes:
        if located.size > self.max_bytes:
            raise ImageProblem(f"file too large ({located.size} bytes, limit {self.max_bytes})")
        try:
            with open(located.path, "rb") as stream:
                data = stream.read(located.size + 1)  # sized by the stat, so no buffer of max_bytes is allocated
        except FileNotFoundError:
            raise ImageProblem("file not found") from None
        except OSError as exc:
            raise ImageProblem(f"cannot read file ({exc.strerror or exc})") from None
        if len(data) != located.size:
            raise ImageProblem("file changed while being read")
        return data

    # ------------------------------------------------------------ remote images

    def _resolve_remote(self, url: str) -> ResolvedImage:
        failed = self._remote_failures.get(url)
        if failed is not None:
            raise ImageProblem(str(failed), retry=failed.retry)
        key = ("url", url)
        resolved = self._resolved.get(key) or self._load_normalised(key, None)
        if resolved is None:
            try:
                resolved = self._download(url)
            except ImageProblem as problem:
                self._remote_failures[url] = problem
                raise
            self._save_normalised(key, resolved)
        self._resolved.put(key, resolved)
        return resolved

    def _download(self, url: str) -> ResolvedImage:
        """A remote photo, normalised: from the downloads cache, else fetched (unless offline). The bytes
        are stored only once they proved to be an image."""
        cached = self._read_entry(self._download_name(url))
        if cached is not None:
            try:
                return self.normalise(cached)
            except ImageProblem:
                pass  # damaged: fetch again
        if self.offline:
            raise ImageProblem("remote image not fetched: offline")
        from .fetch import FetchError  # the network stack loads only for a photo that must be fetched

        try:
            data = self._timed_fetch(url)
        except FetchError as exc:
            raise ImageProblem(str(exc), retry=exc.retry) from None
        try:
            resolved = self.normalise(data)
        except ImageProblem as problem:
            raise ImageProblem(str(problem), retry=True) from None  # the server may serve the photo later
        self._write_entry(self._download_name(url), data)
        return resolved

    def _timed_fetch(self, url: str) -> bytes:
        """Fetch ``url`` within :attr:`timeout` and what is left of :attr:`fetch_budget`."""
        from .fetch import FetchError, FetchLimits, fetch

        timeout = self.timeout
        if self.fetch_budget is not None:
            left = self.fetch_budget - self._fetch_seconds
            if left <= 0:
                raise FetchError(f"not fetched: this run's {self.fetch_budget:g} s for remote photos are used up")
            timeout = min(timeout, left)
        started = time.monotonic()
        try:
            return fetch(url, FetchLimits(timeout, self.max_bytes, self.max_redirects, self.allow_local_hosts))
        finally:
            self._fetch_seconds += time.monotonic() - started

    # ------------------------------------------------------------ the on-disk cache

    def _read_entry(self, name: str) -> bytes | None:
        """The bytes of cache entry ``name``; None without a cache folder, or when it is not there."""
        if self.cache_dir is None:
            return None
        try:
            with open(os.path.join(self.cache_dir, name), "rb") as stream:
                return stream.read()
        except OSError:
            return None

    def _write_entry(self, name: str, data: bytes) -> None:
        """Keep a cache entry; a cache that cannot be written (disk full, read-only) only costs time later."""
        if self.cache_dir is None:
            return
        try:
            # a plain string: a path object would intern the entry's name (a hash) for the life of the process
            atomic_write(os.path.join(self.cache_dir, name), data, durable=False)  # a power cut costs only time
        except OSError:
            pass

    @staticmethod
    def _download_name(url: str) -> str:
        return f"downloads/{hashlib.sha256(url.encode('utf-8')).hexdigest()}.img"

    def _normalised_name(self, key: tuple[Any, ...]) -> str:
        """The cache entry for ``key`` normalised with these settings. Builds re-run every few minutes and
        each worker process has its own memo, so re-encoding every photo again would dominate a rebuild;
        a local key holds the file's size, mtime and inode, so an edited photo is normalised afresh."""
        settings = (key, self.max_size, self.max_pixels, self.CACHE_VERSION)
        return f"normalised/{hashlib.sha256(repr(settings).encode()).hexdigest()}"

    def _published_name(self, key: tuple[Any, ...]) -> str:
        """The cache entry holding a local photo's published record (name, media type, size): a few bytes
        that spare a process reading, checking and hashing the photo again."""
        settings = (key, self.max_size, self.max_pixels, self.CACHE_VERSION)
        return f"published/{hashlib.sha256(repr(settings).encode()).hexdigest()}"

    def _load_published(self, key: tuple[Any, ...]) -> Image | None:
        entry = self._read_entry(self._published_name(key))
        if entry is None:
            return None
        try:
            name, media_type, width, height = entry.decode("ascii").split(" ")
            return Image(name, media_type, int(width), int(height))
        except ValueError:  # UnicodeDecodeError included
            return None  # a damaged entry: publish again

    def _save_published(self, key: tuple[Any, ...], record: Image) -> None:
        entry = f"{record.src} {record.media_type} {record.width} {record.height}"
        self._write_entry(self._published_name(key), entry.encode("ascii"))

    def _load_normalised(self, key: tuple[Any, ...], located: _Located | None) -> ResolvedImage | None:
        """The cache entry for ``key``: the normalised bytes, or for a local photo kept as it is (``located``,
        whose size, time and inode are in ``key``) its own file's bytes; None when there is none."""
        entry = self._read_entry(self._normalised_name(key))
        if entry is None:
            return None
        try:
            header, _, data = entry.partition(b"\n")
            media_type, width, height, extension, animated, *kept = header.decode("ascii").split(" ")
            if kept and (kept != ["kept"] or data or located is None):
                return None  # a damaged entry: normalise again
            if kept:
                assert located is not None
                data = self._read_local(located)
            return ResolvedImage(data, media_type, int(width), int(height), extension, animated == "1")
        except ValueError:
            return None  # a damaged entry: normalise again

    def _save_normalised(self, key: tuple[Any, ...], resolved: ResolvedImage, *, kept: bool = False) -> None:
        """Keep the normalised photo; for one ``kept`` as it is, only its type and size (its bytes are its file's)."""
        header = (f"{resolved.media_type} {resolved.width} {resolved.height} {resolved.extension} "
                  f"{int(resolved.animated)}{' kept' if kept else ''}\n").encode("ascii")
        self._write_entry(self._normalised_name(key), header + (b"" if kept else resolved.data))

    # ------------------------------------------------------------ normalisation

    def _check_size(self, im: PILImage.Image) -> None:
        """Refuse images whose declared pixel count would exhaust memory, before decoding them."""
        width, height = im.size
        if width < 1 or height < 1:
            raise ImageProblem(f"corrupt image (size {width}x{height})")
        if width * height > self.max_pixels:
            raise ImageProblem(f"decompression bomb refused ({width}x{height} pixels, limit {self.max_pixels})")

    def _can_keep(self, im: PILImage.Image, data: bytes) -> bool:
        """True when the original bytes can go into the book untouched (no decoding, no lossy re-encode):
        a format and mode every reader shows, within ``max_size``, and nothing but the picture in the file
        (no EXIF, hence no orientation to apply; no XMP, comments or data after the image's end)."""
        fmt = im.format or ""
        if fmt not in self.KEEP or im.mode not in self.PLAIN_MODES[fmt]:
            return False
        if max(im.size) > self.max_size:
            return False
        if not set(im.info) <= self.HARMLESS_INFO[fmt]:  # what Pillow read from the headers
            return False
        return _PLAIN_FILE[fmt](data, im)  # and what it did not read: later segments, chunks, trailers

    def _reencode(self, im: PILImage.Image) -> ResolvedImage:
        """Rotate upright, make RGB(A), scale down and write a clean JPEG or PNG with fixed settings."""
        from PIL import Image as PILImage
        from PIL import ImageOps

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


#: Every local photo's published record found in this process, by the root and ``src`` it was asked for, the
#: ``stat`` of that path (device, size, mtime, inode) and the normalising settings. Resolvers made one after
#: another for the same photos (one per ``export`` call, a story's formats) then look each up with one
#: ``stat`` and a dict look-up: no path resolution, no cache file. Only a path that passed every check of
#: :meth:`ImageResolver._locate` is entered, and only when it reached the file that was checked; a changed
#: file has another ``stat``, so it is checked again. Bounded like a resolver's own records; a build's
#: workers empty it after each story (:func:`syndicate.tasks.end_story`), so their memory stays flat.
_PUBLISHED_RECORDS: _Memo[tuple[Any, ...], Image] = _Memo(ImageResolver.MEMO_RECORDS)


def forget_published_records() -> None:
    """Empty this process's table of published records (what a new process starts with): for tests and
    benchmarks that measure a process which has published nothing yet."""
    _PUBLISHED_RECORDS.clear()


def _stat_or_none(path: str) -> tuple[int, int, int, int] | None:
    """(device, size, mtime, inode) of the file ``path`` reaches, following links; None when there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # missing, unreadable, or a name the system refuses (a NUL byte)
        return None
    return (st.st_dev, st.st_size, st.st_mtime_ns, st.st_ino)


def _unexpected(exc: Exception) -> ImageProblem:
    """A failure nobody foresaw (a bug, a library's surprise), as one line about the photo."""
    return ImageProblem(f"could not be used ({type(exc).__name__}: {str(exc)[:80]})")


# ---------------------------------------------------------------- is the file nothing but its picture?

#: A URL scheme at the start of a ``src`` (as :func:`urllib.parse.urlsplit` finds one), and a drive letter.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
#: JPEG application segments that describe the picture only, by marker and identifier: JFIF, ICC, Adobe.
_JPEG_PLAIN_APP: dict[int, tuple[bytes, ...]] = {0xE0: (b"JFIF\0",), 0xE2: (b"ICC_PROFILE\0",), 0xEE: (b"Adobe",)}
#: An application segment or a comment after the first scan (in entropy-coded data a 0xFF is always
#: followed by 0x00 or a restart marker, so this is a real segment; a table that happens to hold these
#: bytes only costs a re-encode).
_JPEG_METADATA_MARKER = re.compile(rb"\xff[\xe0-\xef\xfe]")
#: Start-of-frame markers of sequential (not progressive) JPEGs: baseline and extended Huffman.
_JPEG_SEQUENTIAL = (0xC0, 0xC1)
#: PNG chunks that describe the picture only (no text, EXIF, time stamps or animation).
_PNG_PLAIN_CHUNKS = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
                               b"pHYs", b"sBIT"})
#: GIF application extensions that only say how to loop.
_GIF_PLAIN_EXTENSIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _plain_jpeg(data: bytes, _im: PILImage.Image) -> bool:
    """A JPEG whose segments before the first scan are tables, frame headers and plain application
    segments, with no metadata segment after it, ending exactly at its end-of-image marker (anything
    appended, a motion photo's video or a truncated download, is not kept).

    A sequential JPEG whose one scan codes every component (what cameras and editors write) can hold
    nothing but coded data between that scan and its end (ITU T.81 B.2.1: tables and comments only come
    before a further scan), so its coded data, nearly all of the file, is not searched; a progressive
    one is, since its scans may be separated by segments.
    """
    if not data.endswith(b"\xff\xd9"):
        return False
    pos, end = 2, len(data)
    frame: tuple[int, int] | None = None  # (SOF marker, components)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if length < 2 or pos + 2 + length > end:
            return False
        if (0xE0 <= marker <= 0xEF or marker == 0xFE) and not data.startswith(_JPEG_PLAIN_APP.get(marker, ()), pos + 4):
            return False
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and length >= 8:
            frame = (marker, data[pos + 9])
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            if frame is not None and frame[0] in _JPEG_SEQUENTIAL and data[pos + 4] == frame[1]:
                return True
            return _JPEG_METADATA_MARKER.search(data, pos + 2 + length) is None
        pos += 2 + length
    return False


def _plain_png(data: bytes, _im: PILImage.Image) -> bool:
    """A PNG made only of picture chunks, ending exactly with its IEND chunk (walks chunk headers only)."""
    pos, end = 8, len(data)
    while pos + 12 <= end:
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind not in _PNG_PLAIN_CHUNKS:
            return False
        pos += 12 + length
        if kind == b"IEND":
            return pos == end
    return False


def _plain_gif(data: bytes, im: PILImage.Image) -> bool:
    """A GIF ending with its trailer whose only application extension says how to loop."""
    extension = im.info.get("extension")
    if extension is not None and not bytes(extension[0]).startswith(_GIF_PLAIN_EXTENSIONS):
        return False
    return data.endswith(b";")


_PLAIN_FILE: dict[str, Callable[[bytes, PILImage.Image], bool]] = {
    "JPEG": _plain_jpeg, "PNG": _plain_png, "GIF": _plain_gif,
}


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
