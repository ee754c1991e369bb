"""The plain-text reader on the failure classes of real scrapes (issue 14), in several languages and scripts.

Each story file under ``tests/data/text/`` was written for one class of
failure seen on scrapes from other sites; the expected values below are read
off the file by a person (the byline is the line that says ``By``, the
caption the line that ends with the credit…), never copied from the reader's
output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import syndicate
from syndicate.model import Figure, Heading, ListBlock, Paragraph, Story
from syndicate.readers import InputFile
from syndicate.readers import text as text_reader

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data" / "text"


def read(name: str) -> Story:
    return syndicate.read(DATA / name)


def read_text(raw: str) -> Story:
    return text_reader.read(InputFile(raw.encode("utf-8"), Path("story.txt")))


def of_type(story: Story, kind: type) -> list[Any]:
    return [b for b in story.body if isinstance(b, kind)]


def body_texts(story: Story) -> list[str]:
    return [b.text for b in story.body if isinstance(b, (Paragraph, Heading))]


def content(story: Story) -> str:
    """Everything the story says (not the explanations in ``inferred``), as one string."""
    return "\n".join(_strings({k: v for k, v in story.to_dict().items() if k != "inferred"}))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def line_decision(story: Story, number: int) -> tuple[str, str]:
    """What line ``number`` of the file became, and why (from the reader's per-line entries in ``inferred``)."""
    (entry,) = [i for i in story.inferred if i.field == f"line {number}"]
    return entry.value, entry.reason


# ---------------------------------------------------------------- bylines


def test_a_byline_on_the_first_line_is_the_byline_not_the_headline() -> None:
    story = read("byline-first-line.txt")
    assert story.headline == "Ferry fares rise for the first time in a decade"
    assert [(b.name, b.role) for b in story.bylines] == [("Maria Lopez", "harbourgazette.com")]
    assert "By Maria Lopez" not in content(story).replace("Maria Lopez (", "")  # not in the body either
    assert line_decision(story, 1)[0].startswith("byline")


def test_a_byline_carrying_the_date_gives_the_name_and_the_date() -> None:
    story = read("byline-with-date.txt")
    assert [(b.name, b.role) for b in story.bylines] == [("Tom Berg", None)]
    assert story.published == datetime(2020, 3, 3, tzinfo=timezone.utc)
    assert story.date_only  # the day is known; "9:15 a.m." has no time zone, so no time is claimed
    (why,) = [i for i in story.inferred if i.field == "published"]
    assert "March 3rd, 2020" in why.reason and "time zone" in why.reason


def test_a_byline_without_by_names_the_reporter_and_a_role() -> None:
    story = read_text("Dam opens its gates\n\nTom Krisher, AP Auto Writer\n\n"
                      "The dam on the river opened its gates on Monday for the first time in ten years.\n")
    assert [(b.name, b.role) for b in story.bylines] == [("Tom Krisher", "AP Auto Writer")]
    assert body_texts(story) == ["The dam on the river opened its gates on Monday for the first time in ten years."]


# ---------------------------------------------------------------- photos


def test_photos_whose_alt_line_is_short_or_not_a_prefix_of_the_caption_are_figures() -> None:
    story = read("photos-alt-not-prefix.txt")
    assert [(f.alt, f.caption, f.credit) for f in of_type(story, Figure)] == [
        ("Tyvak lander", "Tyvak plans to use its experience with small satellites for its lunar landers.",
         "Credit: Tyvak"),
        ("Portrait of an engineer",
         "An engineer checks a lander's landing legs in a clean room in Irvine, California.",
         "(Photo: Getty Images) Getty"),
        # the scrape's cut line ("... rehearsal on") starts the caption: the caption is the alt text
        ("Mission control in Houston during a rehearsal on Friday.",
         "Mission control in Houston during a rehearsal on Friday.", "AP Photo/Ana Lima"),
    ]
    assert len(of_type(story, Paragraph)) == 4  # the story's paragraphs, and nothing of the photos
    assert "Tyvak lander" not in body_texts(story) and "Portrait of an engineer" not in body_texts(story)


def test_a_subheading_over_a_paragraph_that_repeats_its_words_is_not_a_photo() -> None:
    story = read_text("Carmakers show electric wagons\n\nThe show opened on Monday with six new models.\n\n"
                      "VOLKSWAGEN SPACE VIZZION CONCEPT\n\n"
                      "Volkswagen is giving us a glimpse of the future with a low electric wagon, the Space Vizzion "
                      "concept, shown on Monday.\n\nIt goes on sale in 2021.\n")
    assert not story.figures
    assert of_type(story, Heading) == [Heading("VOLKSWAGEN SPACE VIZZION CONCEPT")]


# ---------------------------------------------------------------- related links, pull quotes, furniture


@pytest.fixture(scope="module")
def ferries() -> Story:
    return read("related-and-furniture.txt")


def test_link_lists_under_related_headers_become_related_not_body(ferries: Story) -> None:
    assert [r.title for r in ferries.related] == [
        "Breakwater repairs finished ahead of schedule", "Islanders raise money for a new lifeboat",
        "Ferry fares rise for the first time in a decade"]
    assert not any("Breakwater" in t or "lifeboat" in t for t in body_texts(ferries))


def test_a_pull_quote_repeating_a_body_sentence_appears_once(ferries: Story) -> None:
    sentence = "We are one community, even when the sea is between us."
    assert content(ferries).count(sentence) == 1
    assert any(sentence in t for t in body_texts(ferries))  # kept where the quote is said


def test_share_popular_survey_copyright_and_about_lines_are_furniture(ferries: Story) -> None:
    text = content(ferries)
    for furniture in ("Share on Facebook", "Share on Twitter", "Most popular", "Local band wins national prize",
                      "Storm leaves Port Ellis", "Was this article helpful?", "About this article",
                      "Cite this article", "You may also like", "More on ferries"):
        assert furniture not in text, furniture
    assert ferries.rights == "© 2024 Harbour Gazette. All rights reserved."
    # the popular stories were dropped, with a reason naming their header's line
    value, reason = line_decision(ferries, 33)
    assert value.startswith("dropped") and "popular" in reason and "line 31" in reason


def test_a_short_prompt_line_between_story_paragraphs_is_kept(ferries: Story) -> None:
    texts = body_texts(ferries)
    assert "Subscribe…" in texts  # the islanders' message, between two paragraphs that tell of it
    assert texts.index("Subscribe…") + 1 == next(n for n, t in enumerate(texts) if t.startswith("That was"))
    assert "in doubt" in line_decision(ferries, 15)[1]


def test_every_paragraph_of_the_story_is_kept(ferries: Story) -> None:
    lines = (DATA / "related-and-furniture.txt").read_text(encoding="utf-8").splitlines()
    story_lines = [ln for ln in lines[2:20] if len(ln) > 40 and not ln.startswith("We are one")]
    assert len(story_lines) == 5
    assert [t for t in body_texts(ferries) if len(t) > 40] == story_lines


# ---------------------------------------------------------------- lists, datelines, dates


def test_ordered_list_keeps_its_start_dateline_past_the_lead_and_a_yearless_date() -> None:
    story = read("list-dateline-undated.txt")
    (steps,) = of_type(story, ListBlock)
    assert steps.ordered and steps.items == ("hire and train staff on the island;", "print ballots for 312 voters;",
                                             "open the station on election day.")
    assert steps.start == 3
    (item,) = json.loads(syndicate.export(story, "jsonfeed", title="Gazette"))["items"]
    assert '<ol start="3"><li>hire and train staff' in item["content_html"]
    # the dateline opens the second paragraph, under a one-line intro
    assert story.dateline == "PORT ELLIS, Norway"
    assert "The election office said on March 3" in body_texts(story)[2]
    # "March 3" has no year; the copyright line names 2024 and no other year
    assert story.published == datetime(2024, 3, 3, tzinfo=timezone.utc)
    (why,) = [i for i in story.inferred if i.field == "published"]
    assert "'March 3'" in why.reason and "2024" in why.reason


def test_a_yearless_date_is_not_resolved_without_a_known_year() -> None:
    story = read_text("Polling station opens\n\nThe election office said on March 3 that it would open "
                      "a polling station on the island.\n")
    assert story.published is None


@pytest.mark.parametrize("lead, place", [
    ("BERLIN – Die Regierung hat am Montag einen neuen Haushalt vorgelegt.", "BERLIN"),
    ("Lyon, France – Le maire a présenté lundi un nouveau plan pour les transports.", "Lyon, France"),
    ("МОСКВА — Правительство в понедельник представило новый бюджет.", "МОСКВА"),
    ("北京，中国 — 北京市政府3日公布了新的交通计划。", "北京，中国"),
    ("新华社北京3月3日电（记者 李明）北京市政府3日公布了新的交通计划。", "北京"),
])
def test_datelines_in_other_scripts_and_with_an_en_dash(lead: str, place: str) -> None:
    story = read_text(f"Headline\n\n{lead}\n")
    assert story.dateline == place
    text = story.body[0].text
    assert lead.endswith(text) and len(text) < len(lead) - len(place)  # the dateline is off the text, kept apart


# ---------------------------------------------------------------- scripts without capital letters


@pytest.fixture(scope="module")
def arabic() -> Story:
    return read("ar-beirut-market.txt")


@pytest.fixture(scope="module")
def chinese() -> Story:
    return read("zh-beijing-park.txt")


@pytest.fixture(scope="module")
def german() -> Story:
    return read("de-hamburg-hafen.txt")


def test_arabic_story_subheading_dateline_credit_and_byline(arabic: Story) -> None:
    assert arabic.headline == "فرق الإنقاذ تبحث عن ناجين تحت أنقاض سوق في بيروت"
    assert [b.name for b in arabic.bylines] == ["سارة حداد"]
    assert arabic.dateline == "بيروت" and arabic.source is not None and arabic.source.name == "Reuters"
    assert body_texts(arabic)[0].startswith("واصلت فرق الإنقاذ")
    assert of_type(arabic, Heading) == [Heading("ما يعرفه المحققون")]
    (photo,) = of_type(arabic, Figure)
    assert photo.caption == "عامل إنقاذ يحمل طفلا من بين أنقاض المبنى المنهار في بيروت." and photo.credit == "رويترز/محمد عزاقير"
    assert [r.title for r in arabic.related] == ["انفجار المرفأ: ما نعرفه حتى الآن"]
    assert "مشاركة" not in content(arabic).split("\n")  # the share button
    assert arabic.rights == "جميع الحقوق محفوظة"


def test_chinese_story_subheading_dateline_fullwidth_credit_and_byline(chinese: Story) -> None:
    assert chinese.headline == "北京新开放一座湿地公园"
    assert [b.name for b in chinese.bylines] == ["李明"]
    assert chinese.dateline == "北京，中国"
    assert body_texts(chinese)[0].startswith("北京市园林绿化局3日宣布")
    assert of_type(chinese, Heading) == [Heading("公园的建设过程")]
    (photo,) = of_type(chinese, Figure)
    assert (photo.caption, photo.credit) == ("市民在公园里赏花。", "新华社/李明 摄")
    assert [r.title for r in chinese.related] == ["北京今年将新增五十座口袋公园"]
    assert "分享" not in content(chinese).split("\n") and chinese.rights == "版权所有"
    assert len(of_type(chinese, Paragraph)) == 4  # no paragraph twice


def test_german_story_subheading_dateline_credit_bylines_and_related(german: Story) -> None:
    assert [b.name for b in german.bylines] == ["Anna Schmidt", "Jan Weber"]  # "Von … und …"
    assert german.dateline == "Hamburg, Deutschland"
    assert body_texts(german)[0].startswith("Der Hamburger Hafen hat am Montag")
    assert of_type(german, Heading) == [Heading("Was sich für Anwohner ändert")]
    (photo,) = of_type(german, Figure)
    assert (photo.caption, photo.credit) == ("Ein Containerschiff am neuen Terminal im Hamburger Hafen.",
                                             "Foto: Jan Weber/dpa")
    assert [r.title for r in german.related] == ["Elbvertiefung: Was die Reeder erwarten"]
    for furniture in ("Artikel teilen", "Teilen", "Kommentare", "Mehr zum Thema"):
        assert furniture not in content(german).split("\n")


@pytest.mark.parametrize("heading, before, after", [
    ("מה קרה אחר כך", "הוועדה התכנסה ביום ראשון כדי לדון בתקציב החדש של העירייה.",
     "הוועדה התכנסה שוב ביום שני והחליטה לדחות את ההצבעה בשבוע."),
    ("आगे क्या होगा", "समिति रविवार को नगर के नए बजट पर चर्चा करने के लिए मिली।",
     "समिति सोमवार को फिर से मिली और मतदान को एक सप्ताह के लिए टाल दिया।"),
    ("ما الذي سيحدث بعد ذلك", "اجتمعت اللجنة يوم الأحد لمناقشة الميزانية الجديدة للبلدية.",
     "اجتمعت اللجنة مرة أخرى يوم الاثنين وقررت تأجيل التصويت لمدة أسبوع."),
    ("接下来会发生什么", "委员会周日开会讨论市政府的新预算。", "委员会周一再次开会，决定将投票推迟一周。"),
])
def test_subheadings_in_scripts_without_capital_letters(heading: str, before: str, after: str) -> None:
    story = read_text(f"Headline\n\n{before}\n\n{heading}\n\n{after}\n")
    assert story.body == (Paragraph(before), Heading(heading), Paragraph(after))


def test_a_lowercase_short_line_in_a_cased_script_is_not_a_subheading() -> None:
    story = read_text("Headline\n\nThe committee met again on Monday.\n\nand then it rained\n\n"
                      "The vote was put off by a week.\n")
    assert not of_type(story, Heading)


# ---------------------------------------------------------------- control characters


def test_control_characters_and_terminal_escapes_are_removed_and_the_story_kept() -> None:
    raw = ("Council \x1b[31mvotes\x1b[0m on budget\n\nThe council\x07 voted\x1b]0;pwned\x07 on Tuesday to cut "
           "the\x9b1m budget by 4 percent.\x01\x02\n")
    story = read_text(raw)
    assert story.headline == "Council votes on budget"
    assert body_texts(story) == ["The council voted on Tuesday to cut the budget by 4 percent."]
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in story.to_json() if c not in "\n")


