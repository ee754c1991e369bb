"""A build's warnings, as the operator reads them: one line per distinct problem, in a stable order.

The exporters warn story by story, naming each story by its id, and a build's
workers hand their warnings back in whatever order they finish. Printed as
they come, 22 undated stories are 44 lines in a different order on every run.
Here the build's warnings are put in order (build-wide ones first, then story
by story, by input path) and the one problem many stories share, no date, is
one line naming the first few stories by path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["BuildWarnings"]

#: an exporter's warning about an undated story: "<format>: <id> has no date, so its <field> is <date>, …"
_UNDATED = re.compile(r"(?P<format>[\w-]+): (?P<id>\S+) has no date, so its (?:entry's )?(?P<field>[\w:]+) "
                      r"is (?P<date>\d{4}-\d{2}-\d{2})\b")
_FORMAT_NAMES = {"newsml": "NewsML-G2", "atom": "Atom", "rss": "RSS", "jsonfeed": "JSON Feed", "epub": "EPUB"}
_NAMED = 5  # undated stories named in the line; the rest are counted


@dataclass
class BuildWarnings:
    """The warnings of one build: those about a story (by its path under the input folder) and the
    exporters' notices, which name a story by its id if at all."""

    ids: Mapping[str, str] = field(default_factory=dict)  # story id -> its input's path under the input folder
    about_stories: list[tuple[str, str]] = field(default_factory=list)  # (relpath, line naming it)
    notices: dict[str, None] = field(default_factory=dict)  # each once, in the order first given (a set would
    # reorder them; a list would be searched once per notice, quadratic in an archive of undated stories)

    def story(self, relpath: str, line: str) -> None:
        """A warning about one story; ``line`` already names it."""
        self.about_stories.append((relpath, line))

    def notice(self, lines: Iterable[str]) -> None:
        """Exporters' warnings, each kept once."""
        self.notices.update(dict.fromkeys(lines))

    def lines(self) -> list[str]:
        """Every warning once, build-wide ones first (sorted), then story by story in path order; the
        stories without a date in one line."""
        general: list[str] = []
        by_story = list(self.about_stories)
        undated: set[str] = set()
        uses: set[str] = set()
        dates: set[str] = set()
        for line in self.notices:
            match = _UNDATED.match(line)
            if match is not None and match["id"] in self.ids:
                undated.add(self.ids[match["id"]])
                uses.add(f"{_FORMAT_NAMES.get(match['format'], match['format'])} {match['field']}")
                dates.add(match["date"])
                continue
            relpath = self.story_named_in(line)
            if relpath is None:
                general.append(line)
            else:
                by_story.append((relpath, line))
        ordered = sorted(dict.fromkeys(general))
        if undated:
            ordered.append(undated_line(sorted(undated), sorted(uses), sorted(dates)))
        seen = dict.fromkeys(line for _, line in sorted(by_story, key=lambda pair: pair[0]))  # stable: a story's
        return ordered + list(seen)                                                          # lines keep their order

    def story_named_in(self, line: str) -> str | None:
        """The path of the story whose id ``line`` names, if any (an id is a whole word of the line)."""
        for word in line.split():
            relpath = self.ids.get(word.rstrip(",;.)"))
            if relpath is not None:
                return relpath
        return None


def undated_line(relpaths: list[str], uses: list[str], dates: list[str]) -> str:
    """One line for every story without a date: where the fallback date stands in, and which stories."""
    count = f"{len(relpaths)} stories have" if len(relpaths) > 1 else f"{relpaths[0]} has"
    fields = " and ".join(uses)
    fallback = f"fallback date{'s' if len(dates) > 1 else ''} {', '.join(dates)}"
    line = f"{count} no date: {fields} use the {fallback} (from the story ids)"
    if len(relpaths) > 1:
        named = ", ".join(relpaths[:_NAMED])
        more = f" and {len(relpaths) - _NAMED} more" if len(relpaths) > _NAMED else ""
        line += f"; {named}{more}"
    return line
