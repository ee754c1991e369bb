"""The plain-text reader on the real sample, on realistic inputs of our own, and on anything at all."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import syndicate
from syndicate.errors import InputError
from syndicate.model import Figure, Heading, ListBlock, Paragraph, Story
from syndicate.readers import InputFile
from syndicate.readers import text as text_reader

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "input" / "aleppo-evacuation.txt"
HARBOUR = ROOT / "input" / "harbour-reopens.txt"
DATA = Path(__file__).resolve().parents[1] / "data" / "text"

FURNITURE_LINES = {"View full gallery", "Special Project", "More Coverage"}


@pytest.fixture(scope="module")
def sample() -> Story:
    return syndicate.read(SAMPLE)


def of_type(story: Story, kind: type) -> list[Any]:
    return [b for b in story.body if isinstance(b, kind)]


def inferred(story: Story, field: str) -> list[Any]:
    return [i for i in story.inferred if i.field == field]


def all_strings(value: Any) -> list[str]:
    """Every string anywhere in a story's JSON object."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_strings(v)]
    return []


# ---------------------------------------------------------------- the sample


def test_sample_blocks_are_exactly_what_the_samples_readme_names(sample: Story) -> None:
    assert len(of_type(sample, Paragraph)) == 28
    assert [h.text for h in of_type(sample, Heading)] == [
        "Trading blame", "Peace talks", "Violence continues", "Kerry criticizes terrorizing of civilians"]
    assert len(of_type(sample, Figure)) == 5
    assert len(sample.body) == 28 + 4 + 5  # nothing else: no list, no quote invented from prose
    assert [(r.title, r.url) for r in sample.related] == [("Aleppo Evacuation in photos", None)]


def test_sample_figures_take_the_full_caption_which_is_also_the_alt_text(sample: Story) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    pairs = [(lines[n], lines[n + 1]) for n in range(len(lines) - 1)
             if lines[n] and lines[n + 1].startswith(lines[n])]
    assert len(pairs) == 5
    figures = of_type(sample, Figure)
    assert [f.caption for f in figures] == [caption for _, caption in pairs]
    # the scrape's cut line stops mid-word ("...Bash"): the caption it starts is the better alt text
    assert [f.alt for f in figures] == [f.caption for f in figures]
    assert any(cut != caption and caption[len(cut)].isalnum() for cut, caption in pairs)  # a mid-word cut
    assert figures[4].caption.startswith("FILE - U.S. Secretary of State John Kerry")
    assert all(f.image is None and f.credit is None for f in figures)  # the photos are not in the scrape


def test_sample_keeps_every_line_character_for_character(sample: Story) -> None:
    texts = [t for b in sample.body for t in ((b.text,) if isinstance(b, (Paragraph, Heading))
                                              else (b.caption, b.alt or "") if isinstance(b, Figure) else ())]
    titles = {r.title for r in sample.related}
    lines = [ln.replace("\u00a0", " ").strip() for ln in SAMPLE.read_text(encoding="utf-8").splitlines()]
    for line in filter(None, lines):
        if line in FURNITURE_LINES:
            assert not any(line in t for t in texts), f"furniture kept: {line!r}"
        elif line.startswith("Also see: "):
            assert line.removeprefix("Also see: ") in titles
        else:  # a photo's cut alt line is kept as the start of its caption
            assert line in texts or any(t.startswith(line) for t in texts), f"line lost or altered: {line!r}"


def test_sample_headline_and_date_are_inferred_and_explained(sample: Story) -> None:
    assert sample.headline.strip()
    assert sample.headline.startswith("With conflicting reports about who is responsible")
    assert [i.value for i in inferred(sample, "headline")] == [sample.headline]
    assert sample.published == datetime(2016, 12, 17, tzinfo=timezone.utc)
    assert sample.published.utcoffset() is not None
    (why,) = inferred(sample, "published")
    assert why.value == "2016-12-17T00:00:00+00:00"
    assert "Dec. 16, 2016" in why.reason and "Saturday" in why.reason and "time of day is unknown" in why.reason
    assert sample.summary == of_type(sample, Paragraph)[0].text  # the lead fits in 300 characters
    assert inferred(sample, "summary")