# ---------------------------------------------------------------- every line explained


def test_every_line_is_explained_through_parse_explain() -> None:
    path = DATA / "related-and-furniture.txt"
    result = subprocess.run([sys.executable, "-m", "syndicate", "parse", str(path), "--explain"],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    numbers = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if line.strip()]
    for number in numbers:
        assert f"line {number} = " in result.stdout, number
    assert "line 1 = headline" in result.stdout
    assert "line 3 = dropped: Share on Facebook" in result.stdout
    assert "line 13 = dropped: We are one community" in result.stdout and "pull quote" in result.stdout


@pytest.mark.parametrize("lead, place", [
    ("PORT ELLIS, Norway – The ferry ran late again on Monday, its third delay this week.", "PORT ELLIS, Norway"),
    ("BYRON BAY, Australia – Surfers returned to the beach on Monday after the storm passed.", "BYRON BAY, Australia"),
])
def test_a_dateline_starting_with_a_byline_word_is_a_dateline_not_a_byline(lead: str, place: str) -> None:
    story = read_text(f"Headline\n\n{lead}\n")
    assert story.bylines == () and story.dateline == place


def test_readers_comments_under_the_story_are_not_its_text() -> None:
    story = read_text("Bridge reopens\n\nThe old bridge reopened to traffic on Monday after two years of repairs.\n\n"
                      "Engineers said it would last another century.\n\nLeave a comment\n\n"
                      "Great news, I drove over it this morning and it felt solid.\n")
    assert body_texts(story) == ["The old bridge reopened to traffic on Monday after two years of repairs.",
                                 "Engineers said it would last another century."]
    assert "readers' comments" in line_decision(story, 9)[1]


