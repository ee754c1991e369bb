"""The books' own words (syndicate.labels): direction by language tag, dates without a locale, by-lines."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from syndicate.labels import NEUTRAL, direction, labels_for

FIRST_OF_MARCH = datetime(2024, 3, 1, 9, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))


@pytest.mark.parametrize("tag, expected", [
    ("ar", "rtl"), ("ar-EG", "rtl"), ("he", "rtl"), ("iw", "rtl"), ("fa-IR", "rtl"), ("ur", "rtl"), ("yi", "rtl"),
    ("az-Arab", "rtl"), ("pa-Arab-PK", "rtl"), ("ku-Latn", "ltr"), ("ar-Latn", "ltr"), ("en", "ltr"),
    ("zh-Hant-TW", "ltr"), ("ru", "ltr"), ("", "ltr"), ("AR", "rtl"), ("he_IL", "rtl"),
])
def test_direction_follows_the_script_subtag_then_the_language(tag: str, expected: str) -> None:
    assert direction(tag) == expected


@pytest.mark.parametrize("tag, contents", [
    ("zh", "目录"), ("zh-CN", "目录"), ("zh-Hans", "目录"), ("zh-SG", "目录"),
    ("zh-TW", "目錄"), ("zh-HK", "目錄"), ("zh-Hant", "目錄"), ("zh-Hant-CN", "目錄"), ("zh-MO", "目錄"),
])
def test_chinese_labels_follow_the_script(tag: str, contents: str) -> None:
    assert labels_for(tag).contents == contents


def test_languages_without_words_get_the_neutral_layout() -> None:
    for tag in ("pl", "sw", "fa", "ko", "x-custom", "", None):
        assert labels_for(tag) is NEUTRAL
    assert labels_for("pt-BR").language == "pt" and labels_for("EN-gb").language == "en"


@pytest.mark.parametrize("tag, day, moment", [
    ("en", "1 March 2024", "1 March 2024, 09:05 UTC-05:30"),
    ("fr", "1er mars 2024", "1er mars 2024 à 09:05 UTC-05:30"),
    ("de", "1. März 2024", "1. März 2024, 09:05 Uhr UTC-05:30"),
    ("es", "1 de marzo de 2024", "1 de marzo de 2024, 09:05 UTC-05:30"),
    ("it", "1º marzo 2024", "1º marzo 2024, ore 09:05 UTC-05:30"),
    ("ru", "1 марта 2024 г.", "1 марта 2024 г., 09:05 UTC-05:30"),
    ("uk", "1 березня 2024 р.", "1 березня 2024 р., 09:05 UTC-05:30"),
    ("he", "1 במרץ 2024", "1 במרץ 2024, 09:05 UTC-05:30"),
    ("ja", "2024年3月1日", "2024年3月1日 09:05 UTC-05:30"),
    ("pl", "2024-03-01", "2024-03-01 09:05 UTC-05:30"),
])
def test_dates_in_the_story_offset_written_as_each_language_writes_them(tag: str, day: str, moment: str) -> None:
    labels = labels_for(tag)
    assert labels.day(FIRST_OF_MARCH) == day
    assert labels.moment(FIRST_OF_MARCH) == moment
    assert labels.moment(FIRST_OF_MARCH, date_only=True) == day


def test_every_language_has_twelve_months_or_none() -> None:
    for tag in ("en", "de", "fr", "es", "it", "pt", "nl", "ar", "he", "zh", "zh-TW", "ja", "ru", "uk"):
        labels = labels_for(tag)
        assert labels is not NEUTRAL, tag
        assert len(labels.months) in (0, 12), tag
        assert len({labels.day(datetime(2024, m, 15, tzinfo=timezone.utc)) for m in range(1, 13)}) == 12, tag


def test_bylines_join_names_as_each_language_does() -> None:
    names = ["Ana Souza", "Bo Li", "Cy Young"]
    assert labels_for("en").byline(names) == "By Ana Souza, Bo Li and Cy Young"
    assert labels_for("en").byline(names[:1]) == "By Ana Souza"
    assert labels_for("en").byline([]) == ""
    assert labels_for("ar").byline(["ليلى حسن", "كريم عادل"]) == "بقلم ليلى حسن وكريم عادل"  # و joins the next name
    assert labels_for("ru").byline(names[:1]).startswith("Автор: ")
    assert labels_for("ru").byline(names).startswith("Авторы: ")
    assert labels_for("zh").byline(["王晓明", "陈静"]) == "作者：王晓明、陈静"
    assert NEUTRAL.byline(names) == "Ana Souza, Bo Li, Cy Young"
