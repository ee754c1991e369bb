"""The story model: validation of what breaks it, and a lossless JSON round trip."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from storygen import generate_stories, story_strategy

from syndicate import ExportOptions, Figure, Heading, ModelError, Paragraph, Story
from syndicate.config import BuildSettings
from syndicate.model import Image, Mark

BASE = {"id": "tag:example.com,2026:a", "slug": "a", "headline": "Harbour reopens"}


def story_json(**changes: object) -> str:
    data = Story(**BASE).to_dict()  # type: ignore[arg-type]
    data.update(changes)
    return json.dumps(data)


def test_json_keys_are_the_contract_fields_in_order() -> None:
    keys = list(Story(**BASE).to_dict())  # type: ignore[arg-type]
    assert keys == ["id", "slug", "headline", "subheadline", "summary", "bylines", "dateline", "published", "updated",
                    "language", "url", "source", "rights", "keywords", "subjects", "body", "related", "inferred"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"headline": "  "}, "headline must not be empty"),
        ({"published": "2016-12-16T10:00:00"}, "timezone-aware"),
        ({"body": [{"type": "video", "src": "x"}]}, "unknown type 'video'"),
        ({"slug": "Not A Slug"}, "slug must be lowercase"),
        ({"id": "story-1"}, "tag: or urn:"),
        ({"body": [{"type": "heading", "text": "x", "level": 7}]}, "heading level"),
        ({"colour": "red"}, "unknown field(s): colour"),
        ({"body": [{"type": "paragraph", "text": "ab", "marks": [{"start": 0, "end": 5, "kind": "emphasis"}]}]},
         "runs past"),
        ({"body": [{"type": "figure", "caption": "", "credit": None, "alt": None, "image": None}]}, "needs a caption"),
    ],
)
def test_a_story_that_breaks_the_model_is_refused_with_a_clear_message(changes: dict, message: str) -> None:
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Story.from_json(story_json(**changes))


def test_naive_datetime_refused_when_built_in_python() -> None:
    with pytest.raises(ModelError, match="timezone-aware"):
        Story(**BASE, published=datetime(2016, 12, 16))  # type: ignore[arg-type]


def test_not_json_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="not valid JSON"):
        Story.from_json("{nope")


def test_story_is_immutable() -> None:
    story = Story(**BASE)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        story.headline = "x"  # type: ignore[misc]


@pytest.mark.parametrize("value", [
    Story(**BASE),  # type: ignore[arg-type]
    Paragraph("Harbour reopens.", (Mark(0, 7, "emphasis"),)),
    Figure("The harbour at dawn.", "Jo Doe", image=Image("harbour.jpg", "image/jpeg", 1200, 800)),
    ExportOptions(base_url="https://news.example.com/"),
    BuildSettings(jobs=1),
], ids=lambda value: type(value).__name__)
def test_every_value_is_a_frozen_dataclass(value: object) -> None:
    """Frozen as ``@dataclass(frozen=True)`` makes a value (assigning, adding or deleting an attribute raises
    FrozenInstanceError), and a dataclass to the standard tools: fields, replace, equality and hashing."""
    name = dataclasses.fields(value)[0].name  # type: ignore[arg-type]
    before = getattr(value, name)
    for change in (lambda: setattr(value, name, before), lambda: setattr(value, "extra", 1),
                   lambda: delattr(value, name)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            change()
    assert getattr(value, name) is before and not hasattr(value, "extra")
    copy = dataclasses.replace(value)  # type: ignore[type-var]
    assert copy is not value and copy == value and hash(copy) == hash(value)
    assert dataclasses.asdict(copy) == dataclasses.asdict(value)  # type: ignore[call-overload]


def test_generated_stories_round_trip_exactly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for story in generate_stories(20, tmp_path):
        again = Story.from_json(story.to_json())
        assert again == story
        assert again.to_json() == story.to_json()


@settings(max_examples=150, deadline=None)
@given(story_strategy())
def test_any_story_round_trips_exactly(story: Story) -> None:
    assert Story.from_json(story.to_json()) == story


def test_lead_image_is_the_first_figure_with_an_image() -> None:
    figures = (Figure("no photo"), Figure("photo", image=Image("a.jpg")), Figure("second", image=Image("b.jpg")))
    story = Story(**BASE, body=(Paragraph("x"), *figures), published=datetime(2016, 12, 16, tzinfo=timezone.utc))  # type: ignore[arg-type]
    assert story.lead_image is figures[1]
    assert story.figures == figures
    assert story.date == story.published


def test_marks_and_headings_survive_json() -> None:
    body = (Paragraph("Read more here", (Mark(10, 14, "link", "https://example.com"),)), Heading("Sub", 3))
    story = Story(**BASE, body=body)  # type: ignore[arg-type]
    assert Story.from_json(story.to_json()).body == body


def test_dates_must_be_datetimes_and_levels_whole_numbers() -> None:
    with pytest.raises(ModelError, match="published must be a datetime"):
        Story(**BASE, published="2024-03-14T07:30:00+01:00")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="heading level"):
        Story.from_json(story_json(body=[{"type": "heading", "text": "Sub", "level": 2.0}]))
    with pytest.raises(ModelError, match="heading level"):
        Heading("Sub", True)  # type: ignore[arg-type]


def test_root_is_not_part_of_the_story_but_survives_pickling_and_replace(tmp_path) -> None:
    import pickle

    story = Story(**BASE, root=str(tmp_path))  # type: ignore[arg-type]
    assert "root" not in story.to_dict() and "root" not in story.to_json()
    assert story == Story(**BASE)  # type: ignore[arg-type]  # where it was read from is not what it says
    assert pickle.loads(pickle.dumps(story)).root == str(tmp_path)  # build workers hand stories over by pickle
    assert story.replace(headline="Harbour reopens at last").root == str(tmp_path)


def test_root_in_story_json_is_refused() -> None:
    with pytest.raises(ModelError, match="unknown field"):
        Story.from_json(story_json(root="/etc"))


def test_date_only_is_written_only_when_true_and_round_trips() -> None:
    day = datetime(2016, 12, 16, tzinfo=timezone.utc)
    plain = Story(**BASE, published=day)  # type: ignore[arg-type]
    assert "date_only" not in plain.to_dict()
    dated = plain.replace(date_only=True)
    assert json.loads(dated.to_json())["date_only"] is True
    assert Story.from_json(dated.to_json()) == dated
    with pytest.raises(ModelError, match="date_only"):
        Story.from_json(story_json(date_only="yes"))


def test_a_numbered_list_keeps_its_start_number_through_json_and_html() -> None:
    from syndicate.html import HtmlRenderer
    from syndicate.model import ListBlock
    from syndicate.readers.xhtml import list_start

    story = Story(id="tag:x,2024:l", slug="l", headline="Steps",
                  body=(ListBlock(("third", "fourth"), ordered=True, start=3), ListBlock(("a", "b"), ordered=True)))
    data = json.loads(story.to_json())
    assert data["body"][0]["start"] == 3 and "start" not in data["body"][1]  # lists from 1 read as before
    assert Story.from_json(story.to_json()) == story
    assert HtmlRenderer().list(story.body[0]).startswith('<ol start="3"><li>third</li>')
    assert HtmlRenderer().list(story.body[1]).startswith("<ol><li>a</li>")
    with pytest.raises(ModelError, match="only a numbered list"):
        ListBlock(("a",), ordered=False, start=2)
    with pytest.raises(ModelError, match="start"):
        ListBlock(("a",), ordered=True, start=-1)
    from lxml import html as lxml_html
    assert list_start(lxml_html.fragment_fromstring('<ol start="7"><li>x</li></ol>')) == 7
    assert list_start(lxml_html.fragment_fromstring('<ol start="x7"><li>x</li></ol>')) == 1
