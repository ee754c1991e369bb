"""Benchmark: RSS and Atom (and JSON Feed) of 1,000 full-content stories with local photos, beside feedgen alone.

Run: ``python benchmarks/bench_feeds.py [N]`` (default 1,000). Target (issue 15): RSS and Atom at most
1.5x feedgen's own time for the same items.

What is measured, in the same run so only ratios matter:

- **syndicate**: the exporters as a build calls them, from the stories to the bytes: order and limit,
  each photo looked up as published (a fresh :class:`~syndicate.images.ImageResolver` on the build's
  cache of normalised photos, warmed once beforehand: the photos were published earlier in this process,
  as in a build of one job, so each lookup is a ``stat`` and a look-up in the process's table of
  published records), bodies rendered, then written. ``rss+atom`` is
  :func:`~syndicate.exporters.feeds.export_feeds` sharing one preparation between the two feeds, as a
  build does; ``rss`` and ``atom`` are each feed's own exporter, preparation included. ``cold`` is
  ``rss+atom`` in a process that has published none of the photos (the feeds of a build with several
  worker processes): the table is emptied before each run, so every record is read from the state folder.
- **feedgen alone**: feedgen building the same items with the same strings (title, link, guid, the
  escaped summary as RSS description and Atom summary, the same rendered content HTML, dates, categories
  with their terms and schemes, authors and Dublin Core creators, the story's rights, the lead photo's
  enclosure, Atom's related links, and one Media RSS ``media:content`` per photo with feedgen's own
  ``media`` extension), plus its serialisation. The strings are made beforehand and not timed: that is
  the work feedgen cannot do. What feedgen cannot write at all is in syndicate's time only: each
  photo's caption and credit (``media:description``, ``media:credit``), and plain text's ``&`` and
  ``<`` as character references.

Each figure is the best of seven runs, in CPU seconds of the process; the two sides of a row run in
turns, so a busy neighbour on the shared machine slows both alike. Older versions of syndicate without ``export_feeds`` are
measured with one exporter call per feed (how their build wrote feeds), so the script also gives the
"before" numbers when run against an older checkout (``PYTHONPATH=/path/to/old``).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import lxml.etree  # noqa: E402,F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.ext.dc import DcEntryExtension, DcExtension  # noqa: E402
from feedgen.ext.media import MediaEntryExtension, MediaExtension  # noqa: E402
from feedgen.feed import FeedGenerator  # noqa: E402
from storygen import generate_stories  # noqa: E402

from syndicate.exporters import ExportOptions, get_exporter  # noqa: E402
from syndicate.exporters import feeds as feeds_module  # noqa: E402
from syndicate import images as images_module  # noqa: E402
from syndicate.images import ImageResolver  # noqa: E402
from syndicate.model import Story  # noqa: E402

TARGET_RATIO = 1.5
RUNS = 7
BASE = "https://example.com/news/"


def best_of(runs: int, work: Callable[[], Any]) -> float:
    """The shortest of ``runs`` timings of ``work()``, in seconds of this process's CPU time (the machine
    is shared: wall-clock time would measure the neighbours too; the work here is single-threaded)."""
    return best_side_by_side(runs, work)[0]


def best_side_by_side(runs: int, *works: Callable[[], Any]) -> list[float]:
    """The shortest of ``runs`` timings of each of ``works``, run in turns (one of each, then again), so a
    neighbour's burst on the shared machine slows both sides of a comparison alike, never just one."""
    best = [float("inf")] * len(works)
    for _ in range(runs):
        for i, work in enumerate(works):
            start = time.process_time()
            work()
            best[i] = min(best[i], time.process_time() - start)
    return best


def make_options(n: int) -> ExportOptions:
    try:
        return ExportOptions(title="Benchmark News", base_url=BASE, limit=n, warnings=[])  # type: ignore[call-arg]
    except TypeError:  # an older ExportOptions without a warnings list
        return ExportOptions(title="Benchmark News", base_url=BASE, limit=n)


def feed_items(stories: Sequence[Story], options: ExportOptions, images: ImageResolver) -> list[Any]:
    """syndicate's prepared items (the strings feedgen is given), from this or an older version."""
    try:
        return list(feeds_module.prepare_feed(stories, options, images).items)  # type: ignore[attr-defined]
    except TypeError:  # older: prepare_feed(stories, options, images, fmt) -> (info, items)
        return list(feeds_module.prepare_feed(stories, options, images, "rss")[1])  # type: ignore[call-arg]


