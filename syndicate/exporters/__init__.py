"""Exporters: one module per output family, one registry by format name.

Every exporter is a function ``(stories, options, images) -> bytes``. The CLI,
the build and :func:`syndicate.export` all go through :data:`FORMATS`, so a
new format is one module and one line here.

Two per-file settings travel in :class:`ExportOptions` besides the config:

- ``location``: the folder, under the build's output folder, the file is
  written in (``"newsml/"``, ``"ninjs/"``, ``""`` for the feeds). Photos are
  published in ``images/`` beside it, so formats that allow relative links
  link them relatively (``../images/x.jpg``). ``None`` (the default) is a
  file on its own (``syndicate convert``, :func:`export`): its photos are not
  published with it, so they are linked only absolutely, against
  ``base_url``, and otherwise left out with a warning.
- ``warnings``: a list the exporters append one-line warnings to (a photo
  left out, a missing title, an undated story given a fallback date). Each
  line is added once, so the three feeds of a build sharing one list give one
  line, not three. Without a list, warnings are issued as Python warnings
  (:class:`ExportWarning`), never dropped.
"""

from __future__ import annotations

import importlib
import os
import warnings as python_warnings
from collections.abc import Callable, Sequence
from dataclasses import field, fields, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ExportError
from ..model import Figure, FrozenValue, Image, Story, value_class
from ..patterns import LazyPattern

if TYPE_CHECKING:
    from ..images import ImageResolver

__all__ = [
    "ExportOptions", "ExportWarning", "Exporter", "FORMATS", "FEED_FILES", "PublishedPhotos", "get_exporter",
    "export", "BASE_URL_HINT", "fallback_date", "FALLBACK_DATE", "missing_setting",
]

#: The option to name when a format needs absolute URLs and none can be made.
BASE_URL_HINT = "set --base-url or the config key base_url"

#: Field metadata of the per-file settings, which are not config keys and do not change what a build depends on.
_PER_FILE = {"config": False}


#: The stand-in for a required date when a story has none and its id is no ``tag:`` URI (see :func:`fallback_date`).
FALLBACK_DATE = datetime(1990, 1, 1, tzinfo=timezone.utc)
_TAG_DATE = LazyPattern(r"^tag:[^,:]+,(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?:")


def fallback_date(story_id: str) -> datetime:
    """The documented stand-in where a format requires a date a story does not have (Atom ``updated``,
    NewsML-G2 ``versionCreated``); exporters that use it say so in a warning.

    It is the date in the story's ``tag:`` id (RFC 4151: a day on which the id's authority, the
    newsroom, held its name; the first of the month or year when only those are given): a date of the
    publisher, the same on every run, never the clock. Ids that are not ``tag:`` URIs get
    :data:`FALLBACK_DATE` (the oldest date feed validators accept as plausible). Formats that allow it
    leave the date out instead.
    """
    match = _TAG_DATE.match(story_id)
    if match is None:
        return FALLBACK_DATE
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return datetime(year, month, day, tzinfo=timezone.utc)
    except ValueError:  # an impossible tag date (2024-13): still a story with no date of its own
        return FALLBACK_DATE


class ExportWarning(UserWarning):
    """A non-fatal export problem (a photo left out, a fallback date), issued when no warnings list is given."""