@pytest.mark.parametrize("line", ["Home ›", "ソフトウェア一般 ›", "分享到微信", "شارك هذا المقال", "Auf Facebook teilen", "Partager sur Twitter",
                                  "Compartir en WhatsApp", "Поделиться в Telegram", "Sharing is caring!", "• Reddit"])
def test_share_lines_in_other_languages_are_furniture(line: str) -> None:
    story = read_text(f"Headline\n\nThe council met on Monday to discuss the new budget for the town.\n\n{line}\n")
    assert body_texts(story) == ["The council met on Monday to discuss the new budget for the town."]


def test_a_short_line_in_an_uncased_script_that_merely_starts_like_furniture_is_kept() -> None:
    story = read_text("标题\n\n委员会周日开会讨论市政府的新预算。\n\n分享经济的未来\n\n委员会周一再次开会，决定将投票推迟一周。\n")
    assert Heading("分享经济的未来") in story.body


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.txt")))
def test_every_line_of_every_story_file_has_a_decision(name: str) -> None:
    story = read(name)
    covered: set[int] = set()
    for entry in story.inferred:
        kind, _, numbers = entry.field.partition(" ")
        if kind in ("line", "lines"):
            first, _, last = numbers.partition("-")
            covered.update(range(int(first), int(last or first) + 1))
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    assert covered == {n for n, line in enumerate(lines, start=1) if line.strip()}


