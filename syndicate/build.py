"""The batch build behind ``syndicate build``: the unattended cron job.

Discover every story input under the input folder; read the changed ones
for what they claim (id, slug) and settle clashes; export each again in the
worker processes to its per-story formats; sweep files no story makes; then
write the feeds and the edition from the stories' JSON, read back one at a
time. Every file is written atomically (temporary file in the same folder,
fsync, rename) and only when its bytes change; what each story depends on is
recorded in a manifest written last, so an unchanged story is neither read nor
rewritten next time. A lock file keeps two builds of one output folder apart.

Layout (DESIGN.md section 4)::

    rss.xml atom.xml feed.json edition.epub
    newsml/<slug>.xml  ninjs/<slug>.json  epub/<slug>.epub  stories/<slug>.json
    images/<name>-<hash>.<ext>   the published copies of local photos that feeds, NewsML-G2 and ninjs link
"""

from __future__ import annotations

import concurrent.futures
import errno
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import socket
import sys
import threading
import time
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, TextIO, overload

import click

from . import __version__, exporters
from .atomic import atomic_write
from .errors import ConfigError, InputError, LockError, OutputError, SyndicateError
from .exporters import ExportOptions, get_exporter
from .exporters.epub import export_edition
from .html import IMAGES_FOLDER
from .images import ImageResolver, published_name
from .model import Image, Story, age_key
from .readers import READERS, InputFile, read_bytes, reader_for
from .readers.metadata import SIDECAR_SUFFIXES

__all__ = ["BuildSettings", "BuildReport", "run_build", "atomic_write", "discover", "STORY_FORMATS", "FEED_FILES"]

#: per-story outputs: format -> (folder, extension). ``json`` (stories/) is always built: it is also the cache.
STORY_FORMATS: dict[str, tuple[str, str]] = {
    "json": ("stories", ".json"),
    "newsml": ("newsml", ".xml"),
    "ninjs": ("ninjs", ".json"),
    "epub": ("epub", ".epub"),
}
#: whole-build outputs: format -> file name.
FEED_FILES: dict[str, str] = {**exporters.FEED_FILES, "edition": "edition.epub"}
ALL_FORMATS: tuple[str, ...] = ("rss", "atom", "jsonfeed", "newsml", "ninjs", "epub", "edition")

