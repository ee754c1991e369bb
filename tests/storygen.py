"""Generated stories for tests and benchmarks: deterministic from a seed, realistic in shape.

``generate_stories(n, image_dir=...)`` gives ``n`` stories with paragraphs,
headings, quotes, lists and figures (some with local image files drawn with
Pillow in several formats, some without images), bylines, subjects and dates
spread over time. ``story_strategy()`` is the hypothesis strategy for
property tests. ``photo`` and ``five_photo_story`` give photo-like 1200x800
JPEGs for the image benchmarks and tests, ``gif_frames`` a small GIF, and
``best_of`` times them.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import strategies as st

from syndicate.model import (
    Byline,
    Figure,
    Heading,
    Image,
    ListBlock,
    Mark,
    Paragraph,
    Quote,
    Related,
    Source,
    Story,
    Subject,
)

WORDS = (
    "council budget river flood minister election harbour school strike vaccine court market rail bridge "
    "village mayor storm drought farmers protest museum festival police report hospital wildfire treaty "
    "border refugees ceasefire parliament vote energy prices union airport housing coast"
).split()
NAMES = ["Jane Doe", "John Roe", "Amira Haddad", "Kenji Watanabe", "Sofía Muñoz", "Olu Adeyemi", "Ève Laurent"]
TOPICS = [
    Subject("politics", "medtop:11000000", "http://cv.iptc.org/newscodes/mediatopic/"),
    Subject("economy, business and finance", "medtop:04000000", "http://cv.iptc.org/newscodes/mediatopic/"),
    Subject("environment", "medtop:06000000", "http://cv.iptc.org/newscodes/mediatopic/"),
    Subject("local news"),
]
IMAGE_FORMATS = [("JPEG", "image/jpeg", ".jpg"), ("PNG", "image/png", ".png"), ("GIF", "image/gif", ".gif"),
                 ("WEBP", "image/webp", ".webp")]
EPOCH = datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc)


def _sentence(rng: random.Random, n: int | None = None) -> str:
    words = [rng.choice(WORDS) for _ in range(n or rng.randint(6, 18))]
    return " ".join(words).capitalize() + "."


def draw_image(path: Path, fmt: str, size: tuple[int, int], seed: int) -> None:
    """Draw a small test photo (gradient and a box) in ``fmt`` at ``path``."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    mode = "CMYK" if fmt == "CMYK" else "RGB"
    img = PILImage.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    draw = ImageDraw.Draw(img)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill=(250, 250, 240))
    if mode == "CMYK":
        img.convert("CMYK").save(path, "JPEG", quality=80)
    else:
        img.save(path, fmt)


def photo(path: Path, seed: int, size: tuple[int, int] = (1200, 800)) -> None:
    """A photo-like 1200x800 JPEG: noise over a gradient, so it compresses like a real picture (~300 KB)."""
    from PIL import Image as PILImage

    noise = PILImage.effect_noise(size, 40 + seed).convert("L")
    gradient = PILImage.linear_gradient("L").resize(size)
    PILImage.merge("RGB", (noise, gradient, PILImage.blend(noise, gradient, 0.5))).save(path, "JPEG", quality=88)


def gif_frames(count: int, **save: object) -> bytes:
    """A GIF of ``count`` frames, each with a box in another place (so Pillow keeps them all)."""
    from PIL import Image as PILImage

    frames = []
    for n in range(count):
        frame = PILImage.new("P", (40, 30), 0)
        frame.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 756)
        frame.paste(1 + n % 3, (n * 10, 0, n * 10 + 10, 30))
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=count > 1, append_images=frames[1:], loop=0, duration=100, **save)
    return buffer.getvalue()


def generate_story(i: int, image_dir: Path | None = None, *, images: bool = True, rng: random.Random | None = None) -> Story:
    """Story number ``i``; with ``image_dir``, its figures get image files written there."""
    rng = rng or random.Random(i)
    body: list = []
    for part in range(rng.randint(2, 4)):
        if part:
            body.append(Heading(" ".join(rng.choice(WORDS) for _ in range(3)).capitalize(), 2))
        for _ in range(rng.randint(2, 4)):
            text = " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))
            marks: tuple[Mark, ...] = ()
            if rng.random() < 0.3:
                marks = (Mark(0, min(len(text), 8), "link", f"https://example.com/{i}/{part}"),)
            body.append(Paragraph(text, marks))
        if rng.random() < 0.4:
            body.append(Quote("“" + _sentence(rng) + "”", rng.choice(NAMES)))
        if rng.random() < 0.3:
            body.append(ListBlock(tuple(_sentence(rng, 4) for _ in range(3)), ordered=rng.random() < 0.5))
        if rng.random() < 0.7:
            n = len([b for b in body if isinstance(b, Figure)])
            image = None
            if images and image_dir is not None:
                fmt, media_type, ext = IMAGE_FORMATS[(i + n) % len(IMAGE_FORMATS)]
                name = f"story{i:04d}-{n}{ext}"
                size = (rng.randint(200, 400), rng.randint(150, 300))
                draw_image(image_dir / name, fmt, size, i * 10 + n)
                image = Image(name, media_type, size[0], size[1])
            caption = _sentence(rng)
            body.append(Figure(caption, f"Photo: {rng.choice(NAMES)}/Agency", caption[:30], image))
    published = EPOCH + timedelta(hours=7 * i, minutes=rng.randint(0, 59))
    bylines = tuple(Byline(n) for n in rng.sample(NAMES, rng.randint(0, 2)))
    return Story(
        id=f"tag:example.com,2026:story-{i}",
        slug=f"story-{i}",
        headline=f"Story {i}: " + _sentence(rng, 6).rstrip("."),
        subheadline=_sentence(rng) if rng.random() < 0.5 else None,
        summary=_sentence(rng),
        bylines=bylines,
        dateline=rng.choice([None, "LONDON", "NAIROBI, Kenya", "SÃO PAULO"]),
        published=published,
        updated=published + timedelta(hours=2) if rng.random() < 0.3 else None,
        language="en",
        url=rng.choice([None, f"https://example.com/news/story-{i}"]),
        source=Source("Example News", "https://example.com/"),
        rights="© 2026 Example News" if rng.random() < 0.5 else None,
        keywords=tuple(sorted(set(rng.sample(WORDS, 3)))),
        subjects=tuple(rng.sample(TOPICS, rng.randint(0, 2))),
        body=tuple(body),
        related=(Related("Earlier coverage", f"https://example.com/news/{i}-before"),) if rng.random() < 0.3 else (),
    )


