"""The full build: every step of ``syndicate build`` after the snapshot said something may have changed.

The pipeline, in the one build process that holds the lock:

1. discover the story inputs (:mod:`.discovery`) and skip those whose
   recorded stamps and digest say nothing changed (:mod:`.manifest`);
2. read and export each changed story once, in the workers (:mod:`.tasks`,
   :mod:`.pool`), which hand back bytes; stage them beside their targets
   (:class:`.atomic.Batch`);
3. settle ids and slugs (:mod:`.claims`); a story whose slug had to change
   is exported again under its new one;
4. write the feeds and the edition from the stories' JSON, read back one at
   a time;
5. sync once, rename every staged file into place, remove the files of
   stories that are gone, and save the manifest last.

Layout (DESIGN.md section 4)::

    rss.xml atom.xml feed.json edition.epub
    newsml/<slug>.xml  ninjs/<slug>.json  epub/<slug>.epub  stories/<slug>.json
    images/<name>-<hash>.<ext>   the published copies of local photos that feeds, NewsML-G2 and ninjs link
"""

from __future__ import annotations

import heapq
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, NamedTuple, TextIO, overload

import click

from . import exporters
from .atomic import Batch, forget_journal, recover, same_bytes
from .build import JOURNAL, BuildReport
from .claims import Claim, assign_slugs, duplicate_ids
from .config import BuildSettings
from .discovery import StoryInput, scan
from .errors import OutputError, SyndicateError
from .exporters import ExportOptions
from .html import IMAGES_FOLDER
from .images import DRAWN_FOLDER
from .manifest import KEPT, MANIFEST, Entry, EntryFiles, Manifest, SpilledRecord, Stamps, compact_json, file_stats
from .model import Story, age_key
from .notices import BuildWarnings
from .pool import Pool, make_pool
from .snapshot import FileTable, InputWalk, Snapshot, folder_stamps, walk_input
from .tasks import CACHE, STORY_FORMATS, Exported, Job, export_story, make_resolver, preload, story_outputs

__all__ = ["FullBuild", "FEED_FILES", "StoredStories"]

#: whole-build outputs: format -> file name.
FEED_FILES: dict[str, str] = {**exporters.FEED_FILES, "edition": "edition.epub"}
#: every folder the build writes files into: the output folder itself (feeds, edition), a folder per story format
#: (slugs hold no "/"), and the published photos' (named by content, no "/" either)
OUTPUT_FOLDERS = ("", *sorted({folder for folder, _ in STORY_FORMATS.values()}), IMAGES_FOLDER)
LEGACY_CACHE, LEGACY_MANIFEST, LEGACY_LOCK = ".syndicate-cache", ".syndicate-manifest.json", ".syndicate.lock"


def legacy_files(out: Path) -> set[str]:
    """The files a build of an older version recorded in its manifest inside the output folder (before the
    state folder existed): they are the build's, so an upgraded build may replace and remove them."""
    try:
        data = json.loads((out / LEGACY_MANIFEST).read_bytes())
        stories = data["stories"].values()
        return {rel for e in stories for rel in (*e["outputs"], *e.get("published", []))} | set(data.get("images", []))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()


def forget_legacy_state(out: Path) -> None:
    """Remove what an older version kept in the output folder (manifest, lock, cache): it is not published."""
    for name in (LEGACY_MANIFEST, LEGACY_LOCK):
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / LEGACY_CACHE, ignore_errors=True)