MANIFEST = ".syndicate-manifest.json"
MANIFEST_FORMAT = 3  # a manifest of another format is ignored: everything is rebuilt
KEPT = "kept"  # the digest of a story kept on its last good files while its input is rejected
LOCK = ".syndicate.lock"
CACHE = ".syndicate-cache"
BACKUP_SUFFIXES = ("~", ".bak", ".swp", ".swo", ".tmp", ".orig", ".rej")
CONFIG_NAMES = ("syndicate.toml", "pyproject.toml")


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class BuildSettings:
    """Everything a build needs to know, from the config file and the command line (which wins)."""

    input_dir: Path = Path("input")
    output_dir: Path = Path("output")
    formats: tuple[str, ...] = ALL_FORMATS
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    wait: float = 0.0
    quiet: bool = False
    offline: bool = False
    allow_local_hosts: bool = False  # fetch photos from this machine (a photo server on the same host)
    export: ExportOptions = field(default_factory=ExportOptions)

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in ALL_FORMATS]
        if unknown:
            raise ConfigError(f"unknown format(s) {', '.join(unknown)} (choose from {', '.join(ALL_FORMATS)})")
        if self.jobs < 1:
            raise ConfigError(f"jobs must be at least 1, not {self.jobs}")

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """Every key the config file accepts."""
        own = tuple(f.name for f in fields(cls) if f.name != "export")
        return own + ExportOptions.names()

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], where: str = "options") -> BuildSettings:
        """Settings from a flat mapping of config keys; unknown keys and wrong types are a :class:`ConfigError`."""
        unknown = sorted(set(values) - set(cls.keys()))
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(cls.keys()))})", where)
        own = {k: v for k, v in values.items() if k in {f.name for f in fields(cls)}}
        export = {k: v for k, v in values.items() if k in ExportOptions.names()}
        try:
            for key in ("input_dir", "output_dir"):
                if key in own:
                    own[key] = Path(_typed(own[key], str, key))
            if "formats" in own:
                formats = own["formats"]
                if isinstance(formats, str):
                    formats = [f.strip() for f in formats.split(",") if f.strip()]
                own["formats"] = tuple(_typed(f, str, "formats") for f in _typed(formats, list, "formats"))
            for key, kind in (("jobs", int), ("wait", (int, float)), ("quiet", bool), ("offline", bool),
                              ("allow_local_hosts", bool)):
                if key in own:
                    own[key] = _typed(own[key], kind, key)
            for name in ExportOptions.names():
                if name in export:
                    expected = int if name in ("limit", "image_max_size") else str
                    export[name] = _typed(export[name], expected, name)
            return cls(**own, export=ExportOptions(**export))
        except SyndicateError as error:
            raise ConfigError(error.message, where) from None

    @classmethod
    def load(
        cls,
        config_file: Path | None = None,
        *,
        overrides: Mapping[str, Any] | None = None,
        input_dir: Path | None = None,
        output_dir: Path | None = None,
    ) -> BuildSettings:
        """Settings from ``config_file`` (default: ``./syndicate.toml``, else ``[tool.syndicate]`` of
        ``./pyproject.toml``), overridden by ``overrides`` and the two folders."""
        values, where = read_config(config_file)
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        if input_dir is not None:
            values["input_dir"] = str(input_dir)
        if output_dir is not None:
            values["output_dir"] = str(output_dir)
        return cls.from_mapping(values, where)

    def fingerprint(self) -> str:
        """What every output depends on besides the inputs: the tool's version and the export settings."""
        export = {n: getattr(self.export, n) for n in ExportOptions.names()}
        key = {"version": __version__, "formats": sorted(self.formats), "offline": self.offline,
               "allow_local_hosts": self.allow_local_hosts, "export": export}
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _typed(value: Any, kind: Any, key: str) -> Any:
    if isinstance(value, bool) and kind in (int, (int, float)):
        raise ConfigError(f"{key} must be a number, not {value!r}")
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{key} must be {names}, not {value!r}")
    return value


def read_config(config_file: Path | None) -> tuple[dict[str, Any], str]:
    """The config values and where they came from; an unreadable or malformed file is a :class:`ConfigError`."""
    candidates = [config_file] if config_file is not None else [Path(n) for n in CONFIG_NAMES]
    for path in candidates:
        if config_file is None and not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config: {exc.strerror or exc}", path) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid TOML: {exc}", path) from None
        if path.name == "pyproject.toml" and config_file is None:
            section = data.get("tool", {}).get("syndicate")
            if section is None:
                continue
            return dict(section), f"{path} [tool.syndicate]"
        if path.name == "pyproject.toml":
            return dict(data.get("tool", {}).get("syndicate", {})), f"{path} [tool.syndicate]"
        return data, str(path)
    return {}, "options"


# ---------------------------------------------------------------- files


def remove_file(path: Path) -> bool:
    """Delete ``path`` if it exists; True when something was removed."""
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def remove_stale_temporaries(output_dir: Path) -> None:
    """Delete temporary files a killed build left behind (``.NAME.PID.tmp``)."""
    for tmp in output_dir.rglob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)