@value_class
class ExportOptions(FrozenValue):
    """Settings shared by the exporters (feed title, base URL, item limit, image size…).

    ``base_url`` is where the build's output folder is published; relative
    story and image links are made absolute against it. ``feed_url`` is the
    RSS feed's own address (its ``atom:link rel="self"``); the Atom feed and
    JSON Feed take their own file name (:data:`FEED_FILES`) joined to
    ``base_url``. Both must be absolute http(s) URLs. ``rights`` is the
    publication's copyright (RSS channel ``copyright``, Atom feed ``rights``);
    each story keeps its own. ``location`` and
    ``warnings`` are per file, not config (see the module notes).
    """

    title: str | None = None
    description: str | None = None
    base_url: str | None = None
    feed_url: str | None = None
    language: str | None = None
    author: str | None = None
    limit: int = 50
    image_max_size: int = 1600
    edition_title: str | None = None
    rights: str | None = None
    location: str | None = field(default=None, metadata=_PER_FILE)
    warnings: list[str] | None = field(default=None, compare=False, hash=False, repr=False, metadata=_PER_FILE)

    def __post_init__(self) -> None:
        for name in ("base_url", "feed_url"):
            _check_web_url(name, getattr(self, name))
        if self.base_url and not self.base_url.endswith("/"):
            # A base URL names a folder: "https://x/news" must resolve "rss.xml" to "https://x/news/rss.xml".
            object.__setattr__(self, "base_url", self.base_url + "/")
        if self.location is not None:
            object.__setattr__(self, "location", _folder(self.location))
        if self.limit < 1:
            raise ExportError(f"limit must be at least 1, not {self.limit}")
        if self.image_max_size < 16:
            raise ExportError(f"image_max_size must be at least 16 px, not {self.image_max_size}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, as the config file and the CLI spell them (the per-file settings are not among them)."""
        return tuple(f.name for f in fields(cls) if f.metadata.get("config", True))

    def for_file(self, location: str | None, warnings: list[str] | None = None) -> ExportOptions:
        """These options for one file written in ``location`` under the output folder (``"newsml/"``,
        ``""``; None for a file on its own), its warnings appended to ``warnings``."""
        return replace(self, location=location, warnings=warnings)

    @property
    def publication_name(self) -> str | None:
        """The feed's and edition's name from the config alone: ``title``, else the newsroom (``author``),
        else the host of ``base_url``; None when the config names nothing (never a story's text)."""
        for candidate in (self.title, self.author):
            if candidate and candidate.strip():
                return candidate.strip()
        return urlsplit(self.base_url).hostname if self.base_url else None

    def warn(self, message: str) -> None:
        """Report a non-fatal problem once: into :attr:`warnings`, else as an :class:`ExportWarning`."""
        if self.warnings is None:
            python_warnings.warn(message, ExportWarning, stacklevel=3)
        elif message not in self.warnings:
            self.warnings.append(message)


def _check_web_url(name: str, value: str | None) -> None:
    """``base_url`` and ``feed_url`` are where readers fetch things: absolute http(s) URLs or nothing."""
    from ..html import is_web_url  # with the first URL given: --version and parse load no renderer

    if value is not None and not is_web_url(value):
        raise ExportError(f"{name} must be an absolute http(s) URL such as https://news.example.com/, not {value!r}")


def _folder(location: str) -> str:
    """``location`` as a relative folder path ending in ``/`` (``""`` for the output folder itself)."""
    parts = [p for p in location.replace("\\", "/").split("/") if p not in ("", ".")]
    if location.startswith("/") or ".." in parts:
        raise ExportError(f"location must be a folder inside the output folder, not {location!r}")
    return "".join(f"{p}/" for p in parts)


Exporter = Callable[[Sequence[Story], ExportOptions, "ImageResolver"], bytes]

#: format name -> "module:function" (imported on first use so `syndicate parse` stays quick).
FORMATS: dict[str, str] = {
    "rss": "syndicate.exporters.feeds:export_rss",
    "atom": "syndicate.exporters.feeds:export_atom",
    "jsonfeed": "syndicate.exporters.feeds:export_jsonfeed",
    "newsml": "syndicate.exporters.newsml:export_newsml",
    "ninjs": "syndicate.exporters.ninjs:export_ninjs",
    "epub": "syndicate.exporters.epub:export_epub",
    "json": "syndicate.exporters.story_json:export_json",
}

#: the file each feed is published as, in the build's output folder (its URL is ``base_url`` + this name).
FEED_FILES: dict[str, str] = {"rss": "rss.xml", "atom": "atom.xml", "jsonfeed": "feed.json"}


def missing_setting(options: ExportOptions, fmt: str) -> str | None:
    """What a feed in ``fmt`` needs from the config and lacks, as one hint; None when it has all it needs.

    A feed's name and, for RSS, the site's address (the channel ``link``) come from the config only:
    without them the feed would have to publish placeholder text, so it is not written at all.
    """
    if options.publication_name is None:
        return "a feed needs a name: set --title or the config key title (or base_url)"
    if fmt == "rss" and not (options.base_url or options.feed_url):
        return f"RSS needs the site's address for its channel link: {BASE_URL_HINT}"
    return None


class PublishedPhotos:
    """Each photo as it is published (:meth:`ImageResolver.published`: the path, type and size of the
    normalised file, or None when it cannot be used), looked up once per photo however many formats and
    stories ask. Exporters that link photos (feeds, NewsML-G2, ninjs) describe these, never the input file.

    A story read from a file has its photos' paths relative to :attr:`Story.root`; they are looked up
    there (:meth:`for_story`), else under the resolver's own root.
    """

    def __init__(self, images: ImageResolver) -> None:
        self.images = images
        self._seen: dict[tuple[str | None, str], Image | None] = {}

    def __call__(self, image: Image, root: str | None = None) -> Image | None:
        """The published form of ``image``, a local path taken under ``root`` (a remote photo is linked
        where it is)."""
        key = (root, image.src)
        if key in self._seen:  # local photos only: a remote one is linked as each figure gives it
            return self._seen[key]
        if image.is_remote:
            return image
        published = self._seen[key] = self.images.published(image, root=root or None)
        return published

    def for_story(self, story: Story) -> Callable[[Image], Image | None]:
        """The lookup for one story's photos (under its :attr:`Story.root`)."""
        root = story.root  # the lookup keeps the folder, not the story
        return lambda image: self(image, root)


def get_exporter(fmt: str) -> Exporter:
    """The exporter function for a format name; :class:`ExportError` for an unknown one."""
    try:
        target = FORMATS[fmt]
    except KeyError:
        raise ExportError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})") from None
    module_name, _, func = target.partition(":")
    exporter: Exporter = getattr(importlib.import_module(module_name), func)
    return exporter


