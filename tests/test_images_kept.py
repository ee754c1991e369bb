"""Photos kept as they are (issue 15) without keeping anything private, animated images flagged (issue 12),
photos found relative to their story's folder and published once per run (issues 11 and 15)."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image as PILImage

from syndicate.images import ImageProblem, ImageResolver, forget_published_records, published_name
from syndicate.model import Image, Story

from storygen import best_of, gif_frames, photo  # photo: the benchmarks' photo-like 1200x800 JPEG


def plain_jpeg(size: tuple[int, int] = (120, 80), **save: object) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG", quality=90, **save)
    return buffer.getvalue()


def plain_png(size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (10, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


# ---------------------------------------------------------------- kept without decoding, and only when clean


def test_a_photo_that_is_already_right_is_kept_without_decoding_its_pixels(tmp_path: Path) -> None:
    photo(tmp_path / "scene.jpg", 1)  # 1200x800, about 400 KB, nothing to change for a 1600 px limit
    data = (tmp_path / "scene.jpg").read_bytes()
    resolver = ImageResolver()
    kept = resolver.normalise(data)
    assert kept.data is data and (kept.width, kept.height) == (1200, 800) and not kept.animated

    def decode() -> None:
        with PILImage.open(io.BytesIO(data)) as im:
            im.load()

    check, decoding = best_of(5, lambda: resolver.normalise(data)), best_of(5, decode)
    # Checking the headers and segment list is a small fraction of decoding (about 1/20 on a quiet machine).
    assert check * 4 < decoding, f"keeping took {check * 1000:.2f} ms, decoding takes {decoding * 1000:.2f} ms"


@pytest.mark.parametrize("name", ["unknown APP segment", "comment between scans", "data after the end"])
def test_a_jpeg_carrying_anything_but_its_picture_is_re_encoded(name: str) -> None:
    """What Pillow's header parse does not see (unknown APPn, segments after the first scan, a trailer)."""
    clean = plain_jpeg()
    secret = b"SECRET-location-52.2N-21.0E"
    sos = clean.index(b"\xff\xda")
    progressive = plain_jpeg(progressive=True)
    second_scan = progressive.index(b"\xff\xda", progressive.index(b"\xff\xda") + 2)
    dirty = {
        "unknown APP segment": clean[:sos] + jpeg_segment(0xEB, secret) + clean[sos:],
        "comment between scans": progressive[:second_scan] + jpeg_segment(0xFE, secret) + progressive[second_scan:],
        "data after the end": clean + secret,
    }[name]
    assert ImageResolver().normalise(progressive).data == progressive  # the clean progressive one is kept
    resolved = ImageResolver().normalise(dirty)
    assert resolved.data != dirty and secret not in resolved.data
    with PILImage.open(io.BytesIO(resolved.data)) as out:
        assert out.format == "JPEG" and out.size == (120, 80)


def test_a_png_with_text_after_its_pixels_is_re_encoded() -> None:
    """PNG text chunks after IDAT are read by Pillow only when decoding: the chunk walk sees them."""
    clean = plain_png()
    iend = clean.rindex(b"IEND") - 4
    dirty = clean[:iend] + png_chunk(b"tEXt", b"Comment\0SECRET-note") + clean[iend:]
    with PILImage.open(io.BytesIO(dirty)) as im:
        assert "Comment" not in im.info  # not seen from the headers: the reason for the walk
    resolved = ImageResolver().normalise(dirty)
    assert b"SECRET-note" not in resolved.data and resolved.media_type == "image/png"
    assert ImageResolver().normalise(clean).data == clean  # the clean one is kept byte for byte


@pytest.mark.parametrize("data", [plain_png((200, 200))[:-30], plain_jpeg()[:-2]], ids=["PNG", "JPEG"])
def test_a_truncated_photo_is_decoded_and_refused_not_kept(data: bytes) -> None:
    """A file that stops before its end marker is not kept unseen: decoding it finds it corrupt."""
    with pytest.raises(ImageProblem, match="corrupt"):
        ImageResolver().normalise(data)


# ---------------------------------------------------------------- animation


