"""What a worker does: read one story input and export it to its per-story formats, as bytes.

Each task is a pure function of the build's settings and one input: it reads
the input once, and returns the files' bytes and what the manifest should
record. It never writes the output folder: the one build process does that
(atomically, under its lock), so tasks can run in any process or on any
machine that sees the input folder.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from .claims import Claim
from .config import BuildSettings
from .discovery import StoryInput
from .errors import InputError, SyndicateError
from .exporters import FORMATS, get_exporter
from .html import IMAGES_FOLDER
from .images import ImageResolver, forget_published_records
from .manifest import Stamps, file_stats
from .model import Image, Story
from .readers import READERS, InputFile, read_bytes, reader_for

__all__ = ["Job", "Exported", "export_story", "make_resolver", "story_outputs", "STORY_FORMATS", "CACHE"]

#: per-story outputs: format -> (folder, extension). ``json`` (stories/) is always built: it is also the cache.
STORY_FORMATS: dict[str, tuple[str, str]] = {
    "json": ("stories", ".json"),
    "newsml": ("newsml", ".xml"),
    "ninjs": ("ninjs", ".json"),
    "epub": ("epub", ".epub"),
}
CACHE = "cache"  # the image cache's folder in the state folder


@dataclass(frozen=True, slots=True)  # a build makes one per story to export
class Job:
    """One story to export; ``slug`` forces the slug the build settled on (None: the story's own)."""

    input: StoryInput
    slug: str | None = None
    expect: Claim | None = None  # the claim it made when read earlier: a story edited since is not built


@dataclass(frozen=True)
class Exported:
    """What exporting one story produced: its files' bytes, its photos' published copies, what the manifest keeps."""

    relpath: str
    claim: Claim | None = None
    error: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes, per-story formats
    photos: dict[str, bytes] = field(default_factory=dict)  # images/<name> -> bytes
    date: str | None = None
    images: Stamps = field(default_factory=dict)  # the local photos it depends on, under the input folder
    warnings: tuple[str, ...] = ()  # about this story (a missing photo), one line each, naming it
    notices: tuple[str, ...] = ()  # from the exporters about the whole build (no base URL…): printed once
    cache: tuple[str, ...] = ()  # the image cache entries its photos use (what pruning keeps)
    retry: bool = False  # a remote photo failed in a way the next run may not meet: build it again then
    failures: dict[str, str] = field(default_factory=dict)  # remote photo -> why it failed (not fetched again)

    def without_bytes(self) -> Exported:
        """The same record with the files' bytes dropped (once they are staged on disk), names kept."""
        return replace(self, files=dict.fromkeys(self.files, b""), photos=dict.fromkeys(self.photos, b""))


# Each worker thread keeps its resolver for the build's settings: the remote photos that failed are not fetched
# again, and a story in hand is never cleared by another (a Dask worker runs several stories at once).
_RESOLVERS = threading.local()


def make_resolver(settings: BuildSettings, cache_dir: Path | None = None, *, note_kept: bool = False) -> ImageResolver:
    """The image resolver a build uses: local paths under the input folder, an on-disk cache for fetches
    (``note_kept``: see :class:`ImageResolver`)."""
    return ImageResolver(settings.input_dir, offline=settings.offline, cache_dir=cache_dir,
                         max_size=settings.export.image_max_size, allow_local_hosts=settings.allow_local_hosts,
                         note_kept=note_kept)


def worker_resolver(settings: BuildSettings, cache_dir: Path | None) -> ImageResolver:
    """This thread's resolver for ``settings`` (made on first use)."""
    mine: tuple[BuildSettings, ImageResolver] | None = getattr(_RESOLVERS, "current", None)
    if mine is None or mine[0] != settings:
        mine = _RESOLVERS.current = (settings, make_resolver(settings, cache_dir))
    return mine[1]


def end_story(images: ImageResolver) -> None:
    """What the resolver learnt for one story goes with it: its problems (the next story names its own), and
    its photos and their published records, which the story's formats have shared. A worker's memory then
    holds one story's photos however many stories it exports (a table of every photo seen would grow with
    the build); a photo a later story or the feeds share is found again on disk, its published record in
    the cache, so it is neither decoded nor hashed again."""
    images.problems.clear()
    images.forget_photos()
    forget_published_records()


def preload(settings: BuildSettings, inputs: Iterable[StoryInput], *, workers: bool = False) -> None:
    """Import the readers and exporters the stories to build need, once, before workers are forked: each
    worker then starts with them loaded instead of importing them again (most of an edit's rebuild). With
    ``workers``, Pillow and its usual formats too: the workers check photos, and what the build loaded
    before forking they share instead of each holding a copy (a build exporting in its own process loads
    Pillow only if a photo must be checked)."""
    kinds = {os.path.splitext(item.relpath)[1].lower() for item in inputs}
    for target in [READERS[kind] for kind in kinds if kind in READERS] + [FORMATS[fmt] for fmt in
                                                                         story_outputs("x", settings.formats)]:
        importlib.import_module(target.partition(":")[0])
    if workers:
        from PIL import Image as PILImage

        PILImage.preinit()


def read_input(settings: BuildSettings, path: Path, id_prefix: str | None = None) -> Story:
    """Read one input with the reader for its kind (ids, slugs and photo paths relative to the input folder)."""
    data = read_bytes(path)
    return reader_for(path.name, data)(InputFile(data, path, settings.input_dir, id_prefix=id_prefix))


def _guarded(what: str, error: Exception) -> str:
    """The one-line reason for a failure, whatever raised it: one broken story never stops the build."""
    return error.message if isinstance(error, SyndicateError) else f"could not be {what} ({type(error).__name__}: {error})"


def story_outputs(slug: str, formats: Any) -> dict[str, str]:
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


def export_story(settings: BuildSettings, job: Job) -> Exported:
    """Read one story, give it its slug, export it to its per-story formats and publish its photos, as bytes."""
    images = worker_resolver(settings, settings.state_folder() / CACHE)
    try:
        return _export(settings, job, images)
    finally:
        end_story(images)


def _export(settings: BuildSettings, job: Job, images: ImageResolver) -> Exported:
    """:func:`export_story` with the worker's resolver, which starts the story knowing none of its photos."""
    item = job.input
    try:
        story = read_input(settings, item.path, settings.ids)
        claim = Claim.of(item.relpath, story)
        if job.expect is not None and claim != job.expect:
            raise InputError("changed while the build was running; it is built next time")
        slug = job.slug or story.slug
        story = story if story.slug == slug else story.replace(slug=slug)
        notices: list[str] = []
        files = {rel: get_exporter(fmt)([story], settings.export.for_file(rel.rsplit("/", 1)[0], notices), images)
                 for fmt, rel in story_outputs(slug, settings.formats).items()}
        photos = published_photos(story, images)
    except Exception as error:  # noqa: BLE001 - see _guarded
        return Exported(item.relpath, error=_guarded("exported", error))
    warnings = tuple(f"{item.relpath}: {p}" for p in images.problems)
    warnings += tuple(f"{item.relpath}: {reason}" for _, reason in missing_images(story))
    cache = sorted({name for f in story.figures if f.image is not None
                    for name in images.cache_files(f.image, root=settings.input_dir)})
    return Exported(item.relpath, claim, None, files, photos, story.date.isoformat() if story.date else None,
                    file_stats(settings.input_dir, watched_images(item.relpath, story)), warnings, tuple(notices),
                    tuple(cache), images.depends_on_failed_fetch(story), images.failures)


def published_photos(story: Story, images: ImageResolver) -> dict[str, bytes]:
    """images/<name> -> bytes of every local photo of the story that could be used."""
    photos: dict[str, bytes] = {}
    for image in local_images(story):
        # the name NewsML-G2 and ninjs link, from the photo's published record: not hashed again
        record = images.published(image)
        resolved = images.resolve(image) if record is not None else None
        if record is not None and resolved is not None:
            photos[f"{IMAGES_FOLDER}/{record.src}"] = resolved.data
    return photos
