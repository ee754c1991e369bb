"""Exporters: one module per output family, one registry by format name.

Every exporter is a function ``(stories, options, images) -> bytes``. The CLI,
the build and :func:`syndicate.export` all go through :data:`FORMATS`, so a
new format is one module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from ..errors import ExportError
from ..model import Figure, Story

if TYPE_CHECKING:
    from ..images import ImageResolver

__all__ = ["ExportOptions", "Exporter", "FORMATS", "FEED_FILES", "get_exporter", "export", "as_published"]


@dataclass(frozen=True)
class ExportOptions:
    """Settings shared by the exporters (feed title, base URL, item limit, image size…).

    ``base_url`` is where the build's output folder is published; relative
    story and image links are made absolute against it. ``feed_url`` is the
    feed's own address (``atom:link rel="self"``); when only ``base_url`` is
    known, each feed's own file name is joined to it.
    """

    title: str = "syndicate"
    description: str | None = None
    base_url: str | None = None
    feed_url: str | None = None
    language: str | None = None
    author: str | None = None
    limit: int = 50
    image_max_size: int = 1600
    edition_title: str | None = None

    def __post_init__(self) -> None:
        if self.base_url and not self.base_url.endswith("/"):
            # A base URL names a folder: "https://x/news" must resolve "rss.xml" to "https://x/news/rss.xml".
            object.__setattr__(self, "base_url", self.base_url + "/")
        if self.limit < 1:
            raise ExportError(f"limit must be at least 1, not {self.limit}")
        if self.image_max_size < 16:
            raise ExportError(f"image_max_size must be at least 16 px, not {self.image_max_size}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names, as the config file and the CLI spell them."""
        return tuple(f.name for f in fields(cls))


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


def as_published(stories: Sequence[Story], images: ImageResolver) -> list[Story]:
    """The stories with each photo as it is published (:meth:`ImageResolver.published`): the path,
    type and size of the normalised file, or no image when it cannot be used. Exporters that link
    photos (feeds, NewsML-G2, ninjs) describe these, never the input file."""
    out = []
    for story in stories:
        if not story.figures:
            out.append(story)
            continue
        body = tuple(replace(block, image=images.published(block.image))
                     if isinstance(block, Figure) and block.image is not None else block for block in story.body)
        out.append(story.replace(body=body))
    return out


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

    ``settings`` are :class:`ExportOptions` fields (``title=``, ``base_url=``…)
    for callers who do not build an options object. ``images`` resolves the
    stories' photos; by default local paths are taken relative to the current
    folder and remote images are fetched.
    """
    if isinstance(stories, Story):
        stories = [stories]
    stories = list(stories)
    if not stories:
        raise ExportError("nothing to export: no stories given")
    if options is None:
        options = ExportOptions(**settings)
    elif settings:
        options = ExportOptions(**{**{n: getattr(options, n) for n in ExportOptions.names()}, **settings})
    if images is None:
        from ..images import ImageResolver

        images = ImageResolver(max_size=options.image_max_size)
    return get_exporter(fmt)(stories, options, images)