def test_an_animated_gif_is_kept_and_flagged(tmp_path: Path) -> None:
    (tmp_path / "anim.gif").write_bytes(gif_frames(3))
    (tmp_path / "still.gif").write_bytes(gif_frames(1))
    resolver = ImageResolver(tmp_path)
    moving, still = resolver.resolve(Image("anim.gif")), resolver.resolve(Image("still.gif"))
    assert moving is not None and moving.animated and moving.data == (tmp_path / "anim.gif").read_bytes()
    assert still is not None and not still.animated and still.media_type == "image/gif"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_other_animations_become_one_still_frame(fmt: str) -> None:
    frames = [PILImage.new("RGB", (40, 30), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with PILImage.open(io.BytesIO(buffer.getvalue())) as im:
        assert im.is_animated  # the fixture really moves
    resolved = ImageResolver().normalise(buffer.getvalue())
    assert not resolved.animated
    with PILImage.open(io.BytesIO(resolved.data)) as out:
        red, green, blue = out.convert("RGB").getpixel((0, 0))
        assert not getattr(out, "is_animated", False) and red > 240 and green < 15 and blue < 15  # the first frame


def test_the_animated_flag_survives_the_disk_cache(tmp_path: Path) -> None:
    """A GIF with a comment is re-encoded (a still PNG, cached); an animated one kept is flagged, and the
    cache notes it as kept (its type and size only: its bytes are its own file's)."""
    root = tmp_path / "in"
    root.mkdir()
    (root / "anim.gif").write_bytes(gif_frames(3))
    (root / "noted.gif").write_bytes(gif_frames(3, comment=b"private note"))
    for _ in range(2):  # the second resolver reads what the first cached
        resolver = ImageResolver(root, cache_dir=tmp_path / "cache", note_kept=True)
        moving, noted = resolver.resolve(Image("anim.gif")), resolver.resolve(Image("noted.gif"))
        assert moving is not None and moving.animated and moving.data == (root / "anim.gif").read_bytes()
        assert noted is not None and not noted.animated and b"private note" not in noted.data
    entries = sorted(entry.read_bytes() for entry in (tmp_path / "cache" / "normalised").iterdir())
    assert entries[0] == b"image/gif 40 30 .gif 1 kept\n"  # the kept one: its type and size, no copy
    assert len(entries) == 2 and entries[1].startswith(b"image/png 40 30 .png 0\n\x89PNG")


# ---------------------------------------------------------------- roots, and published once


def test_a_root_per_call_resolves_each_story_s_photos_in_its_own_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "p.jpg").write_bytes(plain_jpeg((30, 20)))
    (tmp_path / "b" / "p.jpg").write_bytes(plain_jpeg((50, 40)))
    (tmp_path / "secret.jpg").write_bytes(plain_jpeg())
    resolver = ImageResolver()
    first, second = resolver.resolve(Image("p.jpg"), root=tmp_path / "a"), resolver.resolve(Image("p.jpg"),
                                                                                             root=tmp_path / "b")
    assert first is not None and second is not None and (first.width, second.width) == (30, 50)
    assert resolver.resolve(Image("../secret.jpg"), root=tmp_path / "a") is None  # confined to that root
    assert "leaves the input folder" in resolver.problems[0]


def test_for_stories_takes_the_folder_the_stories_were_read_from(tmp_path: Path) -> None:
    (tmp_path / "p.jpg").write_bytes(plain_jpeg((30, 20)))
    story = Story.from_dict({"id": "tag:example.com,2024:s", "slug": "s", "headline": "H", "summary": "S",
                             "body": [{"type": "figure", "caption": "C", "image": {"src": "p.jpg"}}]})
    story = story.replace(root=str(tmp_path))
    resolver = ImageResolver.for_stories([story], max_size=800)
    assert resolver.root == tmp_path and resolver.max_size == 800
    assert resolver.resolve(Image("p.jpg")) is not None and resolver.problems == []
    elsewhere = story.replace(root=str(tmp_path / "other"))
    assert ImageResolver.for_stories([story, elsewhere]).root == Path(".")  # no single folder: pass root per call


def test_a_photo_is_published_once_per_run_until_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "p.jpg"
    path.write_bytes(plain_jpeg((30, 20)))
    resolver = ImageResolver(tmp_path)
    first = resolver.published(Image("p.jpg"))
    resolved = resolver.resolve(Image("p.jpg"))
    assert first is not None and resolved is not None
    assert first.src == published_name("p.jpg", resolved) and (first.width, first.height) == (30, 20)
    assert resolver.published(Image("p.jpg")) is first  # a memo hit: no reading, no hashing
    path.write_bytes(plain_jpeg((60, 40)))
    os.utime(path, ns=(1, 1))
    changed = resolver.published(Image("p.jpg"))
    assert changed is not None and changed.src != first.src and changed.width == 60
    path.unlink()
    assert resolver.published(Image("p.jpg")) is None
    assert resolver.problems == ["image p.jpg: file not found"]


def test_a_published_record_is_shared_through_the_cache_folder(tmp_path: Path) -> None:
    """The build's feeds (another process) and the next run read the record, not the photo."""
    root, cache = tmp_path / "in", tmp_path / "cache"
    root.mkdir()
    (root / "p.jpg").write_bytes(plain_jpeg((30, 20)))
    first = ImageResolver(root, cache_dir=cache).published(Image("p.jpg"))
    assert first is not None
    entries = list((cache / "published").iterdir())
    assert len(entries) == 1 and entries[0].read_text() == f"{first.src} image/jpeg 30 20"
    entries[0].write_text("planted-0123456789.jpg image/jpeg 30 20")  # proves the next resolver reads the record
    forget_published_records()  # as in another process, which has published nothing yet
    planted = ImageResolver(root, cache_dir=cache).published(Image("p.jpg"))
    assert planted is not None and planted.src == "planted-0123456789.jpg"
    entries[0].write_bytes(b"\xff damaged")  # a damaged record is never trusted
    forget_published_records()
    assert ImageResolver(root, cache_dir=cache).published(Image("p.jpg")) == first
    (root / "p.jpg").write_bytes(plain_jpeg((60, 40)))  # an edited photo gets a new record
    os.utime(root / "p.jpg", ns=(1, 1))
    edited = ImageResolver(root, cache_dir=cache).published(Image("p.jpg"))
    assert edited is not None and edited.width == 60 and edited.src != first.src


def test_a_linked_folder_pointing_outside_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "in", tmp_path / "outside"
    (root / "photos").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(plain_jpeg())
    (root / "photos" / "mine.jpg").write_bytes(plain_jpeg())
    os.symlink(outside, root / "linked")
    os.symlink(root / "photos" / "mine.jpg", root / "alias.jpg")  # a link that stays inside is fine
    resolver = ImageResolver(root)
    assert resolver.resolve(Image("linked/secret.jpg")) is None
    assert resolver.problems == ["image linked/secret.jpg: path leaves the input folder (symlink)"]
    assert resolver.resolve(Image("alias.jpg")) is not None and resolver.resolve(Image("photos/mine.jpg")) is not None


def test_a_photo_kept_as_it_is_is_known_from_the_cache_without_pillow(tmp_path: Path) -> None:
    """A second process resolving a photo the cache notes as kept loads no Pillow (a real process, by
    ``sys.modules``), gets the file's very bytes, and an edited photo (another stat) is checked afresh."""
    root, cache = tmp_path / "in", tmp_path / "cache"
    root.mkdir()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(root / "p.jpg", "JPEG", quality=85)
    probe = ("import sys; from syndicate.images import ImageResolver; from syndicate.model import Image; "
             f"r = ImageResolver({str(root)!r}, cache_dir={str(cache)!r}, note_kept=True).resolve(Image('p.jpg')); "
             "print(r.data == open(sys.argv[1], 'rb').read(), r.width, r.height, 'PIL' in sys.modules)")
    answers = [subprocess.run([sys.executable, "-c", probe, str(root / "p.jpg")], capture_output=True, text=True,
                              check=True).stdout.split() for _ in range(2)]
    assert answers == [["True", "64", "48", "True"], ["True", "64", "48", "False"]]
    PILImage.new("RGB", (32, 24), (0, 0, 200)).save(root / "p.jpg", "JPEG", quality=85)  # edited: a new stat
    answer = subprocess.run([sys.executable, "-c", probe, str(root / "p.jpg")], capture_output=True, text=True,
                            check=True).stdout.split()
    assert answer == ["True", "32", "24", "True"]


def test_only_a_resolver_asked_to_notes_the_photos_it_keeps(tmp_path: Path) -> None:
    """A worker meets each photo once: its resolver writes no note for a photo kept as it is (a file per
    photo for nothing); the build's own, which meets the newest stories' photos at every build, does."""
    root, cache = tmp_path / "in", tmp_path / "cache"
    root.mkdir()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(root / "p.jpg", "JPEG", quality=85)
    assert ImageResolver(root, cache_dir=cache).resolve(Image("p.jpg")) is not None
    assert not (cache / "normalised").exists()
    assert ImageResolver(root, cache_dir=cache, note_kept=True).resolve(Image("p.jpg")) is not None
    assert [p.read_bytes() for p in (cache / "normalised").iterdir()] == [b"image/jpeg 64 48 .jpg 0 kept\n"]
