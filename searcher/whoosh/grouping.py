"""Duplicate groups and stories of a Whoosh index: computed while indexing, saved next to
the index (:mod:`searcher.whoosh.groupstate`), read by searches as per-document codes.

Index time
    :class:`Collector` takes each added or updated article's features as the
    indexer goes (a MinHash signature, the title and lead's story words),
    and :meth:`Collector.commit` assigns groups once the articles are
    committed: the saved state is replayed (the LSH buckets and the story
    centroids are rebuilt from it), then the new articles are assigned in
    (published, id) order, so the result does not depend on the order of the
    files or the number of indexing processes. A copy joins the story of its
    group's first article (a reprint tells the same story, even weeks later:
    CLICK-ID has copies whose dates are off by a month). Live articles the state lacks
    (an index built before this feature, or a run killed between the index
    commit and the state's) are read back from the index and added; articles
    no longer in the index are dropped.

Query time
    :class:`GroupCache` gives, per index generation, each document's duplicate
    group and story as integer codes (:class:`DocGroups`). Collapsing the
    matches by them is :mod:`searcher.whoosh.collapsing`; story pages and
    story lists are :mod:`searcher.whoosh.stories`.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from searcher import grouping
from searcher.grouping import Entries
from searcher.models import Article
from searcher.whoosh.groupstate import (  # noqa: F401 (the state's API, at its old path)
    GROUPS_FILE,
    CorruptStateError,
    load_entries,
    read_assignments,
    read_terms,
    save_entries,
    verify_state,
)

log = logging.getLogger("searcher")


class Collector(grouping.Collector):
    """The grouping of a Whoosh indexing run, saved in the index folder's state file."""

    def commit(self, folder: Path, ix) -> None:
        """Assign groups to the collected articles and save the state (``ix``: the
        Whoosh index just committed, for the ids it holds)."""
        with ix.reader() as reader:
            live = _live_ids(reader)
        old = Entries() if self.rebuild else load_entries(folder)
        live = set(live.values())
        if not len(self.new) and not self.rebuild and set(old.ids) == live:
            return  # nothing added, updated or deleted: the saved state stands
        renewed = set(self.new.ids)
        kept = [i for i, doc_id in enumerate(old.ids) if doc_id in live and doc_id not in renewed]
        missing = sorted(live - renewed - {old.ids[i] for i in kept})
        if missing:  # committed by a run that did not save the state (or before it existed)
            with ix.searcher() as searcher:
                for doc_id in missing:
                    stored = searcher.document(id=doc_id)
                    self.add(
                        Article(
                            id=doc_id,
                            title=stored.get("title", ""),
                            body=stored.get("body", ""),
                            published=stored.get("published"),
                        )
                    )
        entries = Entries()
        for i in kept:
            entries.append(
                old.ids[i],
                old.seconds[i],
                old.signatures[i],
                old.terms[i],
                old.duplicate[i],
                old.story[i],
            )
        save_entries(self.assign(entries), folder)


def _live_ids(reader) -> dict[int, str]:
    """Document number -> id of every live document (an empty index has no id column)."""
    if reader.doc_count_all() == 0:
        return {}
    ids = reader.column_reader("id")
    return {docnum: ids[docnum] for docnum in reader.all_doc_ids()}