def peer_feed(items: Sequence[Any], atom: bool) -> bytes:
    """feedgen alone: the same items, its own extensions, its own serialisation."""
    fg = FeedGenerator()
    fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False)
    fg.register_extension("media", MediaExtension, MediaEntryExtension)
    fg.id(BASE + "atom.xml")
    fg.title("Benchmark News")
    fg.link(href=BASE, rel="alternate")
    fg.description("Benchmark News")
    fg.language("en")
    fg.updated(max(i.story.date for i in items if i.story.date))
    for item in items:
        entry = fg.add_entry(order="append")
        entry.id(item.story.id)
        entry.guid(item.story.id, permalink=False)
        entry.title(item.title)
        if item.url:
            entry.link(href=item.url)
        if atom:
            for link in item.related:
                entry.link(href=link.href, rel="related", title=link.title)
        entry.description(escape(item.summary), isSummary=True)  # RSS description and Atom summary
        entry.content(item.content_html, type="html" if atom else None)
        if item.story.published:
            entry.published(item.story.published)
        entry.updated(item.story.date)
        if item.categories:
            entry.category([{"term": c.term, "label": c.label, **({"scheme": c.scheme} if c.scheme else {})}
                            if atom else {"term": c.label} for c in item.categories])
        if item.authors:
            entry.author([{"name": a} for a in item.authors])
            if not atom:
                entry.dc.dc_creator(list(item.authors))
        if item.rights:
            if atom:
                entry.rights(item.rights)
            else:
                entry.dc.dc_rights([item.rights])
        if item.photos:
            lead = item.photos[0]
            entry.enclosure(lead.url, 0, lead.media_type)  # RSS enclosure, Atom link (feedgen 1.0 drops its rel)
            for photo in item.photos:
                entry.media.content(url=photo.url, type=photo.media_type, medium="image",
                                    width=str(photo.width), height=str(photo.height), group=None)
    return bytes(fg.atom_str(pretty=True) if atom else fg.rss_str(pretty=True))


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    n = int(argv[0]) if argv else 1000
    with tempfile.TemporaryDirectory() as tmp:
        input_dir, cache = Path(tmp) / "input", Path(tmp) / "state" / "images"
        stories = generate_stories(n, input_dir)
        options = make_options(n)

        def resolver() -> ImageResolver:  # what a build's feeds get: fresh, on the warmed photo cache
            return ImageResolver(input_dir, offline=True, cache_dir=cache, max_size=options.image_max_size)

        items = feed_items(stories, options, resolver())  # warms the cache of normalised photos
        photos = sum(len(i.photos) for i in items)
        print(f"{n} stories, {photos} published photos, {sum(len(i.content_html) for i in items) / 1e6:.1f} MB of HTML")
        export_feeds = getattr(feeds_module, "export_feeds", None)

        def ours(formats: tuple[str, ...]) -> Callable[[], Any]:
            if len(formats) > 1 and export_feeds is not None:
                return lambda: export_feeds(stories, options, resolver(), formats)
            return lambda: [get_exporter(fmt)(stories, options, resolver()) for fmt in formats]

        def peer(formats: tuple[str, ...]) -> Callable[[], Any]:
            return lambda: [peer_feed(items, atom=fmt == "atom") for fmt in formats]

        rows = [("rss", ("rss",)), ("atom", ("atom",)), ("rss+atom", ("rss", "atom"))]
        worst = 0.0
        print(f"{'feed':10} {'syndicate':>10} {'feedgen alone':>14} {'ratio':>6}   per item")
        peers: dict[str, float] = {}
        for name, formats in rows:
            seconds, peers[name] = best_side_by_side(RUNS, ours(formats), peer(formats))
            ratio = seconds / peers[name]
            if name == "rss+atom":
                worst = ratio
            print(f"{name:10} {seconds * 1000:8.1f}ms {peers[name] * 1000:12.1f}ms {ratio:5.2f}x   "
                  f"{seconds / n * 1e6:6.0f} µs (feedgen {peers[name] / n * 1e6:.0f} µs)")
        forget = getattr(images_module, "forget_published_records", None)
        if forget is not None and export_feeds is not None:  # a feed process that published none of the photos
            def cold() -> Any:
                forget()
                return export_feeds(stories, options, resolver(), ("rss", "atom"))

            seconds, both = best_side_by_side(RUNS, cold, peer(("rss", "atom")))
            print(f"{'cold':10} {seconds * 1000:8.1f}ms {both * 1000:12.1f}ms {seconds / both:5.2f}x   rss+atom in a "
                  "process that published none of the photos (each record read from the state folder)")
        three = best_of(RUNS, ours(("rss", "atom", "jsonfeed")))
        per_feed = peers["rss+atom"] / 2
        print(f"{'all three':10} {three * 1000:8.1f}ms {'':>14} {'':>6}   a build's three feeds; per feed "
              f"{three / 3 * 1000:.1f} ms = {three / 3 / per_feed:.2f}x feedgen's mean feed ({per_feed * 1000:.1f} ms)")
        prepare = getattr(feeds_module, "prepare_feed", None)
        if export_feeds is not None and prepare is not None:  # where the time goes (this version only)
            from syndicate.exporters import PublishedPhotos

            def lookups() -> None:
                photos = PublishedPhotos(resolver())
                for story in stories:
                    for figure in story.figures:
                        if figure.image is not None:
                            photos(figure.image, story.root)

            print(f"of which: one preparation {best_of(RUNS, lambda: prepare(stories, options, resolver())) * 1000:.1f} ms "
                  f"(photo lookups in the image resolver {best_of(RUNS, lookups) * 1000:.1f} ms)")
    verdict = "OK" if worst <= TARGET_RATIO else "SLOW"
    print(f"{verdict}: RSS and Atom together at {worst:.2f}x feedgen alone (target {TARGET_RATIO}x)")
    return 0 if worst <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
