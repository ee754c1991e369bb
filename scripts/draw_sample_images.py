"""Draw the pictures of the sample story ``input/harbour-reopens.txt`` into ``input/images/``.

The sample ships its own images so the project can show figures with real
files without borrowing anyone's photos. Everything is drawn with Pillow from
fixed numbers (no randomness, no clock, no fonts from the system), so running
the script again writes the same pixels::

    python scripts/draw_sample_images.py [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "input" / "images"

SEA = (38, 92, 138)
DEEP_SEA = (24, 64, 104)
LAND = (196, 186, 150)
ROCK = (110, 104, 96)
INK = (30, 30, 34)
PAPER = (248, 246, 240)
ACCENT = (214, 84, 48)

#: Daily highest water level at the tide gauge, cm above normal, 1-21 January 2024 (the story's chart).
WATER_LEVELS_CM = [32, 41, 38, 55, 62, 48, 51, 70, 96, 148, 221, 290, 204, 133, 90, 71, 60, 52, 44, 40, 36]


def draw_harbour_map(path: Path) -> None:
    """A plan of the harbour: coast, quays, the old breakwater and the rebuilt section in orange."""
    image = Image.new("RGB", (1200, 800), SEA)
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 0), (1200, 0), (1200, 260), (900, 300), (760, 250), (600, 330), (420, 300), (250, 360),
                  (0, 330)], fill=LAND)
    for x in range(80, 1100, 170):  # quays
        draw.rectangle([x, 300, x + 60, 420], fill=ROCK)
    draw.line([(150, 620), (520, 560), (900, 600), (1120, 520)], fill=ROCK, width=26)  # breakwater
    draw.line([(520, 560), (900, 600)], fill=ACCENT, width=26)  # the rebuilt 400 m
    draw.rectangle([40, 700, 240, 760], fill=PAPER, outline=INK, width=3)
    draw.line([(60, 730), (220, 730)], fill=INK, width=4)  # scale bar
    draw.polygon([(1120, 660), (1140, 740), (1100, 740)], fill=PAPER)  # north arrow
    image.save(path, "PNG", optimize=True)


def draw_water_levels(path: Path) -> None:
    """A bar chart of :data:`WATER_LEVELS_CM`, the peak bar in the accent colour."""
    width, height, margin = 1000, 600, 60
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.line([(margin, margin), (margin, height - margin), (width - margin, height - margin)], fill=INK, width=3)
    top = max(WATER_LEVELS_CM)
    step = (width - 2 * margin) / len(WATER_LEVELS_CM)
    for n, level in enumerate(WATER_LEVELS_CM):
        x0 = margin + n * step + 6
        bar_height = (height - 2 * margin) * level / top
        colour = ACCENT if level == top else SEA
        draw.rectangle([x0, height - margin - bar_height, x0 + step - 12, height - margin - 2], fill=colour)
    for cm in (100, 200):  # grid lines every metre
        y = height - margin - (height - 2 * margin) * cm / top
        draw.line([(margin, y), (width - margin, y)], fill=(200, 196, 188), width=1)
    image.save(path, "PNG", optimize=True)


def draw_first_ferry(path: Path) -> None:
    """A morning scene: sky fading to pale, the sea, the breakwater and a ferry leaving harbour."""
    width, height = 1200, 800
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = 430
    for y in range(horizon):  # dawn sky: a vertical gradient
        t = y / horizon
        draw.line([(0, y), (width, y)], fill=(int(250 - 120 * t), int(190 - 40 * t), int(140 + 60 * t)))
    for y in range(horizon, height):
        t = (y - horizon) / (height - horizon)
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(SEA, DEEP_SEA)))
    draw.ellipse([880, 250, 980, 350], fill=(255, 226, 170))  # the sun
    draw.polygon([(0, horizon), (0, 380), (220, 360), (420, 410), (520, horizon)], fill=(70, 76, 70))  # headland
    draw.rectangle([560, horizon + 40, 1200, horizon + 62], fill=ROCK)  # breakwater
    draw.polygon([(300, 560), (700, 560), (660, 620), (330, 620)], fill=PAPER)  # hull
    draw.rectangle([380, 500, 600, 560], fill=(230, 230, 226))  # superstructure
    draw.rectangle([470, 460, 510, 500], fill=ACCENT)  # funnel
    for x in range(395, 590, 30):  # windows
        draw.rectangle([x, 515, x + 16, 530], fill=INK)
    image.save(path, "JPEG", quality=82, optimize=True, progressive=False)


DRAWINGS = {
    "harbour-map.png": draw_harbour_map,
    "water-levels.png": draw_water_levels,
    "first-ferry.jpg": draw_first_ferry,
}


def main(argv: list[str]) -> int:
    """Draw every picture into the folder given (default ``input/images``); print what was written."""
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWINGS.items():
        path = out / name
        draw(path)
        print(f"{path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