@pytest.mark.parametrize("path", [SAMPLE, HARBOUR, *sorted(DATA.glob("*.txt"))], ids=lambda p: p.name)
def test_json_round_trip_is_exact(path: Path) -> None:
    story = syndicate.read(path)
    assert Story.from_json(story.to_json()) == story
    assert Story.from_json(story.to_json()).to_json() == story.to_json()


def test_sample_identity_follows_the_file_name(sample: Story) -> None:
    assert sample.id == "tag:syndicate.invalid,2026:aleppo-evacuation"
    assert sample.slug == "aleppo-evacuation"


# ---------------------------------------------------------------- encodings and odd characters


@pytest.mark.parametrize("encode", [
    pytest.param(lambda t: t.encode("utf-8-sig"), id="utf-8-bom"),
    pytest.param(lambda t: t.encode("utf-16"), id="utf-16-bom"),
    pytest.param(lambda t: t.encode("utf-16-be").join([b"\xfe\xff", b""]), id="utf-16-be-bom"),
    pytest.param(lambda t: t.encode("cp1252"), id="cp1252"),
    pytest.param(lambda t: t.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
    pytest.param(lambda t: t.replace("\n", "\r").encode("utf-8"), id="cr"),
    pytest.param(lambda t: t.replace("\n", "\r\n").encode("utf-16"), id="utf-16-crlf"),
])
def test_the_sample_saved_otherwise_gives_the_same_story(encode: Any, sample: Story, tmp_path: Path) -> None:
    original = SAMPLE.read_text(encoding="utf-8")
    assert "’" in original and "“" in original  # curly quotes: the cp1252 case is a real test
    path = tmp_path / SAMPLE.name
    path.write_bytes(encode(original))
    assert syndicate.read(path) == sample


def test_spaces_zero_width_and_control_characters_are_normalised() -> None:
    raw = ("Council\u00a0votes on\u200b budget\n\nThe council\u2007voted on\u00a0Tuesday\u200d to cut the "
           "budget\x07 by\x1b 4\u00a0percent.\u2060\x0c\n\nIt\u2028was close.\n")
    story = text_reader.read(InputFile(raw.encode("utf-8"), Path("budget.txt")))
    assert story.headline == "Council votes on budget"
    assert [b.text for b in story.body] == ["The council voted on Tuesday to cut the budget by 4 percent.",
                                            "It", "was close."]


@pytest.mark.parametrize("data, reason", [
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b" \n\t\r\n  \n", "white space", id="whitespace"),
    pytest.param("\ufeff \n".encode("utf-8"), "white space", id="bom-and-space"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary", id="png"),
    pytest.param(b"Headline\n\nA paragraph\x00with a NUL byte.\n", "NUL", id="nul-byte"),
    pytest.param(bytes(range(256)) * 4, "binary", id="all-bytes"),
    pytest.param(b"\x81\x8d\x8f\x90\x9d" * 10, "encoding", id="not-cp1252"),
    pytest.param(b"\xe9\xe8\xff\xfd\xc0" * 40 + b"\n", "binary", id="mostly-high-bytes"),
    pytest.param(b"\x01\x02\x03\x04 some text \x05\x06\x07\x08\x0e\x0f", "binary", id="control-characters"),
    pytest.param(b"\xff\xfe" + b"\x00\xd8", "UTF-16", id="broken-utf-16"),
    pytest.param(b"View full gallery\n\nMore Coverage\n", "furniture", id="only-furniture"),
    pytest.param(b"---\nheadline: Only metadata\n---\n", "front matter", id="only-front-matter"),
])
def test_hostile_and_empty_inputs_are_refused_with_a_reason(data: bytes, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        syndicate.read(path)
    assert reason.lower() in caught.value.message.lower()
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)


# ---------------------------------------------------------------- photos, headings, furniture


@pytest.mark.parametrize("caption, text, credit", [
    ("Smoke rises over the city. (AP Photo/Hussein Malla)", "Smoke rises over the city.", "AP Photo/Hussein Malla"),
    # a labelled credit keeps its label, as printed (as a bracketed one keeps "AP Photo/")
    ("Smoke rises over the city. Photo: Rania Haddad/Daily Star", "Smoke rises over the city.",
     "Photo: Rania Haddad/Daily Star"),
    ("Photo: Rania Haddad/Daily Star", "", "Photo: Rania Haddad/Daily Star"),
    ("Tyvak plans small lunar landers. Credit: Tyvak", "Tyvak plans small lunar landers.", "Credit: Tyvak"),
    ("Home Depot stock fell. Photograph by Robyn Beck/AFP/Getty Images", "Home Depot stock fell.",
     "Photograph by Robyn Beck/AFP/Getty Images"),
    ("A duvet on a dresser. (Photo: Getty Images) Getty", "A duvet on a dresser.", "(Photo: Getty Images) Getty"),
    ("市民在公园里赏花。（新华社/李明 摄）", "市民在公园里赏花。", "新华社/李明 摄"),
    # a label glued to the caption's last word (the scrape lost a space) is left in the caption
    ("Hospital where patients sought treatmentCredit: EPA", "Hospital where patients sought treatmentCredit: EPA",
     None),
    ("Soldiers at a checkpoint on May 7, 2019. REUTERS/Mohamed Azakir", "Soldiers at a checkpoint on May 7, 2019.",
     "REUTERS/Mohamed Azakir"),
    ("Passengers on a platform. (Getty Images)", "Passengers on a platform.", "Getty Images"),
    ("Crowds in the square. (AFP)", "Crowds in the square.", "AFP"),
    ("A map of the harbour. (Graphic by Lena Moe/Harbour Gazette)", "A map of the harbour.",
     "Graphic by Lena Moe/Harbour Gazette"),
    ("Islamic State (ISIL) fighters in a convoy.", "Islamic State (ISIL) fighters in a convoy.", None),
    ("The team (in blue) celebrates.", "The team (in blue) celebrates.", None),
    ("FILE - U.S. Secretary of State John Kerry gives a press conference.",
     "FILE - U.S. Secretary of State John Kerry gives a press conference.", None),
])
def test_credit_is_split_from_the_caption(caption: str, text: str, credit: str | None) -> None:
    assert text_reader.split_credit(caption) == (text, credit)


PROSE_ENDING_WITH_AGENCY = "The president spoke on Monday in the capital (Reuters)"


@pytest.mark.parametrize("ending", ["(Reuters)", "(AP)", "(AFP)", "(via Zoom)", "(50/50)"])
def test_prose_ending_with_a_bracketed_agency_or_aside_stays_a_paragraph(ending: str) -> None:
    line = PROSE_ENDING_WITH_AGENCY.replace("(Reuters)", ending)
    raw = f"Talks resume\n\n{line}\n\nDelegates will meet again on Friday.\n"
    story = text_reader.read(InputFile(raw.encode(), Path("talks.txt")))
    assert story.body == (Paragraph(line), Paragraph("Delegates will meet again on Friday."))
    assert not story.figures


def test_a_bare_agency_credits_a_photo_only_beside_photos_or_in_a_caption_pair() -> None:
    raw = ("Floods in the valley\n\n"
           "Rivers rose for a fourth day on Thursday, officials said.\n\n"
           # a gallery: a caption with a photo's credit, then one that ends in a bare agency
           "Water covers a road near the river. (AP Photo/Ana Lima)\n\n"
           "A farmer moves sheep to higher ground. (Reuters)\n\n"
           # a caption pair (cut line + full caption) whose credit is a bare agency
           "Volunteers fill sandbags outside the\n"
           "Volunteers fill sandbags outside the town hall on Thursday. (AFP)\n\n"
           f"{PROSE_ENDING_WITH_AGENCY}\n\n"
           "Schools will reopen on Monday.\n")
    story = text_reader.read(InputFile(raw.encode(), Path("floods.txt")))
    assert [(f.caption, f.credit, f.alt) for f in story.figures] == [
        ("Water covers a road near the river.", "AP Photo/Ana Lima", None),
        ("A farmer moves sheep to higher ground.", "Reuters", None),
        # the cut line starts the caption: the whole caption is the better alt text
        ("Volunteers fill sandbags outside the town hall on Thursday.", "AFP",
         "Volunteers fill sandbags outside the town hall on Thursday."),
    ]
    # the prose line sits right after the caption pair, but it is a paragraph of the story: it stays one
    assert Paragraph(PROSE_ENDING_WITH_AGENCY) in story.body


def test_agency_story_header_captions_list_and_related() -> None:
    story = syndicate.read(DATA / "ap-beirut.txt")
    assert story.headline == "Rescuers search collapsed market after overnight blast in Beirut"
    assert [(b.name, b.role) for b in story.bylines] == [("Jane Doe", "Associated Press")]
    assert story.dateline == "BEIRUT"
    assert story.source is not None and story.source.name == "The Associated Press"
    lead = of_type(story, Paragraph)[0]
    assert lead.text.startswith("Rescue teams dug through the rubble")  # the dateline is not left in the text
    assert any("BEIRUT (AP) —" in i.reason for i in inferred(story, "dateline"))  # ...nor lost
    figures = of_type(story, Figure)
    assert [(f.caption, f.credit, f.alt) for f in figures] == [
        ("A rescue worker carries a child from the rubble of the collapsed market building in Beirut, Lebanon, "
         "Monday, May 6, 2019.", "AP Photo/Hussein Malla", "A rescue worker carries a child from the rubble of the "
         "collapsed market building in Beirut, Lebanon, Monday, May 6, 2019."),
        ("Lebanese soldiers cordon off the street near the market on Tuesday, May 7, 2019.",
         "REUTERS/Mohamed Azakir", None),
        ("Relatives wait for news outside the hospital.", "Photo: Rania Haddad/Daily Star", None),
    ]
    (numbered,) = of_type(story, ListBlock)
    assert numbered.ordered and numbered.items[1] == "faulty wiring installed during last year's renovation;"
    assert [h.text for h in of_type(story, Heading)] == ["What investigators know"]
    assert [(r.title, r.url) for r in story.related] == [
        ("Beirut port blast: what we know", None),
        ("Lebanon's building safety rules explained", "https://example.org/lebanon-building-rules")]
    # the story's content (its inferred entries explain, line by line, where the furniture went)
    everything = "\n".join(all_strings({k: v for k, v in story.to_dict().items() if k != "inferred"}))
    for furniture in ("Skip to content", "Advertisement", "Share this article", "12 Comments", "Related:"):
        assert furniture not in everything
    assert story.published == datetime(2019, 5, 7, tzinfo=timezone.utc)


def test_two_bylines_wrapped_paragraph_quote_and_short_paragraphs() -> None:
    story = syndicate.read(DATA / "washington-two-bylines.txt")
    assert [(b.name, b.role) for b in story.bylines] == [("Jane Doe", None), ("John Roe", None)]
    assert story.dateline == "WASHINGTON" and story.source is None
    paragraphs = [p.text for p in of_type(story, Paragraph)]
    assert paragraphs[0] == ("The Senate on Wednesday passed a bill that would require freight railroads to run "
                             "crews of at least two people and to inspect wheel bearings more often, two years "
                             "after a derailment in Ohio forced thousands from their homes.")
    # a paragraph that is all quotation stays a paragraph; a short sentence is a paragraph, not a heading
    assert "“This is a good day for every town that has a railroad running through it.”" in paragraphs
    assert "The vote was 62-37." in paragraphs
    assert [h.text for h in of_type(story, Heading)] == ["Industry response"]
    assert [(f.caption, f.credit) for f in of_type(story, Figure)] == [
        ("Passengers wait on a platform at Union Station.", "Getty Images")]
    assert [(r.title, r.url) for r in story.related] == [
        ("Ohio derailment, one year later", "https://example.org/ohio-derailment")]
    assert story.published is None and not inferred(story, "published")  # no date in it: none invented


def test_short_sentence_is_a_paragraph_and_short_unpunctuated_line_a_heading() -> None:
    raw = ("Aid reaches the border\n\nTrucks crossed at dawn with food and medicine for the camps.\n\n"
           "Scores of wounded civilians arrived in Turkey Friday for treatment.\n\nWhat happens next\n\n"
           "The next convoy is due on Monday.\n\nThe end of the story\n")
    story = text_reader.read(InputFile(raw.encode(), Path("aid.txt")))
    assert [type(b).__name__ for b in story.body] == ["Paragraph", "Paragraph", "Heading", "Paragraph", "Paragraph"]
    assert story.body[1] == Paragraph("Scores of wounded civilians arrived in Turkey Friday for treatment.")
    assert story.body[-1] == Paragraph("The end of the story")  # a short line with nothing after is not a heading


def test_bulleted_lists_in_all_three_styles_and_across_a_blank_line() -> None:
    raw = ("Three things to know\n\nThe plan has three parts:\n\n- more buses\n* longer hours\n\n"
           "• cheaper tickets\n\nIt starts in June.\n")
    story = text_reader.read(InputFile(raw.encode(), Path("plan.txt")))
    assert story.body[1] == ListBlock(("more buses", "longer hours", "cheaper tickets"), ordered=False)


def test_byline_in_capitals_is_title_cased_and_the_line_kept_in_inferred() -> None:
    raw = "Storm hits coast\n\nBy JANE DOE and JOHN ROE, Associated Press\n\nHOUSTON — Winds reached 120 mph.\n"
    story = text_reader.read(InputFile(raw.encode(), Path("storm.txt")))
    assert [(b.name, b.role) for b in story.bylines] == [("Jane Doe", "Associated Press"),
                                                        ("John Roe", "Associated Press")]
    assert any("By JANE DOE and JOHN ROE, Associated Press" in i.reason for i in inferred(story, "bylines"))
    assert story.dateline == "HOUSTON" and story.body == (Paragraph("Winds reached 120 mph."),)


def test_file_prefix_is_not_a_dateline() -> None:
    raw = "Kerry in Paris\n\nFILE - Kerry spoke in Paris, where talks resumed.\n"
    story = text_reader.read(InputFile(raw.encode(), Path("kerry.txt")))
    assert story.dateline is None and story.body == (Paragraph("FILE - Kerry spoke in Paris, where talks resumed."),)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("written, expected", [
    ("December 16, 2016", datetime(2016, 12, 16, tzinfo=timezone.utc)),
    ("16 December 2016", datetime(2016, 12, 16, tzinfo=timezone.utc)),
    ("Dec. 16, 2016", datetime(2016, 12, 16, tzinfo=timezone.utc)),
    ("Sept. 3, 2019", datetime(2019, 9, 3, tzinfo=timezone.utc)),
    ("2016-12-16", datetime(2016, 12, 16, tzinfo=timezone.utc)),
    ("Feb. 30, 2016", None),  # not a date
])
def test_explicit_dates_in_the_text(written: str, expected: datetime | None) -> None:
    raw = f"Vote count ends\n\nOfficials finished the count on {written}, a week late.\n"
    assert text_reader.read(InputFile(raw.encode(), Path("count.txt"))).published == expected


def test_weekday_in_the_lead_resolves_to_the_nearest_such_day() -> None:
    # Dec. 16, 2016 was a Friday: "Thursday" is the day before (the anchor stays), "Sunday" two days after.
    caption = "Buses leave the city\nBuses leave the city on Dec. 16, 2016.\n\n"
    before = text_reader.read(InputFile((caption + "Officials said Thursday the buses would stop.\n").encode()))
    after = text_reader.read(InputFile((caption + "Officials said Sunday the buses would stop.\n").encode()))
    assert before.published == datetime(2016, 12, 16, tzinfo=timezone.utc)
    assert after.published == datetime(2016, 12, 18, tzinfo=timezone.utc)


def test_caption_dates_win_over_dates_mentioned_in_the_text() -> None:
    raw = ("Talks resume\n\nTalks resumed on Monday after the ceasefire of March 3, 2017, collapsed; "
           "a vote is set for Dec. 1, 2018.\n\nDelegates arrive at the hall on March 20, 2017. (AP Photo/Jo Bo)\n")
    story = text_reader.read(InputFile(raw.encode(), Path("talks.txt")))
    assert story.published == datetime(2017, 3, 20, tzinfo=timezone.utc)


# ---------------------------------------------------------------- identity


def test_id_and_slug_follow_the_path_not_the_content(tmp_path: Path) -> None:
    folder = tmp_path / "world" / "mideast"
    folder.mkdir(parents=True)
    path = folder / "Aleppo Update.txt"
    path.write_text("Aleppo update\n\nBuses left the city on Friday.\n", encoding="utf-8")
    first = syndicate.read(path, root=tmp_path)
    path.write_text("Aleppo evacuation halted\n\nThe evacuation was halted on Saturday.\n", encoding="utf-8")
    edited = syndicate.read(path, root=tmp_path)
    assert first.id == edited.id == "tag:syndicate.invalid,2026:world/mideast/Aleppo%20Update"
    assert first.slug == edited.slug == "world-mideast-aleppo-update"
    assert first.headline != edited.headline


# ---------------------------------------------------------------- the second sample


def test_harbour_sample_uses_its_sidecar_and_its_drawn_images() -> None:
    story = syndicate.read(HARBOUR)
    assert story.headline == "Port Ellis harbour reopens two months after January storm"
    assert story.published is not None and story.published.isoformat() == "2024-03-14T07:30:00+01:00"
    assert [b.name for b in story.bylines] == ["Marta Olsen"]
    assert [s.code for s in story.subjects] == ["medtop:04000000", "medtop:17000000"]
    assert story.dateline == "PORT ELLIS, Norway"
    figures = of_type(story, Figure)
    assert [(f.image.src, f.image.media_type) for f in figures if f.image] == [
        ("images/first-ferry.jpg", "image/jpeg"), ("images/water-levels.png", "image/png"),
        ("images/harbour-map.png", "image/png")]
    assert all((HARBOUR.parent / f.image.src).is_file() for f in figures if f.image)
    assert [f.credit for f in figures] == ["Illustration by Lena Moe/Harbour Gazette", "Graphic: Lena Moe/Harbour Gazette",
                                           "Graphic by Lena Moe/Harbour Gazette"]
    assert figures[0].caption.startswith("The first ferry of the morning")
    assert not inferred(story, "headline") and not inferred(story, "published")  # metadata, not guesses
    assert [h.text for h in of_type(story, Heading)] == ["How the wall was rebuilt", "What comes next"]
    assert len(of_type(story, ListBlock)) == 1 and len(of_type(story, Paragraph)) == 10
    assert [r.title for r in story.related] == ["Storm leaves Port Ellis cut off from the islands"]


def test_sample_images_are_small() -> None:
    from PIL import Image

    for path in sorted((ROOT / "input" / "images").iterdir()):
        with Image.open(path) as picture:
            assert picture.size[0] <= 1200 and picture.size[1] <= 800
        assert path.stat().st_size < 60_000, path


# ---------------------------------------------------------------- properties

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NEWSY = st.lists(st.sampled_from([
    "", "", "Headline here", "By JANE DOE, Associated Press", "By Jane Doe and John Roe",
    "ALEPPO, Syria (AP) — Buses left on Friday.", "WASHINGTON — The vote was close.",
    "Smoke rises. (AP Photo/Hussein Malla)", "Photo: Ana Lima/Valley Herald", "REUTERS/Omar Sanadiki",
    "A rebel fighter stands near a bus transporting eva",
    "A rebel fighter stands near a bus transporting evacuees, Dec. 16, 2016.",
    "Trading blame", "Scores of wounded civilians arrived in Turkey Friday for treatment.", "- an item", "1. first",
    "Also see: Aleppo Evacuation in photos", "Related:", "View full gallery", "More Coverage", "Saturday",
    "“We’ll build safe zones.”", "---", "headline: x", "FILE - caption", "\u00a0\u200b", "\t",
]), max_size=25).map("\n".join)
ANY_TEXT = st.one_of(st.text(), NEWSY, st.lists(st.one_of(st.text(max_size=40), NEWSY), max_size=6).map("\n".join))



def read_or_refuse(data: bytes) -> Story | None:
    """The reader's answer: a story, or None when it refused the input with its own error."""
    try:
        return text_reader.read(InputFile(data, Path("prop.txt")))
    except InputError:
        return None


@PROPERTY_SETTINGS
@given(st.one_of(st.binary(), ANY_TEXT.map(lambda t: t.encode("utf-8")), ANY_TEXT.map(lambda t: t.encode("utf-16"))))
def test_any_input_gives_a_valid_story_or_an_input_error(data: bytes) -> None:
    story = read_or_refuse(data)
    if story is not None:
        assert Story.from_json(story.to_json()) == story
        assert story.headline.strip()
        assert story.published is None or story.published.utcoffset() is not None


# -- no story text is lost: news-like stories built line by line, so the test knows which lines are furniture

#: Page furniture this test writes itself: the only lines whose words may disappear.
FURNITURE = ["View full gallery", "Advertisement", "Share this article", "12 Comments", "More Coverage",
             "Skip to content", "Follow us on Twitter"]
#: Label words the reader rightly drops (``By`` before names, ``Photo:`` before a credit, ``Also see:``...).
LABEL_WORDS = {"by", "and", "photo", "also", "see", "related"}
#: Characters a scrape carries that are not text: zero-width ones go, the others separate words like a space.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüøçñß", min_size=2, max_size=9)
NAME = WORD.map(str.capitalize)
# some words carry a zero-width character or a compatibility form (ﬁ, ２) inside them, as scraped text does
ODD_WORD = st.one_of(WORD, NAME, st.builds(lambda a, b: f"{a}\u200b{b}", WORD, WORD),
                     st.builds(lambda a: f"{a}ﬁ", WORD), st.builds(lambda a: f"{a}２０", WORD))
SPACE = st.sampled_from([" ", " ", " ", "\u00a0", "  "])


@st.composite
def words(draw: st.DrawFn, low: int, high: int, first: st.SearchStrategy[str] = NAME) -> str:
    parts = [draw(first), *draw(st.lists(ODD_WORD, min_size=low - 1, max_size=high - 1))]
    return "".join(p + draw(SPACE) for p in parts[:-1]) + parts[-1]


SENTENCE = words(4, 12).map(lambda w: w + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=3).map(" ".join)


@st.composite
def caption_pair(draw: st.DrawFn) -> str:
    caption = draw(words(6, 14)) + "."
    # cut at a word's end: a word cut in half is not text (the sample tests a mid-word cut, alt = caption)
    cut = caption[:max(20, len(caption) // 2)]
    if not caption[len(cut):len(cut) + 1].isspace():
        cut = re.sub(r"\s*\S+$", "", cut) or caption
    return f"{cut}\n{caption} (AP Photo/{draw(NAME)} {draw(NAME)})"


BLOCK = st.one_of(
    PARAGRAPH,
    PARAGRAPH.map(lambda p: p + " (Reuters)"),  # prose that names its agency
    # a subheading, over its text: short lines with no sentence after them are the page's tail (links, tags)
    st.builds(lambda heading, text: f"{heading}\n\n{text}", words(2, 5), PARAGRAPH),
    st.lists(words(1, 6).map(lambda w: "- " + w), min_size=2, max_size=4).map("\n".join),
    caption_pair(),
    st.builds(lambda c, n, a: f"{c}.\nPhoto: {n}/{a}", words(4, 10), NAME, NAME),
    words(2, 6).map(lambda w: "Also see: " + w),
)


@st.composite
def news_story(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A story as a scraper saves it, and the lines of it that are not furniture (which the test knows)."""
    header = [draw(words(3, 8))]
    if draw(st.booleans()):
        header.append(f"By {draw(NAME)} {draw(NAME)}" + draw(st.sampled_from(["", f" and {draw(NAME)} {draw(NAME)}"])))
    lead = draw(PARAGRAPH)
    if draw(st.booleans()):
        lead = f"{draw(WORD).upper()} — {lead}"
    blocks = ["\n".join(header), lead, *draw(st.lists(BLOCK, max_size=8))]
    text_blocks = list(blocks)
    for _ in range(draw(st.integers(0, 3))):  # furniture anywhere between blocks
        blocks.insert(draw(st.integers(0, len(blocks))), draw(st.sampled_from(FURNITURE)))
    return "\n\n".join(blocks) + "\n", text_blocks


def word_set(text: str) -> set[str]:
    """The words of ``text`` as this test counts them: NFKC, no zero-width characters, split on non-word ones."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if c not in INVISIBLE)
    return {w.casefold() for w in re.split(r"\W+", text) if w}


def story_text(story: Story) -> list[str]:
    """Every string the story carries as text: headline, deck, dateline, bylines, body and related (not guesses)."""
    out = [story.headline, story.subheadline or "", story.dateline or ""]
    out += [part or "" for b in story.bylines for part in (b.name, b.role)]
    out += [part or "" for r in story.related for part in (r.title, r.url)]
    for block in story.body:
        if isinstance(block, (Paragraph, Heading)):
            out.append(block.text)
        elif isinstance(block, Figure):
            out += [block.caption, block.credit or "", block.alt or ""]
        elif isinstance(block, ListBlock):
            out += block.items
    return out


@PROPERTY_SETTINGS
@given(news_story())
def test_no_story_text_is_lost(generated: tuple[str, list[str]]) -> None:
    raw, text_blocks = generated
    story = text_reader.read(InputFile(raw.encode("utf-8"), Path("story.txt")))
    kept = word_set(" ".join(story_text(story)))
    expected = word_set(" ".join(text_blocks)) - LABEL_WORDS
    assert expected <= kept, sorted(expected - kept)
    assert word_set(" ".join(story_text(story))).isdisjoint({"gallery", "advertisement", "skip"} - expected)


@PROPERTY_SETTINGS
@given(ANY_TEXT)
def test_reading_through_the_public_api_agrees(raw: str) -> None:
    data = raw.encode("utf-8")
    if data.lstrip()[:1] == b"<":
        return  # text starting with "<" is sniffed as XML and goes to another reader
    try:
        story = syndicate.read(data)
    except InputError:
        assert read_or_refuse(data) is None
        return
    direct = text_reader.read(InputFile(data))
    assert story == direct


# ---------------------------------------------------------------- through the command line


def run_cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syndicate", *map(str, args)], capture_output=True, text=True,
                          check=False, cwd=cwd)


def test_cli_parse_prints_the_story_and_explains_the_guesses(sample: Story, tmp_path: Path) -> None:
    # run where no syndicate.toml is (the project's own sets a base URL, hence other ids): the same story
    parsed = run_cli("parse", SAMPLE, cwd=tmp_path)
    assert parsed.returncode == 0, parsed.stderr
    assert Story.from_json(parsed.stdout) == sample
    explained = run_cli("parse", SAMPLE, "--explain")
    assert explained.returncode == 0
    assert "2016-12-17T00:00:00+00:00" in explained.stdout and "time of day is unknown" in explained.stdout


def test_cli_parse_refuses_binary_input_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run_cli("parse", path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr and "binary" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_slug_folds_accents_and_leaves_ascii_as_it_is() -> None:
    """Folding loads the Unicode tables only for text that is not ASCII; either way the slug is the same kind."""
    from syndicate.readers import slugify

    assert slugify("Café Müller — São Paulo") == "cafe-muller-sao-paulo"
    assert slugify("ﬁnal Ⅻ") == "final-xii"  # compatibility forms fold too
    assert slugify("Harbour Reopens!") == "harbour-reopens" and slugify("北京") == "story"