def export(
    stories: Story | Sequence[Story],
    fmt: str,
    options: ExportOptions | None = None,
    images: ImageResolver | None = None,
    **settings: Any,
) -> bytes:
    """Export one story or a sequence of stories to ``fmt`` and return the file's bytes.

    ``settings`` are :class:`ExportOptions` fields (``title=``, ``base_url=``,
    ``warnings=[]``…) for callers who do not build an options object.
    ``images`` resolves the stories' photos; by default a story read from a
    file finds its local photos beside that file (:attr:`Story.root`, else the
    current folder), remote ones are fetched, and a photo that cannot be had
    is a warning (see :meth:`ExportOptions.warn`).
    """
    if isinstance(stories, Story):
        stories = [stories]
    stories = list(stories)
    if not stories:
        raise ExportError("nothing to export: no stories given")
    options = replace(options, **settings) if options is not None else ExportOptions(**settings)
    if images is not None:
        return get_exporter(fmt)(stories, options, images)
    from ..images import ImageResolver

    root, stories = _common_root(stories)
    images = ImageResolver(root, max_size=options.image_max_size)
    data = get_exporter(fmt)(stories, options, images)
    for problem in images.problems:
        options.warn(problem)
    return data


def _common_root(stories: list[Story]) -> tuple[str | None, list[Story]]:
    """The folder local photo paths are relative to for all ``stories`` (their :attr:`Story.root`), and the
    stories with their local photo paths made relative to it when they came from different folders."""
    roots = {os.path.abspath(root) for s in stories if (root := s.root)}
    if len(roots) <= 1:
        return (next(iter(roots)) if roots else None), stories
    common = os.path.commonpath(sorted(roots))
    return common, [_rerooted(story, common) for story in stories]


def _rerooted(story: Story, common: str) -> Story:
    """``story`` with its local photo paths relative to ``common``, a folder above its own root."""
    if not story.root or not story.figures:
        return story
    prefix = os.path.relpath(os.path.abspath(story.root), common).replace(os.sep, "/")

    def moved(figure: Figure) -> Figure:
        image = figure.image
        if image is None or image.is_remote:
            return figure
        return replace(figure, image=replace(image, src=f"{prefix}/{image.src}"))

    return story.replace(body=tuple(moved(b) if isinstance(b, Figure) else b for b in story.body), root=common)
