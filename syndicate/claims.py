"""Ids and slugs: what each story claims, and how the build settles two stories that claim the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .manifest import Entry
from .model import Story

__all__ = ["Claim", "duplicate_ids", "assign_slugs"]


@dataclass(frozen=True, slots=True)  # one per story, for the whole build: no __dict__ each
class Claim:
    """What one story asks of the build: its id and slug, and whether its metadata chose the slug."""

    relpath: str
    id: str
    slug: str
    explicit: bool
    kept: bool = False  # a story whose input is now rejected, kept on its last good files: it yields to the rest

    @classmethod
    def of(cls, relpath: str, story: Story) -> Claim:
        """The claim of a freshly read story (a slug the reader derived is listed in ``inferred``)."""
        derived = any(item.field == "slug" for item in story.inferred)
        return cls(relpath, story.id, story.slug, not derived)

    @classmethod
    def recorded(cls, relpath: str, entry: Entry) -> Claim:
        """The claim of an unchanged story, as the manifest recorded it."""
        return cls(relpath, entry.id, entry.wanted_slug, entry.explicit_slug, entry.kept)


def duplicate_ids(claims: Iterable[Claim]) -> dict[str, str]:
    """relpath -> reason for every story whose id an earlier story (in path order) already has.

    Two entries with one id would be one item to every feed reader and partner, so the later one is
    rejected rather than published under a borrowed identity.
    """
    owner: dict[str, str] = {}
    rejected: dict[str, str] = {}
    for claim in sorted(claims, key=lambda c: (c.kept, c.relpath)):
        if claim.id in owner:
            rejected[claim.relpath] = f"id {claim.id!r} is already used by {owner[claim.id]}"
        else:
            owner[claim.id] = claim.relpath
    return rejected


def assign_slugs(claims: Iterable[Claim], held: Mapping[str, Entry] | None = None
                 ) -> tuple[dict[str, str], dict[str, str]]:
    """Unique slugs, stable once published. A story the last build published (its entry in ``held``, the
    manifest's) keeps the slug it holds, as long as it still asks for the slug it asked for then: readers'
    links point at it. The others then, slugs chosen in metadata first, then derived ones, each in path
    order (stories kept on their last good files after all of them); a clash gets ``-2``, ``-3``…
    A story kept on its last good files while its input is rejected holds nothing: it yields.

    So an incremental build may differ from a fresh build of the same inputs (a newcomer that would win a
    clash on a fresh build yields to the story already published). Returns relpath -> slug, and relpath ->
    a warning for each story that did not get the slug it asked for."""
    held = held or {}
    taken: set[str] = set()
    result: dict[str, str] = {}
    warnings: dict[str, str] = {}

    def holds(claim: Claim) -> str | None:
        entry = held.get(claim.relpath)
        if entry is None or claim.kept or entry.wanted_slug != claim.slug:
            return None  # a newcomer, or a story whose metadata now asks for another slug
        return entry.slug

    for claim in sorted(claims, key=lambda c: (holds(c) is None, c.kept, not c.explicit, c.relpath)):
        relpath, kept_slug = claim.relpath, holds(claim)
        final, n = kept_slug or claim.slug, 1
        while final in taken:
            n += 1
            final = f"{claim.slug}-{n}"
        if final not in (claim.slug, kept_slug):  # a slug kept from the last build was reported then
            warnings[relpath] = f"{relpath}: slug {claim.slug!r} is taken by another story; using {final!r}"
        taken.add(final)
        result[relpath] = final
    return result, warnings