def lock_holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it (it may be a moment late writing it, so look twice)."""
    for _ in range(2):
        holder = path.read_text(encoding="utf-8", errors="replace").strip()
        if holder:
            return holder
        time.sleep(0.2)
    return "another build"


_LOCK_FD: list[int | None] = [None]  # the lock held by this process, for forked workers to let go of


@contextmanager
def build_lock(output_dir: Path, wait: float) -> Iterator[None]:
    """Hold the output folder's lock; wait up to ``wait`` seconds for another build, else :class:`LockError`.

    ``flock`` is released by the kernel when the holder dies, even by SIGKILL,
    so a killed build never leaves a stale lock.
    """
    path = output_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    _LOCK_FD[0] = fd
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockError(f"locked by {lock_holder(path)}; try again later or pass --wait SECONDS",
                                    output_dir) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"syndicate build, pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        yield
    finally:
        _LOCK_FD[0] = None
        os.close(fd)


# ---------------------------------------------------------------- discovery


@dataclass(frozen=True)
class StoryInput:
    """One story input found under the input folder, with the sidecar files beside it."""

    path: Path
    relpath: str
    sidecars: tuple[Path, ...]

    def digest(self, fingerprint: str) -> str:
        """Hash of everything this story's outputs depend on that can be known without reading it."""
        h = hashlib.sha256(fingerprint.encode())
        for p in (self.path, *self.sidecars):
            h.update(p.name.encode() + b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
        return h.hexdigest()


def _skipped(relpath: PurePosixPath) -> bool:
    """Hidden files and folders, and editor back-ups, are never stories."""
    name = relpath.name
    return (any(part.startswith(".") for part in relpath.parts) or name.endswith(BACKUP_SUFFIXES)
            or (name.startswith("#") and name.endswith("#")))


def discover(input_dir: Path, skip: Path | None = None) -> list[StoryInput]:
    """Every story input under ``input_dir`` in path order; sidecars and images are not stories, and
    neither is anything under ``skip`` (an output folder kept inside the input folder)."""
    found: list[StoryInput] = []
    skipped = os.path.realpath(skip) if skip is not None else None
    for dirpath, dirnames, filenames in os.walk(input_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and os.path.realpath(os.path.join(dirpath, d)) != skipped)
        names = set(filenames)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = PurePosixPath(path.relative_to(input_dir).as_posix())
            if _skipped(rel) or path.suffix.lower() not in READERS or name in CONFIG_NAMES:
                continue
            sidecars = tuple(Path(dirpath) / f"{path.stem}{s}" for s in SIDECAR_SUFFIXES
                             if f"{path.stem}{s}" in names and f"{path.stem}{s}" != name)
            found.append(StoryInput(path, str(rel), sidecars))
    return found


# ---------------------------------------------------------------- report


@dataclass
class BuildReport:
    """What a build did: per-story outcomes, the files written and removed, the time it took."""

    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when every input was built, 1 when some (or all) were rejected."""
        return 1 if self.rejected else 0

    def summary(self) -> str:
        """The one line printed at the end of a build."""
        nothing = "; nothing to do, no file rewritten" if not self.written and not self.deleted else ""
        return (f"syndicate: built {len(self.built)}, unchanged {len(self.unchanged)}, removed {len(self.removed)}, "
                f"rejected {len(self.rejected)} in {self.seconds:.2f} s ({len(self.written)} files written){nothing}")


# ---------------------------------------------------------------- workers

# Each worker process keeps one resolver, so photos shared by stories are normalised once per worker.
_WORKER: dict[str, Any] = {}


def _init_worker(settings: BuildSettings) -> None:
    """Set up the state the tasks use (in a worker process, or in the build's own process for --jobs 1)."""
    _WORKER["settings"] = settings
    _WORKER["images"] = make_resolver(settings)


def _init_forked_worker(settings: BuildSettings, build_pid: int) -> None:
    """A forked worker lets go of the build's lock (so the lock dies with the build, not with the last
    worker) and exits by itself if the build dies (its task queue would never close: it holds both ends)."""
    if _LOCK_FD[0] is not None:
        os.close(_LOCK_FD[0])
        _LOCK_FD[0] = None
    threading.Thread(target=_exit_with, args=(build_pid,), daemon=True).start()
    _init_worker(settings)


def _exit_with(build_pid: int) -> None:
    while os.getppid() == build_pid:
        time.sleep(0.5)
    os._exit(1)  # the build is gone: nothing this worker writes would be recorded


def make_resolver(settings: BuildSettings) -> ImageResolver:
    """The image resolver a build uses: local paths under the input folder, an on-disk cache for fetches."""
    return ImageResolver(settings.input_dir, offline=settings.offline, cache_dir=settings.output_dir / CACHE,
                         max_size=settings.export.image_max_size, allow_local_hosts=settings.allow_local_hosts)


def _read(path: Path) -> Story:
    """Read one input with the reader for its kind (ids, slugs and photo paths relative to the input folder)."""
    settings: BuildSettings = _WORKER["settings"]
    data = read_bytes(path)
    return reader_for(path.name, data)(InputFile(data, path, settings.input_dir))


def _guarded(what: str, error: Exception) -> str:
    """The one-line reason for a failure, whatever raised it: one broken story never stops the build."""
    return error.message if isinstance(error, SyndicateError) else f"could not be {what} ({type(error).__name__}: {error})"


def _claim_task(item: StoryInput) -> tuple[StoryInput, Claim | None, str | None]:
    """Read one input for what it claims (id, slug); the story itself is read again when exported, so the
    build never holds every story at once."""
    try:
        return item, Claim.of(item.relpath, _read(item.path)), None
    except Exception as error:  # noqa: BLE001 - see _guarded
        return item, None, _guarded("read", error)


@dataclass(frozen=True)
class Exported:
    """What exporting one story produced: its files, the photos it published, and what the manifest keeps."""

    relpath: str
    written: tuple[str, ...] = ()
    error: str | None = None
    entry: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def story_outputs(slug: str, formats: Iterable[str]) -> dict[str, str]:
    """format -> output path (relative to the output folder) of one story."""
    wanted = set(formats) | {"json"}
    return {fmt: f"{folder}/{slug}{ext}" for fmt, (folder, ext) in STORY_FORMATS.items() if fmt in wanted}


def local_images(story: Story) -> list[Image]:
    """The local photos a story uses, once each, in path order (their published copies go to ``images/``)."""
    found = {f.image.src: f.image for f in story.figures if f.image is not None and not f.image.is_remote}
    return [found[src] for src in sorted(found)]


def missing_images(story: Story) -> list[tuple[str, str]]:
    """(src, reason) of every photo the story's metadata named but the reader could not use; the reader
    lists them in ``inferred`` as ``body[N].image`` so ``--explain`` shows them too."""
    return [(item.value, item.reason) for item in story.inferred if re.fullmatch(r"body\[\d+\]\.image", item.field)]


def watched_images(relpath: str, story: Story) -> list[str]:
    """Every local photo file the story depends on, those it found and those it named but could not use,
    as paths under the input folder: adding or mending a photo rebuilds the story."""
    folder = PurePosixPath(relpath).parent
    missing = {os.path.normpath(folder / src) for src, _ in missing_images(story) if "://" not in src}
    return sorted({image.src for image in local_images(story)} | {m for m in missing if not m.startswith("..")})


def _export_task(item: StoryInput, slug: str, claim: Claim) -> Exported:
    """Read one story again, give it its slug, export it to its per-story formats, publish its photos."""
    try:
        story = _read(item.path)
        if Claim.of(item.relpath, story) != claim:
            raise InputError("changed while the build was running; it is built next time")
        story = story if story.slug == slug else story.replace(slug=slug)
        written, entry = _write_story(story)
    except Exception as error:  # noqa: BLE001 - see _guarded
        _WORKER["images"].problems.clear()  # they belong to this story, not the worker's next one
        return Exported(item.relpath, error=_guarded("exported", error))
    settings: BuildSettings = _WORKER["settings"]
    images: ImageResolver = _WORKER["images"]
    entry.update(id=story.id, wanted_slug=claim.slug, explicit_slug=claim.explicit,
                 date=story.date.isoformat() if story.date else None,
                 images=file_stats(settings.input_dir, watched_images(item.relpath, story)))
    warnings = tuple(f"{item.relpath}: {p}" for p in images.problems)
    warnings += tuple(f"{item.relpath}: {reason}" for _, reason in missing_images(story))
    images.problems.clear()
    return Exported(item.relpath, tuple(written), None, entry, warnings)


def _write_story(story: Story) -> tuple[list[str], dict[str, Any]]:
    """Write one story's files and its published photos; the files written, and its manifest entry so far."""
    settings: BuildSettings = _WORKER["settings"]
    images: ImageResolver = _WORKER["images"]
    out = settings.output_dir
    written: list[str] = []
    outputs = story_outputs(story.slug, settings.formats)
    for fmt, rel in outputs.items():
        if atomic_write(out / rel, get_exporter(fmt)([story], settings.export, images)):
            written.append(rel)
    published = []
    for image in local_images(story):
        resolved = images.resolve(image)
        if resolved is not None:
            rel = f"{IMAGES_FOLDER}/{published_name(image.src, resolved)}"
            if atomic_write(out / rel, resolved.data):
                written.append(rel)
            published.append(rel)
    stats = file_stats(out, outputs.values())
    return written, {"slug": story.slug, "outputs": list(outputs.values()), "stats": stats, "published": published}


class Workers:
    """Run tasks in worker processes (``jobs`` > 1) or in this one, yielding results in submission order."""

    def __init__(self, settings: BuildSettings) -> None:
        self.settings = settings
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        if self.settings.jobs > 1:
            # fork: workers start at once and need no `if __name__ == "__main__"` guard in the caller's script;
            # each closes its inherited copy of the lock (see _init_forked_worker).
            context = multiprocessing.get_context("fork")
            self.pool = concurrent.futures.ProcessPoolExecutor(
                self.settings.jobs, mp_context=context, initializer=_init_forked_worker,
                initargs=(self.settings, os.getpid()))
        else:
            _init_worker(self.settings)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def map(self, func: Any, *iterables: Iterable[Any]) -> Iterator[Any]:
        """``map(func, …)`` in the workers, results in order (small chunks keep the progress bar moving)."""
        if self.pool is None:
            return map(func, *iterables)
        return self.pool.map(func, *iterables, chunksize=4)


# ---------------------------------------------------------------- the build


class Manifest:
    """What the last build made: per input, the digest of its dependencies, its slug and its files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stories: dict[str, dict[str, Any]] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") == MANIFEST_FORMAT:
                self.stories = dict(data["stories"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no manifest, or an unreadable one: everything is rebuilt

    def save(self, fingerprint: str, stories: Mapping[str, dict[str, Any]], images: Iterable[str]) -> None:
        """Record this build (atomically, and last: a build killed before this point is simply redone)."""
        data = {"format": MANIFEST_FORMAT, "tool": __version__, "fingerprint": fingerprint,
                "stories": dict(sorted(stories.items())), "images": sorted(set(images))}
        atomic_write(self.path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())


def file_stats(folder: Path, rels: Iterable[str]) -> dict[str, list[int] | None]:
    """Size and modification time of files under ``folder`` (None for a missing one): the stamps a build
    compares to tell a changed photo or a damaged output from an untouched one."""
    stats: dict[str, list[int] | None] = {}
    for rel in rels:
        try:
            st = (folder / rel).stat()
            stats[rel] = [st.st_size, st.st_mtime_ns]
        except OSError:
            stats[rel] = None
    return stats


def outputs_intact(entry: Mapping[str, Any], out: Path) -> bool:
    """True when a story's files are all there as the build wrote them (a deleted, damaged or hand-edited
    file rebuilds the story; files are only rewritten when their bytes change, so the stamps are stable)."""
    return file_stats(out, entry.get("outputs", [])) == entry.get("stats")


def unchanged(entry: Mapping[str, Any] | None, digest: str, settings: BuildSettings) -> bool:
    """True when a story's recorded dependencies and outputs are all as the last build left them."""
    if not entry or entry.get("digest") != digest:
        return False
    if file_stats(settings.input_dir, entry.get("images", {})) != entry.get("images", {}):
        return False
    return outputs_intact(entry, settings.output_dir)


@dataclass(frozen=True)
class Claim:
    """What one story asks of the build: its id and slug, and whether its metadata chose the slug."""

    relpath: str
    id: str
    slug: str
    explicit: bool
    kept: bool = False  # a story whose input is now rejected, kept on its last good files: it yields to the rest

    @classmethod
    def of(cls, relpath: str, story: Story) -> Claim:
        """The claim of a freshly read story (a slug the reader derived is listed in ``inferred``)."""
        derived = any(item.field == "slug" for item in story.inferred)
        return cls(relpath, story.id, story.slug, not derived)

    @classmethod
    def recorded(cls, relpath: str, entry: Mapping[str, Any]) -> Claim:
        """The claim of an unchanged story, as the manifest recorded it."""
        return cls(relpath, entry["id"], entry["wanted_slug"], entry["explicit_slug"], entry.get("digest") == KEPT)


def duplicate_ids(claims: Iterable[Claim]) -> dict[str, str]:
    """relpath -> reason for every story whose id an earlier story (in path order) already has.

    Two entries with one id would be one item to every feed reader and partner, so the later one is
    rejected rather than published under a borrowed identity.
    """
    owner: dict[str, str] = {}
    rejected: dict[str, str] = {}
    for claim in sorted(claims, key=lambda c: (c.kept, c.relpath)):
        if claim.id in owner:
            rejected[claim.relpath] = f"id {claim.id!r} is already used by {owner[claim.id]}"
        else:
            owner[claim.id] = claim.relpath
    return rejected


def assign_slugs(claims: Iterable[Claim]) -> tuple[dict[str, str], list[str]]:
    """Unique slugs: slugs chosen in metadata first, then derived ones, each in path order (stories kept on
    their last good files after all of them); a clash gets ``-2``, ``-3``… Returns relpath -> slug and one
    warning per clash."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    warnings: list[str] = []
    for claim in sorted(claims, key=lambda c: (c.kept, not c.explicit, c.relpath)):
        relpath, slug = claim.relpath, claim.slug
        final, n = slug, 1
        while final in taken:
            n += 1
            final = f"{slug}-{n}"
        if final != slug:
            warnings.append(f"{relpath}: slug {slug!r} is taken by another story; using {final!r}")
        taken.add(final)
        result[relpath] = final
    return result, warnings


def run_build(
    input_dir: str | os.PathLike[str] = "input",
    output_dir: str | os.PathLike[str] = "output",
    *,
    settings: BuildSettings | None = None,
    progress: bool = False,
    **options: Any,
) -> BuildReport:
    """Build ``input_dir`` into ``output_dir``; ``options`` are config keys (``jobs=2``, ``base_url=…``).

    Raises :class:`ConfigError` for a missing input folder or bad options and
    :class:`LockError` when another build holds the lock past ``wait``;
    rejected inputs do not raise: they are listed in the report.
    """
    started = time.perf_counter()
    if settings is None:
        settings = BuildSettings.from_mapping({**options, "input_dir": str(input_dir), "output_dir": str(output_dir)})
    if not settings.input_dir.is_dir():
        raise ConfigError("input folder not found", settings.input_dir)
    try:
        settings.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create output folder: {exc.strerror or exc}", settings.output_dir) from None
    report = BuildReport()
    with build_lock(settings.output_dir, settings.wait):
        remove_stale_temporaries(settings.output_dir)
        _Build(settings, report, progress).run()
    report.seconds = time.perf_counter() - started
    return report


class _Build:
    """One run of the pipeline; state lives here only for the length of the run."""

    def __init__(self, settings: BuildSettings, report: BuildReport, progress: bool) -> None:
        self.settings = settings
        self.report = report
        self.progress = progress and not settings.quiet
        self.out = settings.output_dir
        self.manifest = Manifest(self.out / MANIFEST)
        self.inputs: dict[str, StoryInput] = {}
        self.digests: dict[str, str] = {}
        self.entries: dict[str, dict[str, Any]] = {}  # relpath -> manifest entry of every story built or kept
        self.slugs: dict[str, str] = {}  # relpath -> the slug this run gives the story
        # New settings or a new version of the tool change every story's digest, so everything is rebuilt;
        # the old manifest still says which files the last build made, so outputs no longer wanted are removed.
        self.fingerprint = settings.fingerprint()

    def run(self) -> None:
        inputs = discover(self.settings.input_dir, skip=self.out)
        self.inputs = {item.relpath: item for item in inputs}
        todo = self.sort_out(inputs)
        with Workers(self.settings) as workers:
            claims = self.claim_all(workers, todo)
            self.keep_last_good(todo, claims)
            slugs = self.resolve_claims(workers, claims)
            self.export_all(workers, claims, slugs)
        self.report_removed()
        images = self.sweep()
        changed = bool(self.report.built or self.report.removed or self.manifest.stories.keys() != self.entries.keys())
        self.write_aggregates(force=changed)
        rejected = {str(Path(p).relative_to(self.settings.input_dir).as_posix()) for p, _ in self.report.rejected
                    if Path(p).is_relative_to(self.settings.input_dir)}
        self.report.unchanged = sorted(set(self.entries) - set(self.report.built) - rejected)
        self.manifest.save(self.fingerprint, self.entries, images)

    # -- phases

    def sort_out(self, inputs: Sequence[StoryInput]) -> list[StoryInput]:
        """Keep the unchanged stories' entries; return the inputs that must be built."""
        todo: list[StoryInput] = []
        for item in inputs:
            try:
                self.digests[item.relpath] = item.digest(self.fingerprint)
            except OSError as exc:
                self.report.rejected.append((str(item.path), f"cannot read: {exc.strerror or exc}"))
                continue
            entry = self.manifest.stories.get(item.relpath)
            if entry is not None and unchanged(entry, self.digests[item.relpath], self.settings):
                self.entries[item.relpath] = entry
            else:
                todo.append(item)
        return todo

    def claim_all(self, workers: Workers, todo: Sequence[StoryInput]) -> dict[str, Claim]:
        """Read the inputs to build (in the workers) for their claims; rejected ones go to the report."""
        claims: dict[str, Claim] = {}
        for item, claim, error in workers.map(_claim_task, todo):
            if claim is None:
                self.report.rejected.append((str(item.path), error or "rejected"))
            else:
                claims[item.relpath] = claim
        return claims

    def keep_last_good(self, todo: Sequence[StoryInput], claims: Mapping[str, Claim]) -> None:
        """A story whose edited input is now rejected keeps its last good outputs (nothing lost) until it is mended."""
        for item in todo:
            if item.relpath not in claims:
                self.keep_old(item.relpath)

    def keep_old(self, relpath: str) -> bool:
        """Keep a story's entry from the last build if its files are all still as that build wrote them
        (only those of formats still built)."""
        old = self.manifest.stories.get(relpath)
        if not old or not outputs_intact(old, self.out):
            return False
        wanted = set(story_outputs(old["slug"], self.settings.formats).values())
        outputs = [rel for rel in old["outputs"] if rel in wanted]
        stats = {rel: stat for rel, stat in old["stats"].items() if rel in wanted}
        self.entries[relpath] = {**old, "digest": KEPT, "outputs": outputs, "stats": stats}
        return True

    def resolve_claims(self, workers: Workers, claims: dict[str, Claim]) -> dict[str, str]:
        """Reject duplicate ids and give every story a unique slug (relpath -> slug); an unchanged story
        whose slug must change is built again."""
        entries = self.entries
        while True:
            every = [Claim.recorded(rel, e) for rel, e in entries.items()] + list(claims.values())
            for relpath, reason in duplicate_ids(every).items():
                self.report.rejected.append((str(self.settings.input_dir / relpath), reason))
                entries.pop(relpath, None)
                claims.pop(relpath, None)
            slugs, warnings = assign_slugs(c for c in every if c.relpath in entries or c.relpath in claims)
            moved = [rel for rel, entry in entries.items() if slugs[rel] != entry["slug"]]
            if not moved:
                break
            # an unchanged story that must change its slug is built again; a kept one is dropped (its input
            # is rejected: it cannot be built again, and a fresh build would not have it either)
            again = [self.inputs[rel] for rel in moved if entries.pop(rel)["digest"] != KEPT]
            claims.update(self.claim_all(workers, again))
        self.report.warnings.extend(warnings)
        self.slugs = slugs
        return slugs

    def export_all(self, workers: Workers, claims: Mapping[str, Claim], slugs: Mapping[str, str]) -> None:
        """Export the stories to build, in the workers, and record them for the manifest."""
        order = sorted(claims)
        results = workers.map(_export_task, [self.inputs[rel] for rel in order], [slugs[rel] for rel in order],
                              [claims[rel] for rel in order])
        with self.progress_bar(results, len(order)) as bar:
            for result in bar:
                self.record(result)

    def record(self, result: Exported) -> None:
        self.report.written.extend(result.written)
        self.report.warnings.extend(result.warnings)
        if result.error is not None:
            self.report.rejected.append((str(self.settings.input_dir / result.relpath), result.error))
            # nothing lost: its last good files stay, unless the slug they carry now belongs to another story
            if self.keep_old(result.relpath) and self.entries[result.relpath]["slug"] != self.slugs[result.relpath]:
                del self.entries[result.relpath]
            return
        self.entries[result.relpath] = {"digest": self.digests[result.relpath], **result.entry}
        self.report.built.append(result.relpath)

    def report_removed(self) -> None:
        """A story whose input disappeared is reported removed (its files go in :meth:`sweep`)."""
        for relpath in sorted(self.manifest.stories):
            if relpath not in self.entries and not (self.settings.input_dir / relpath).exists():
                self.report.removed.append(relpath)

    def sweep(self) -> list[str]:
        """Delete every file in the build's own folders that no story makes now, and folders left empty.

        One pass after every export, over what is on disk rather than what the last manifest says: a
        slug handed from one story to another keeps the new owner's files, and files a killed build
        wrote before it could record them are not left behind. Returns the published photos kept.
        """
        images = sorted({img for e in self.entries.values() for img in e.get("published", [])})
        keep = {rel for entry in self.entries.values() for rel in entry.get("outputs", [])} | set(images)
        folders = [folder for folder, _ in STORY_FORMATS.values()] + [IMAGES_FOLDER]
        for folder in folders:
            for dirpath, dirnames, filenames in os.walk(self.out / folder, topdown=False):
                for name in sorted(filenames):
                    rel = Path(dirpath, name).relative_to(self.out).as_posix()
                    if not name.startswith(".") and rel not in keep and remove_file(self.out / rel):
                        self.report.deleted.append(rel)
                if not os.listdir(dirpath):
                    os.rmdir(dirpath)
        return images

    def write_aggregates(self, *, force: bool) -> None:
        """Feeds and the edition, from every story, written only when their bytes change."""
        wanted = {fmt: name for fmt, name in FEED_FILES.items() if fmt in self.settings.formats}
        missing = any(not (self.out / name).is_file() for name in wanted.values())
        for fmt, name in FEED_FILES.items():
            if fmt not in wanted and remove_file(self.out / name):
                self.report.deleted.append(name)
        if not (force or missing):
            return
        if not self.entries:
            for name in wanted.values():
                if remove_file(self.out / name):
                    self.report.deleted.append(name)
            return
        stories = StoredStories(self, sorted(self.entries, key=self.age_of))
        newest = stories[: self.settings.export.limit]  # the feeds' stories, read once for all three
        images = make_resolver(self.settings)
        for fmt, name in wanted.items():
            exporter = export_edition if fmt == "edition" else get_exporter(fmt)
            chosen: Sequence[Story] = stories if fmt == "edition" else newest
            if atomic_write(self.out / name, exporter(chosen, self.settings.export, images)):
                self.report.written.append(name)

    def age_of(self, relpath: str) -> tuple[bool, float, str]:
        """A story's place in newest-first order, from its manifest entry (no need to load it)."""
        entry = self.entries[relpath]
        return age_key(datetime.fromisoformat(entry["date"]) if entry.get("date") else None, entry["id"])

    def stored_story(self, relpath: str) -> Story:
        """A built story, from the normalised JSON the build wrote; a damaged file is rebuilt from its input."""
        entry = self.entries[relpath]
        json_path = self.out / story_outputs(entry["slug"], ())["json"]
        try:
            return Story.from_json(json_path.read_bytes())
        except (SyndicateError, OSError) as error:
            self.report.warnings.append(f"{json_path}: unreadable ({error}); rebuilt from {relpath}")
        _init_worker(self.settings)
        result = _export_task(self.inputs[relpath], entry["slug"], Claim.recorded(relpath, entry))
        if result.error is not None:
            raise OutputError(f"cannot rebuild the damaged story file: {result.error}", json_path)
        self.record(result)
        return Story.from_json(json_path.read_bytes())

    @contextmanager
    def progress_bar(self, results: Iterable[Exported], length: int) -> Iterator[Iterable[Exported]]:
        if not self.progress or length == 0:
            yield results
            return
        with click.progressbar(results, length=length, label="Building", file=_stderr()) as bar:
            yield bar


class StoredStories(Sequence[Story]):
    """A build's stories in a given order, each read from its ``stories/<slug>.json`` when asked for and
    not kept: an edition of thousands of stories never holds them all at once."""

    def __init__(self, build: _Build, relpaths: Sequence[str]) -> None:
        self.build = build
        self.relpaths = list(relpaths)

    def __len__(self) -> int:
        return len(self.relpaths)

    @overload
    def __getitem__(self, index: int) -> Story: ...

    @overload
    def __getitem__(self, index: slice) -> list[Story]: ...

    def __getitem__(self, index: int | slice) -> Story | list[Story]:
        if isinstance(index, slice):
            return [self.build.stored_story(rel) for rel in self.relpaths[index]]
        return self.build.stored_story(self.relpaths[index])


def _stderr() -> TextIO:
    return sys.stderr