# -- query time ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DocGroups:
    """Groups of the documents of one index generation, by Whoosh document number."""

    duplicate: np.ndarray  # code of each document's duplicate group (-1: deleted)
    story: np.ndarray  # code of each document's story (-1: deleted)
    story_ids: list[str]  # story code -> story id
    story_sizes: np.ndarray  # story code -> live articles
    story_codes: dict[str, int]  # a story's id, and its current id, -> its code
    seconds: np.ndarray  # per document, NaN if undated or unknown
    doc_ids: dict[int, str] = None  # document number -> id (live documents)
    titles: dict = field(default_factory=dict)  # story code -> representative headline
    memo: dict = field(default_factory=dict)  # what is computed once per generation

    def name_rank(self) -> np.ndarray:
        """Story code -> the rank of its id in sorted order (ties of a sort go by id)."""
        found = self.memo.get("name rank")
        if found is None:
            order = np.argsort(np.array(self.story_ids, dtype=object), kind="stable")
            found = self.memo["name rank"] = np.empty(len(order), dtype=np.int64)
            found[order] = np.arange(len(order))
        return found

    def collapse(
        self, docnums: np.ndarray, rank: np.ndarray, by: str = "duplicate"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions (into ``docnums``) of the best-ranked match of each duplicate group
        (``by="story"``: of each story; ``rank``: lower is better), and how many other
        matches each one stands for."""
        if not len(docnums):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        groups = getattr(self, by)[docnums]
        order = np.lexsort((docnums, rank, groups))
        ordered = groups[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        counts = np.diff(np.r_[starts, len(order)])
        keep = order[starts]
        back = np.argsort(keep, kind="stable")  # in the matches' own order
        return keep[back], counts[back] - 1

    def copies(self, docnums: np.ndarray, docnum: int) -> np.ndarray:
        """The other matches in ``docnum``'s duplicate group."""
        same = docnums[self.duplicate[docnums] == self.duplicate[docnum]]
        return same[same != docnum]

    def story_of(self, docnum: int) -> tuple[str, int] | None:
        code = int(self.story[docnum])
        if code < 0:
            return None
        return self.story_ids[code], int(self.story_sizes[code])

    def members(self, story_id: str) -> np.ndarray | None:
        """Document numbers of a story's live articles, oldest first (None: no such story)."""
        code = self.story_codes.get(story_id)
        if code is None:
            return None
        docnums = np.flatnonzero(self.story == code)
        seconds = self.seconds[docnums]
        return docnums[np.lexsort((docnums, np.nan_to_num(seconds, nan=np.inf)))]

    def largest(self, since: float | None, limit: int) -> list[tuple[str, int]]:
        """(story id, size) of the largest stories with an article at or after ``since``."""
        live = self.story >= 0
        if since is not None:
            live &= self.seconds >= since
        recent = np.unique(self.story[live])
        sizes = self.story_sizes[recent]
        ranked = sorted(
            zip(sizes.tolist(), recent.tolist(), strict=True),
            key=lambda x: (-x[0], self.story_ids[x[1]]),
        )
        return [(self.story_ids[code], size) for size, code in ranked[:limit]]


class GroupCache:
    """:class:`DocGroups` of an index folder, rebuilt when the index or the state changes.

    Each generation's live ids (document number -> id) are read once, when a view of
    it is made (:meth:`prepare`), and kept in memory: a searcher not yet refreshed
    may meet a state file written for a newer generation, or a rebuild may have
    deleted its generation's column files since (they read back as nothing: every
    article was one story, ``IndexError`` elsewhere, #24). A damaged state file
    counts as none (logged once): searches then do not collapse, and the next
    indexing run writes it again.
    """

    GENERATIONS = 4  # live ids kept for this many recent generations

    def __init__(self, folder: str | os.PathLike):
        self.path = Path(folder) / GROUPS_FILE
        self._lock = threading.Lock()
        self._key = None
        self._state: dict | None = None
        self._state_stamp = None
        self._groups: DocGroups | None = None
        self._live: dict[tuple, dict[int, str]] = {}  # (generation, segments) -> live ids

    def prepare(self, reader) -> None:
        """Read the live ids of ``reader``'s generation now, while its files are there."""
        self._live_ids(reader)

    def _live_ids(self, reader) -> dict[int, str]:
        generation = _generation(reader)
        with self._lock:
            found = self._live.get(generation)
        if found is None:
            found = _live_ids(reader)
            with self._lock:
                self._live[generation] = found
                while len(self._live) > self.GENERATIONS:
                    del self._live[next(iter(self._live))]  # the oldest kept
        return found

    def terms(self) -> dict[str, str]:
        """Each article's story words from the state file (read once per state)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        with self._lock:
            if getattr(self, "_terms_stamp", None) != stamp:
                self._terms, self._terms_stamp = read_terms(self.path.parent), stamp
            return self._terms

    def get(self, reader) -> DocGroups | None:
        """The groups for a Whoosh reader, or None when the index has no usable state."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        key = (_generation(reader), stamp)
        live = self._live_ids(reader)
        with self._lock:
            if key != self._key:
                if stamp != self._state_stamp:
                    try:
                        self._state = read_assignments(self.path.parent)
                    except CorruptStateError as error:
                        log.warning(
                            "%s is damaged (%s); results are not collapsed until the "
                            "next index run writes it again",
                            self.path,
                            error,
                        )
                        self._state = None
                    self._state_stamp = stamp
                self._groups = (
                    _doc_groups(reader.doc_count_all(), live, self._state)
                    if self._state is not None
                    else None
                )
                self._key = key
            return self._groups


def _generation(reader) -> tuple:
    """A reader's generation, told apart from an index that replaced it by a fresh build
    (whose generation numbers start again) by its segments."""
    return (
        reader.generation(),
        tuple(
            leaf.segment().segment_id()
            for leaf, _ in reader.leaf_readers()
            if hasattr(leaf, "segment") and leaf.segment() is not None
        ),
    )


def _doc_groups(size: int, live: dict[int, str], state: dict) -> DocGroups:
    duplicate = np.full(size, -1, dtype=np.int64)
    story = np.full(size, -1, dtype=np.int64)
    seconds = np.full(size, np.nan)
    duplicate_codes: dict[str, int] = {}
    story_codes: dict[str, int] = {}
    ids = live
    for docnum, doc_id in ids.items():
        found = state.get(doc_id)
        # An article the state does not know yet (indexed by a run that was killed
        # before saving it) is a group and a story of its own.
        group_id, story_id, moment = found if found else (doc_id, doc_id, float("nan"))
        duplicate[docnum] = duplicate_codes.setdefault(group_id, len(duplicate_codes))
        story[docnum] = story_codes.setdefault(story_id, len(story_codes))
        seconds[docnum] = moment
    sizes = np.bincount(story[story >= 0], minlength=len(story_codes))
    # A story is named by its first article; once that one is deleted, by its oldest
    # remaining article (its "current" id), and the old name still leads to it.
    names, codes = list(story_codes), dict(story_codes)
    live = set(ids.values())
    gone = [code for name, code in story_codes.items() if name not in live]
    if gone:
        order = np.lexsort((np.arange(size), np.nan_to_num(seconds, nan=np.inf)))
        wanted = set(gone)
        for docnum in order.tolist():
            code = int(story[docnum])
            if code in wanted:
                wanted.discard(code)
                names[code] = ids[docnum]
                codes.setdefault(ids[docnum], code)
                if not wanted:
                    break
    return DocGroups(duplicate, story, names, sizes, codes, seconds, ids)