def generate_stories(n: int, image_dir: Path | None = None, *, images: bool = True, start: int = 0) -> list[Story]:
    """``n`` generated stories (ids ``story-START`` …), images written to ``image_dir`` when given."""
    if image_dir is not None:
        image_dir.mkdir(parents=True, exist_ok=True)
    return [generate_story(i, image_dir, images=images) for i in range(start, start + n)]


def five_photo_story(folder: Path) -> Story:
    """A generated story with five 1200x800 photos (``photo-N.jpg`` in ``folder``), each after a paragraph."""
    base = generate_story(1, images=False)
    body: list = [b for b in base.body if not isinstance(b, Figure)]
    for n in range(5):
        photo(folder / f"photo-{n}.jpg", n)
        body.insert(min(len(body), 2 * n + 1), Figure(f"Photo {n}: the scene.", "Photo: Bench/Agency",
                                                     f"Photo {n}", Image(f"photo-{n}.jpg", "image/jpeg", 1200, 800)))
    return replace(base, body=tuple(body))


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The fastest of ``runs`` calls, in seconds (the least disturbed by other processes on the machine)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


# ---------------------------------------------------------------- hypothesis

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=60
).filter(lambda s: s.strip() != "")


@st.composite
def story_strategy(draw: st.DrawFn) -> Story:
    """Any valid story: arbitrary Unicode text in every field, every block type."""
    blocks = draw(st.lists(st.one_of(
        st.builds(Paragraph, _text),
        st.builds(Heading, _text, st.sampled_from([2, 3, 4])),
        st.builds(Quote, _text, st.none() | _text),
        st.builds(ListBlock, st.lists(_text, min_size=1, max_size=3).map(tuple), st.booleans()),
        st.builds(Figure, _text, st.none() | _text, st.none() | _text,
                  st.none() | st.builds(Image, st.just("https://example.com/a.jpg"), st.just("image/jpeg"),
                                        st.integers(1, 4000), st.integers(1, 4000))),
    ), min_size=1, max_size=8))
    published = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1),
                                  timezones=st.just(timezone.utc)))
    return Story(
        id="tag:example.com,2026:" + draw(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True)),
        slug=draw(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True)),
        headline=draw(_text),
        subheadline=draw(st.none() | _text),
        summary=draw(_text),
        bylines=tuple(Byline(n) for n in draw(st.lists(_text, max_size=3))),
        dateline=draw(st.none() | _text),
        published=published.replace(microsecond=0),
        subjects=tuple(Subject(n) for n in draw(st.lists(_text, max_size=2))),
        keywords=tuple(draw(st.lists(_text, max_size=3))),
        body=tuple(blocks),
    )


def story_as_text(story: Story, photos: Sequence[str] = ()) -> str:
    """The story as a scrape with YAML front matter naming its photos (its figures' images, then ``photos``,
    paths relative to the input folder): what users feed the build."""
    meta = [
        "---",
        f"headline: {json.dumps(story.headline)}",  # a JSON string is a YAML string
        f"published: {story.published.isoformat() if story.published else 'null'}",
        f"bylines: [{', '.join(b.name for b in story.bylines)}]",
    ]
    images = [f"images/{f.image.src}" for f in story.figures if f.image is not None] + list(photos)
    if images:
        meta.append("images: [" + ", ".join(images) + "]")
    meta.append("---")
    lines = []
    for block in story.body:
        if isinstance(block, (Paragraph, Heading)):
            lines.append(block.text)
        elif isinstance(block, Quote):
            lines.append(f"{block.text} {block.attribution or ''} said.".strip())
        elif isinstance(block, ListBlock):
            lines.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Figure):
            lines.append(f"{block.caption[:50]}\n{block.caption} ({block.credit})")
    return "\n".join(meta) + "\n" + "\n\n".join(lines) + "\n"


def write_inputs(folder: Path, n: int, *, images: bool = True) -> None:
    """Write ``n`` generated stories (``story-0000.txt``…) and their photos (``images/``) into ``folder``."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        story = generate_story(i, folder / "images", images=images)
        (folder / f"story-{i:04d}.txt").write_text(story_as_text(story), encoding="utf-8")