class FullBuild:
    """One run of the pipeline; state lives here only for the length of the run."""

    def __init__(self, settings: BuildSettings, report: BuildReport, progress: bool,
                 walk: InputWalk | None = None) -> None:
        self.settings = settings
        self.report = report
        self.progress = progress and not settings.quiet
        self.out = settings.output_dir
        self.state = settings.state_folder()
        self.manifest = Manifest(self.state / MANIFEST)
        self.batch = Batch(self.out, self.state / JOURNAL)
        self.inputs: dict[str, StoryInput] = {}
        self.walk = walk  # the build's one walk of the input folder (None: walked in publish)
        self.input_files: FileTable | None = None  # the stamps of every file it found, while stories are sorted out
        self.digests: dict[str, str] = {}  # relpath -> digest of each story to export (its entry records it)
        self.entries: dict[str, Entry] = {}  # relpath -> manifest entry of every story built or kept
        self.staged: dict[str, Staged] = {}  # relpath -> a story exported this run, its files staged
        self.log = StagedLog(self.state)  # what the manifest will record of each, kept on disk meanwhile
        self.photo_users: dict[str, int] = {}  # images/<name> staged -> how many stories publish it
        self.notices: dict[str, None] = {}  # the exporters' warnings, each once, in the order given (a list would
        # be searched once per notice: quadratic in an archive of undated stories)
        self.feed_notices: list[str] = []  # feeds the config cannot make: said on every build, even a no-op
        self.warnings = BuildWarnings()  # every warning, put in order and grouped at the end
        self.failures: dict[str, str] = {}  # remote photos that failed in the workers: not fetched again
        self.slugs: dict[str, str] = {}  # relpath -> the slug this run gives the story
        self._recorded: set[str] | None = None  # every file the last build recorded, gathered when needed (owns)
        self.aggregate_notices: list[str] | None = None  # the feeds' and edition's warnings, when made or kept
        # New settings or a new version of the tool change every story's digest, so everything is rebuilt;
        # the old manifest still says which files the last build made, so outputs no longer wanted are removed.
        self.fingerprint = settings.fingerprint()

    def run(self) -> None:
        """The whole pipeline (see the module docstring)."""
        try:
            self.publish()
            self.record()
        finally:
            self.log.close()  # the new entries' records are read back into the manifest before this

    def publish(self) -> None:
        """Export what changed and put every file in place at once (or, failing, none)."""
        # files a killed build may have put in place without recording them are ours too (and those the last
        # build recorded: see owns)
        self.recovered = recover(self.out, self.state / JOURNAL) | legacy_files(self.out) | set(self.manifest.aggregates)
        try:
            walk = self.walk or walk_input(self.settings.input_dir, skip=self.settings.state_dir)
            self.walk = None  # its lines and table are let go once the stories are sorted out
            self.input_files = walk.files()
            del walk
            found = scan(self.settings.input_dir, self.input_files)
            self.inputs = {item.relpath: item for item in found.stories}
            todo = self.sort_out(found.stories)
            self.input_files = None  # read by discovery and the unchanged-check only: let go before exporting
            # never more workers than stories: one story is exported in this process, which loads its exporters
            # for the feeds and the edition anyway, where a worker would fork and load them again
            jobs = max(1, min(self.settings.jobs, len(todo)))
            if todo:
                preload(self.settings, todo, workers=jobs > 1 and not self.settings.scheduler)
            for refused in found.refused:
                self.report.rejected.append((str(refused.path), refused.reason))
                self.keep_old(refused.relpath)  # nothing lost: its last good files stay while it is refused
            with make_pool(replace(self.settings, jobs=jobs)) as pool:
                self.export_all(pool, todo)
                self.keep_last_good(todo)
                self.resolve_claims(pool)
            self.report_removed()
            changed = bool(self.staged or self.report.removed or self.manifest.stories.keys() != self.entries.keys()
                           or self.manifest.edition_limit != self.settings.most_in_edition)
            self.write_aggregates(force=changed)
            self.report.written.extend(self.batch.commit())
            self.photo_users.clear()  # all published: its memory goes to the entries recorded next
        finally:
            self.batch.abandon()
            self.batch.close()

    def record(self) -> None:
        """Once the files are in place: record the stories, remove what no story makes now, save the manifest."""
        self.record_all()
        self.sweep()
        self.warnings.notice(self.notices)
        self.warnings.ids = {entry.id: relpath for relpath, entry in self.entries.items()}
        self.report.warnings.extend(self.warnings.lines())
        rejected = {Path(p).relative_to(self.settings.input_dir).as_posix() for p, _ in self.report.rejected
                    if Path(p).is_relative_to(self.settings.input_dir)}
        self.report.unchanged = sorted(set(self.entries) - set(self.report.built) - rejected)
        self.report.written.sort()
        aggregates = [name for fmt, name in FEED_FILES.items() if fmt in self.settings.formats and self.entries]
        if self.report.written or self.report.deleted or not self.manifest.same_stories(self.entries) \
                or self.manifest.aggregates != sorted(aggregates) \
                or self.manifest.edition_limit != self.settings.most_in_edition:
            in_use = self.cache_in_use()
            notices = self.aggregate_notices if self.aggregate_notices is not None else self.manifest.aggregate_notices
            self.manifest.save(self.fingerprint, self.entries, aggregates, self.settings.most_in_edition, notices)
            if in_use is not None:
                self.prune_cache(in_use)
        forget_journal(self.state / JOURNAL)
        forget_legacy_state(self.out)

    def snapshot(self, key: str, inputs: str) -> Snapshot | None:
        """What the next build needs to tell at once that nothing changed; None when it must run in full
        anyway: an input was rejected (it is named again every time) or a photo is to be fetched again."""
        if self.report.rejected or any(entry.retry or entry.kept for entry in self.entries.values()):
            return None
        return Snapshot(key, inputs, folder_stamps(self.out, OUTPUT_FOLDERS), sorted(self.entries),
                        BuildWarnings(notices=dict.fromkeys(self.feed_notices)).lines())

    def cache_in_use(self) -> set[int] | None:
        """The image cache entries this build's stories use (see :func:`_cache_of`), when they are not those
        the last build's used
        (None: the same; asked before the manifest is saved). With the same stories, only the entries not
        carried over as they were are compared, story by story: an edit that leaves every story's photos as
        they were does not read the others, nor walk the cache (files a rejected story's photos left there
        go at the next change)."""
        old = self.manifest.stories
        if old.keys() == self.entries.keys() and not any(
                entry is not old[rel] and entry.record_bytes() != old[rel].record_bytes()
                and entry.cache != old[rel].cache
                for rel, entry in self.entries.items()):
            return None
        in_use = _cache_of(self.entries.values())
        return in_use if not old or in_use != _cache_of(old.values()) else None

    def prune_cache(self, keep: set[int]) -> None:
        """Delete the image cache entries no story of this build uses any more (``keep``: those they use, as
        :func:`_cache_of` has them). The drawn pictures stay: one file a slot (the edition's cover), replaced
        when it is drawn again."""
        for rel, path in _files_under(os.fspath(self.state / CACHE)):
            if hash(rel) not in keep and not rel.startswith(DRAWN_FOLDER + "/"):
                os.unlink(path)

    # -- phases

    def sort_out(self, inputs: Sequence[StoryInput]) -> list[StoryInput]:
        """Keep the unchanged stories' entries; return the inputs that must be built."""
        todo: list[StoryInput] = []
        same_settings = self.manifest.fingerprint == self.fingerprint
        for item in inputs:
            entry = self.manifest.stories.get(item.relpath)
            files = entry.files() if entry is not None else None  # decoded once, for every comparison below
            sources = item.stamps
            if entry is not None and files is not None and same_settings and not entry.kept \
                    and files.sources == sources:
                digest = entry.digest  # same files, same stamps: not read again
            else:
                try:
                    digest = item.digest(self.fingerprint)
                except SyndicateError as error:
                    self.report.rejected.append((str(item.path), error.message))
                    self.keep_old(item.relpath)
                    continue
            if entry is not None and files is not None and self.unchanged(entry, files, digest):
                self.entries[item.relpath] = entry if files.sources == sources else entry.but(sources=sources)
            else:
                self.digests[item.relpath] = digest  # only the stories to build keep theirs (for their entry)
                todo.append(item)
        return todo

    def unchanged(self, entry: Entry, files: EntryFiles, digest: str) -> bool:
        """True when a story's recorded dependencies and outputs (``files``, its entry's) are all as the last
        build left them."""
        if entry.digest != digest or entry.retry:
            return False
        if self.input_stamps(files.images) != files.images:
            return False
        return self.outputs_intact(files)

    def input_stamps(self, rels: Iterable[str]) -> Stamps:
        """The stamps of files under the input folder (a story's photos) as the build's walk found them; a file
        the walk did not list (outside the folder, in the state folder, or missing) is stat'ed."""
        table = self.input_files or {}
        stamps: Stamps = {}
        for rel in rels:
            found = table.get(rel)
            stamps[rel] = [found[0], found[1]] if found is not None else file_stats(self.settings.input_dir, (rel,))[rel]
        return stamps

    def outputs_intact(self, files: EntryFiles) -> bool:
        """True when a story's files (as its entry records them) are all there as the build wrote them (a
        deleted, damaged or hand-edited file rebuilds the story; files are only rewritten when their bytes
        change, so the stamps are stable)."""
        return file_stats(self.out, files.outputs) == files.stats

    def export_all(self, pool: Pool, stories: Sequence[StoryInput | Job]) -> None:
        """Read and export stories (inputs, or jobs naming the slug to give them) in the workers, staging their
        files as each arrives; a job is made for each input as the pool takes it, not all at once."""
        jobs = (item if isinstance(item, Job) else Job(item) for item in stories)
        results = pool.map_unordered(export_story, jobs, lost_story)
        with self.progress_bar(results, len(stories)) as bar:
            for result in bar:
                self.stage(result)

    def stage(self, result: Exported) -> None:
        """Stage one exported story's files (under the slug it was exported with), or note its rejection."""
        self.unstage(result.relpath)
        if result.error is not None:
            self.report.rejected.append((str(self.settings.input_dir / result.relpath), result.error))
            return
        self.notices.update(dict.fromkeys(result.notices))
        self.failures.update(result.failures)
        mine = self.recorded_files(result.relpath)
        taken = [rel for rel, data in result.files.items() if self.theirs(rel, data, mine)]
        if taken:
            self.report.rejected.append((str(self.settings.input_dir / result.relpath),
                                         f"its output {taken[0]} would replace a file the build did not write; "
                                         "move that file, or give the story another slug"))
            return
        for rel, data in result.files.items():
            self.batch.stage(rel, data, result.relpath)
        for rel in [rel for rel, data in result.photos.items() if self.theirs(rel, data, mine)]:  # never replaced
            del result.photos[rel]
        for rel, data in result.photos.items():
            if rel not in self.photo_users:  # a photo several stories use is published once (named by its hash)
                self.batch.stage(rel, data)
            self.photo_users[rel] = self.photo_users.get(rel, 0) + 1
        self.staged[result.relpath] = self.log.add(result, self.inputs[result.relpath].relpath)

    def theirs(self, rel: str, data: bytes, mine: Collection[str] = ()) -> bool:
        """True when a file the build did not write is at ``rel``: the build never replaces it. A file that
        holds exactly ``data`` is taken as the build's own (written by it before its state folder was lost).
        ``mine``: the files the last build recorded for the story staging it (most files are among them)."""
        path = os.path.join(self.out, rel)
        return rel not in mine and os.path.lexists(path) and not self.owns(rel) and not same_bytes(path, data)

    def recorded_files(self, relpath: str) -> set[str]:
        """The files (outputs and published photos) the last build recorded for one story."""
        old = self.manifest.stories.get(relpath)
        return set() if old is None else _files_of(old.files())

    def owns(self, rel: str) -> bool:
        """True when the file at ``rel`` is the build's: listed in a killed build's journal or an older
        version's manifest, or recorded by the last build. The last build's files are gathered from its
        entries only when a file outside its own story's is asked about (a new story whose file is there
        already): a rebuild of a few stories decodes no other entry."""
        if rel in self.recovered:
            return True
        if self._recorded is None:
            self._recorded = {f for entry in self.manifest.stories.values() for f in _files_of(entry.files())}
        return rel in self._recorded

    def unstage(self, relpath: str) -> None:
        """Drop what a story staged (its photos stay staged while another story uses them)."""
        old = self.staged.pop(relpath, None)
        if old is None:
            return
        files = self.log.read(old)
        for rel in files.files:
            self.batch.discard(rel, relpath)
        for rel in files.photos:
            self.photo_users[rel] -= 1
            if not self.photo_users[rel]:
                del self.photo_users[rel]
                self.batch.discard(rel)

    def keep_last_good(self, todo: Sequence[StoryInput]) -> None:
        """A story whose edited input is now rejected keeps its last good outputs (nothing lost) until it is mended."""
        for item in todo:
            if item.relpath not in self.staged:
                self.keep_old(item.relpath)

    def keep_old(self, relpath: str) -> bool:
        """Keep a story's entry from the last build if its files are all still as that build wrote them
        (only those of formats still built)."""
        old = self.manifest.stories.get(relpath)
        files = old.files() if old is not None else None
        if old is None or files is None or not self.outputs_intact(files):
            return False
        wanted = set(story_outputs(old.slug, self.settings.formats).values())
        self.entries[relpath] = old.but(digest=KEPT, outputs=[rel for rel in files.outputs if rel in wanted],
                                        stats={rel: s for rel, s in files.stats.items() if rel in wanted})
        return True

    def claims(self) -> list[Claim]:
        """What every story of this build claims: those exported now, and those kept from the last build."""
        staged = [e.claim for e in self.staged.values() if e.claim is not None]
        return [Claim.recorded(rel, e) for rel, e in self.entries.items() if rel not in self.staged] + staged

    def resolve_claims(self, pool: Pool) -> None:
        """Reject duplicate ids and give every story a unique slug; a story whose slug must change is
        exported again under it (an unchanged one first for its claim, a kept one is dropped)."""
        if not self.staged and self.entries.keys() == self.manifest.stories.keys() and not self.report.rejected:
            self.slugs = {rel: entry.slug for rel, entry in self.entries.items()}  # as settled last time
            return
        while True:
            every = self.claims()
            for relpath, reason in duplicate_ids(every).items():
                self.report.rejected.append((str(self.settings.input_dir / relpath), reason))
                self.entries.pop(relpath, None)
                self.unstage(relpath)
            slugs, warnings = assign_slugs((c for c in every if c.relpath in self.entries or c.relpath in self.staged),
                                           held=self.manifest.stories)
            moved = [rel for rel, entry in self.entries.items() if rel not in self.staged and slugs[rel] != entry.slug]
            if not moved:
                break
            # an unchanged story that must change its slug is built again; a kept one is dropped (its input
            # is rejected: it cannot be built again, and a fresh build would not have it either)
            again = [self.inputs[rel] for rel in moved if self.rebuild_unchanged(rel)]
            self.export_all(pool, again)
        for relpath, warning in warnings.items():
            self.warnings.story(relpath, warning)
        self.slugs = slugs
        renamed = [Job(self.inputs[rel], slugs[rel], e.claim) for rel, e in sorted(self.staged.items())
                   if e.claim is not None and slugs[rel] != e.claim.slug]
        for rel in [job.input.relpath for job in renamed]:
            self.unstage(rel)
        self.export_all(pool, renamed)
        for job in renamed:
            rel = job.input.relpath
            # changed while the build ran: it keeps its last files, unless their slug now belongs to another
            if rel not in self.staged and self.keep_old(rel) and self.entries[rel].slug != slugs[rel]:
                del self.entries[rel]

    def rebuild_unchanged(self, relpath: str) -> bool:
        """Drop the entry of a story kept from the last build so that it is exported again (its digest kept for
        its new entry); False for a story kept on its last good files while rejected: it cannot be."""
        entry = self.entries.pop(relpath)
        if not entry.kept:
            self.digests[relpath] = entry.digest
        return not entry.kept

    def record_all(self) -> None:
        """Manifest entries for the stories exported this run (once their files are in place)."""
        for relpath in sorted(self.staged):
            exported = self.staged.pop(relpath)  # each record goes as its entry comes: never both held whole
            files = self.log.read(exported)
            for warning in files.warnings:
                self.warnings.story(relpath, warning)
            self.entries[relpath] = Entry(
                digest=self.digests.pop(relpath), id=exported.claim.id,
                slug=self.slugs.get(relpath, exported.claim.slug), wanted_slug=exported.claim.slug,
                explicit_slug=exported.claim.explicit, date=exported.date, outputs=files.files,
                stats=file_stats(self.out, files.files), published=files.photos, images=files.images,
                cache=files.cache, retry=files.retry, sources=self.inputs.pop(relpath).stamps).spilled(self.log.spill)
            self.report.built.append(relpath)
        self.report.built.sort()
        self.inputs.clear()  # the story inputs are all recorded: their memory goes to the entries'
        self.slugs.clear()

    def report_removed(self) -> None:
        """A story whose input disappeared is reported removed (its files go in :meth:`sweep`)."""
        for relpath in sorted(self.manifest.stories):
            if relpath not in self.entries and relpath not in self.staged \
                    and not (self.settings.input_dir / relpath).exists():
                self.report.removed.append(relpath)

    def sweep(self) -> None:
        """Delete the files the last build's manifest (or a killed build's journal) says are ours that no story
        makes now, and folders that leaves empty. Files the build did not write are never touched.

        A story whose entry is carried over as it was keeps its files as they were, so only the files of
        the other entries, old and new, are compared; every entry is read only when one of those may go
        (a file another story still uses, such as a shared photo, stays)."""
        old = self.manifest.stories
        carried = {rel for rel, entry in self.entries.items() if old.get(rel) is entry}
        gone = set(self.recovered)
        for rel, entry in old.items():
            if rel not in carried:
                gone |= _files_of(entry.files())
        gone -= {name for fmt, name in FEED_FILES.items() if fmt in self.settings.formats and self.entries}
        for rel, entry in self.entries.items():
            if rel not in carried and gone:
                gone -= _files_of(entry.files())
        for rel in carried:
            if not gone:
                break
            gone -= _files_of(self.entries[rel].files())
        for rel in sorted(gone):
            path = self.out / rel
            try:
                path.unlink()
            except (FileNotFoundError, IsADirectoryError):
                continue
            self.report.deleted.append(rel)
            self.remove_empty_parents(path.parent)

    def remove_empty_parents(self, folder: Path) -> None:
        """Remove ``folder`` and its parents up to the output folder while they are empty."""
        while folder != self.out and self.out in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def write_aggregates(self, *, force: bool) -> None:
        """Feeds and the edition, from the newest stories, staged only when their bytes change; not made at
        all when they hold the very stories the last build's held, none of them exported again (an edit of
        an older story), their warnings then repeated from the manifest."""
        notices: list[str] = []  # what the feeds and the edition warn of, kept in the manifest
        options = self.settings.export.for_file("", notices)
        wanted = {fmt: name for fmt, name in FEED_FILES.items()
                  if fmt in self.settings.formats and (fmt == "edition" or self.feed_possible(fmt, options))}
        missing = any(not (self.out / name).is_file() for name in wanted.values())
        every = {**self.entries, **{rel: None for rel in self.staged}}
        if not (force or missing) or not every:
            return
        order = sorted(every, key=self.age_of)
        if not missing and self.aggregates_hold(order, sorted(wanted.values())):
            notices = list(self.manifest.aggregate_notices or ())
        else:
            self.make_aggregates(order, wanted, options)
        self.aggregate_notices = notices
        self.notices.update(dict.fromkeys(notices))

    def aggregates_hold(self, order: list[str], files: list[str]) -> bool:
        """True when the feeds and the edition the last build wrote are what this one would write: the same
        settings (the fingerprint, the edition's size), the same files, and the same newest stories in the
        same order (``order``: this build's), none exported again this run. Those are all they depend on: a
        changed photo, a damaged output or new settings export a story again."""
        most = max(self.settings.export.limit, self.settings.most_in_edition)
        held = order[:most]
        if self.manifest.fingerprint != self.fingerprint or self.manifest.edition_limit != self.settings.most_in_edition \
                or self.manifest.aggregate_notices is None or self.manifest.aggregates != files \
                or any(rel in self.staged for rel in held):
            return False
        old = self.manifest.stories
        return heapq.nsmallest(most, old, key=lambda rel: _age(old[rel])) == held  # sorted()[:most], not sorting all

    def make_aggregates(self, order: list[str], wanted: dict[str, str], options: ExportOptions) -> None:
        """Render the feeds and the edition from the newest stories of ``order`` and stage them."""
        stories = StoredStories(self, order)
        newest = stories[: self.settings.export.limit]  # the feeds' stories, read once for all three
        # the newest stories' photos, met again at every build: noted in the cache once found fit to keep as
        # they are, so later builds take them without Pillow (a worker meets each photo once, and notes none)
        images = make_resolver(self.settings, self.state / CACHE, note_kept=True)
        images.remember_failures(self.failures)  # a photo that failed in a worker is not waited for again
        feeds = [fmt for fmt in wanted if fmt != "edition"]
        if feeds:  # one preparation (ordering, photos, rendered bodies) for every feed
            from .exporters.feeds import export_feeds

            for fmt, data in export_feeds(newest, options, images, feeds).items():
                self.stage_aggregate(wanted[fmt], data)
        if "edition" in wanted:
            from .exporters.epub import write_edition  # only a build that makes an edition needs it

            most = self.settings.most_in_edition  # bounded: the newest stories only
            # the feeds' stories are in memory already: an edition no longer than the feeds reuses them
            edition = newest[:most] if most <= len(newest) else stories.head(most)
            with self.batch.stage_stream(wanted["edition"]) as book:  # written as it is made, never held whole
                write_edition(edition, options, images, book)
            self.refuse_theirs(wanted["edition"])

    def feed_possible(self, fmt: str, options: ExportOptions) -> bool:
        """True when the config gives a feed what it needs (a name; RSS also the site's address); else one
        warning says which file is not written and what to set (its last good copy stays, if any)."""
        problem = exporters.missing_setting(options, fmt)
        if problem is not None and (notice := f"{FEED_FILES[fmt]} not written: {problem}") not in self.notices:
            self.notices[notice] = None
            self.feed_notices.append(notice)
        return problem is None

    def stage_aggregate(self, name: str, data: bytes) -> None:
        """Stage a feed (see :meth:`refuse_theirs`)."""
        self.batch.stage(name, data)
        self.refuse_theirs(name)

    def refuse_theirs(self, name: str) -> None:
        """A feed or the edition just staged must not replace a file the build did not write: that stops the
        build (nothing is published). A file already holding the very bytes is taken as the build's own."""
        if self.batch.is_staged(name) and os.path.lexists(self.out / name) and not self.owns(name):
            self.batch.discard(name)
            raise OutputError("is already there and was not written by the build; move it, or build into "
                              "another folder", self.out / name)

    def age_of(self, relpath: str) -> tuple[bool, float, str]:
        """A story's place in newest-first order, from its manifest entry or export (no need to load it)."""
        exported = self.staged.get(relpath)
        if exported is None:
            return _age(self.entries[relpath])
        return _age_from(exported.date, exported.claim.id)

    def story_json(self, relpath: str) -> Path:
        """Where a story's normalised JSON is now: staged this run, or as the last build left it."""
        exported = self.staged.get(relpath)
        if exported is not None:
            rel = next(r for r in self.log.read(exported).files if r.startswith(STORY_FORMATS["json"][0] + "/"))
            return self.batch.current(rel, relpath)
        return self.batch.current(story_outputs(self.entries[relpath].slug, ())["json"])

    def stored_story(self, relpath: str) -> Story:
        """A built story, from the normalised JSON the build wrote; a damaged file is rebuilt from its input."""
        json_path = self.story_json(relpath)
        try:
            return Story.from_json(json_path.read_bytes())
        except (SyndicateError, OSError) as error:
            self.warnings.story(relpath, f"{json_path}: unreadable ({error}); rebuilt from {relpath}")
        entry = self.entries[relpath]
        self.digests[relpath] = entry.digest  # for the entry it gets once exported again
        result = export_story(self.settings, Job(self.inputs[relpath], entry.slug, Claim.recorded(relpath, entry)))
        if result.error is not None:
            raise OutputError(f"cannot rebuild the damaged story file: {result.error}", json_path)
        self.stage(result)
        return Story.from_json(self.story_json(relpath).read_bytes())

    @contextmanager
    def progress_bar(self, results: Iterable[Exported], length: int) -> Iterator[Iterable[Exported]]:
        if not self.progress or length == 0:
            yield results
            return
        with click.progressbar(results, length=length, label="Building", file=_stderr()) as bar:
            yield bar