def test_a_hard_wrapped_paragraph_is_explained_as_one_decision_over_its_lines() -> None:
    story = read_text("Headline\n\nThe council met on Monday to discuss the new budget for the\n"
                      "town, and voted to cut it by four percent.\n")
    assert [i.field for i in story.inferred if i.field.startswith("line")] == ["line 1", "lines 3-4"]


def test_line_numbers_count_the_front_matter_lines() -> None:
    story = read_text("---\nheadline: Given in front matter\n---\n"
                      "The council met on Monday to discuss the new budget for the town.\n")
    assert [i.field for i in story.inferred if i.field.startswith("line")] == ["line 4"]


def test_a_line_that_only_starts_with_a_furniture_word_is_kept() -> None:
    """"Tags: …" is furniture; "Tag aa" (a short line of the story that happens to start so) is not."""
    text = ("Headline here\n\nSome paragraph of text that is long enough to be prose.\n\nTag aa\n\n"
            "Another paragraph, which ends the story here.\n\nTags: politics, harbour\n")
    story = syndicate.read(text.encode())
    words = " ".join(t for b in story.body for t in [getattr(b, "text", "")])
    assert "Tag aa" in words and "politics, harbour" not in words


def test_a_dateline_then_prose_with_digits_is_no_byline_with_a_date() -> None:
    """``AF`` is a byline word in Danish; "aa20 aaa." after it is prose, not a date: the text is kept."""
    story = syndicate.read("Aa aa aa\n\nAF — Aa aa aa20 aaa.\n\nAa aa aa aa.\n".encode())
    assert story.bylines == () and "Aa aa aa20 aaa." in " ".join(getattr(b, "text", "") for b in story.body)