class StagedFiles(NamedTuple):
    """What the manifest will record of a story exported this run, besides its claim and date."""

    files: list[str]  # under the output folder
    photos: list[str]  # images/<name>
    images: Stamps  # the local photos it depends on
    warnings: list[str]
    cache: list[str]  # the image cache entries its photos use
    retry: bool


@dataclass(frozen=True, slots=True)
class Staged:
    """What the build keeps in memory of a story exported this run once its files are staged: its claim and
    date (which the build reads of every story), and where its :class:`StagedFiles` are in the
    :class:`StagedLog`. A full build holds one per story, so that is all it holds."""

    claim: Claim
    date: str | None
    offset: int
    size: int


class StagedLog:
    """The :class:`StagedFiles` of the stories exported this run, written as they come to a temporary file
    in the state folder (unnamed: nothing is left behind, even by a killed build) and read back when the
    story is recorded or dropped. The build's memory then holds a few numbers a story, not its file names,
    stamps and cache entries (nor the allocations of each, between the exported stories' bytes)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file: IO[bytes] | None = None

    def add(self, result: Exported, relpath: str) -> Staged:
        """Write down a story exported without error; its :class:`Staged` (naming it by ``relpath``, the
        build's own string, rather than the copy that came back with the result)."""
        assert result.claim is not None
        if self.file is None:
            self.file = tempfile.TemporaryFile(dir=self.folder)
        files = StagedFiles(list(result.files), list(result.photos), result.images, list(result.warnings),
                            list(result.cache), result.retry)
        record = compact_json(list(files)).encode()
        offset = self.file.seek(0, os.SEEK_END)
        self.file.write(record)
        return Staged(replace(result.claim, relpath=relpath), result.date, offset, len(record))

    def read(self, staged: Staged) -> StagedFiles:
        """What a story's record holds."""
        assert self.file is not None
        self.file.seek(staged.offset)
        return StagedFiles(*json.loads(self.file.read(staged.size)))

    def spill(self, record: bytes) -> SpilledRecord:
        """Keep a new entry's record here until the build ends (see :class:`.manifest.SpilledRecord`)."""
        assert self.file is not None  # only a story staged here gets an entry
        offset = self.file.seek(0, os.SEEK_END)
        self.file.write(record)
        return SpilledRecord(self.file, offset, len(record))

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class StoredStories(Sequence[Story]):
    """A build's stories in a given order, each read from its ``stories/<slug>.json`` when asked for and
    not kept: an edition of thousands of stories never holds them all at once."""

    def __init__(self, build: FullBuild, relpaths: Sequence[str]) -> None:
        self.build = build
        self.relpaths = list(relpaths)

    def __len__(self) -> int:
        return len(self.relpaths)

    def head(self, count: int) -> StoredStories:
        """The first ``count`` stories, still read one at a time when asked for."""
        return StoredStories(self.build, self.relpaths[:count])

    @overload
    def __getitem__(self, index: int) -> Story: ...

    @overload
    def __getitem__(self, index: slice) -> list[Story]: ...

    def __getitem__(self, index: int | slice) -> Story | list[Story]:
        if isinstance(index, slice):
            return [self.build.stored_story(rel) for rel in self.relpaths[index]]
        return self.build.stored_story(self.relpaths[index])


def _age(entry: Entry) -> tuple[bool, float, str]:
    """A recorded story's place in newest-first order."""
    return _age_from(entry.date, entry.id)


def _age_from(date: str | None, story_id: str) -> tuple[bool, float, str]:
    """A story's place in newest-first order from its ISO 8601 date as recorded (None: undated) and its id."""
    return age_key(datetime.fromisoformat(date) if date else None, story_id)


def _files_of(files: EntryFiles) -> set[str]:
    """The files under the output folder an entry records: its outputs and its published photos."""
    return {*files.outputs, *files.published}


def _cache_of(entries: Iterable[Entry]) -> set[int]:
    """The image cache entries these stories use, each by the hash of its name: a few per photo, all held at
    once, so a number rather than a name of some 80 characters. Two names with one hash could only keep a
    file that might have gone (until the next prune), never remove one in use."""
    return {hash(name) for entry in entries for name in entry.cache}


def _files_under(folder: str, rel: str = "") -> Iterator[tuple[str, str]]:
    """(path relative to ``folder`` with ``/``, full path) of every file under ``folder``: one ``scandir`` per
    folder and plain strings (a cache holds a few files per photo)."""
    try:
        with os.scandir(folder) as entries:  # iterated, not listed: a cache folder holds a file per photo
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    yield from _files_under(entry.path, f"{rel}{entry.name}/")
                else:
                    yield rel + entry.name, entry.path
    except OSError:
        return


def _stderr() -> TextIO:
    return sys.stderr


def lost_story(job: Job, reason: str) -> Exported:
    """The result for a story whose task the pool gave up on (it crashed the workers that ran it)."""
    return Exported(job.input.relpath, error=reason)

