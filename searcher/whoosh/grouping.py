"""Duplicate groups and stories of an index: computed while indexing, saved next to
the index, read by searches (collapsing copies, story pages, story lists).

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

The state file
    ``GROUPS_FILE`` in the index folder (numpy ``.npz``, no pickles), replaced
    atomically (written aside, then renamed), so readers see the old or the
    new state, never half of one. A rebuild starts from an empty state.
    Kept outside the Whoosh schema on purpose: assigning a new article never
    rewrites older documents, and old indexes need no rebuild.

Query time
    :class:`GroupCache` gives, per index generation, each document's duplicate
    group and story as integer codes (:class:`DocGroups`); collapsing keeps
    the best-ranked article of each duplicate group among all matches, so
    totals and pages count groups and stay coherent.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from searcher import grouping
from searcher.duplicates import NUM_PERM
from searcher.files import written_atomically
from searcher.grouping import (
    MAX_CENTRE_ARTICLES,
    MAX_COPIES,
    MAX_HEADLINES,
    Entries,
    as_datetime,
    decode_terms,
)
from searcher.models import (
    Article,
    Copy,
    FacetCount,
    Headline,
    Hit,
    Story,
    StoryList,
    StorySummary,
    web_url,
)
from searcher.results import date_histogram, display_title, make_hit
from searcher.scoring import group_counts
from searcher.stories import representative

GROUPS_FILE = "groups.npz"


def save_entries(entries: Entries, folder: Path) -> None:
    """Write the state file atomically (aside, then renamed)."""
    signatures = np.zeros((len(entries), NUM_PERM), dtype=np.uint32)
    signed = np.zeros(len(entries), dtype=bool)
    for row, signature in enumerate(entries.signatures):
        if signature is not None:
            signatures[row], signed[row] = signature, True
    target = folder / GROUPS_FILE
    for stale in folder.glob(f".{GROUPS_FILE}.*.tmp"):  # a killed run's (we hold the lock)
        stale.unlink(missing_ok=True)
    with written_atomically(target) as handle:
        np.savez(
            handle,
            ids=np.array(entries.ids, dtype=str),
            seconds=np.array(entries.seconds, dtype=np.float64),
            signatures=signatures,
            signed=signed,
            terms=_pack(entries.terms),
            duplicate=np.array(entries.duplicate, dtype=str),
            story=np.array(entries.story, dtype=str),
        )


def load_entries(folder: Path) -> Entries:
    entries = Entries()
    path = folder / GROUPS_FILE
    if not path.exists():
        return entries
    with np.load(path, allow_pickle=False) as data:
        signed = data["signed"]
        signatures = data["signatures"]
        entries.ids = data["ids"].tolist()
        entries.seconds = data["seconds"].tolist()
        entries.signatures = [
            signatures[row] if signed[row] else None for row in range(len(signed))
        ]
        entries.terms = _unpack(data["terms"], len(entries.ids))
        entries.duplicate = data["duplicate"].tolist()
        entries.story = data["story"].tolist()
    return entries


def _pack(texts: list[str]) -> np.ndarray:
    """Texts as one UTF-8 byte array, a line each (a fixed-width string array would
    pad every article's words to the longest)."""
    return np.frombuffer("\n".join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _unpack(packed: np.ndarray, count: int) -> list[str]:
    texts = packed.tobytes().decode("utf-8", "surrogatepass").split("\n") if count else []
    return texts


def read_assignments(folder: str | os.PathLike) -> dict[str, tuple[str, str, float]]:
    """id -> (duplicate group id, story id, seconds) from an index folder's state
    (only the arrays it needs are read)."""
    path = Path(folder) / GROUPS_FILE
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        return {
            doc_id: (duplicate, story, seconds)
            for doc_id, duplicate, story, seconds in zip(
                data["ids"].tolist(),
                data["duplicate"].tolist(),
                data["story"].tolist(),
                data["seconds"].tolist(),
                strict=True,
            )
        }


def read_terms(folder: str | os.PathLike) -> dict[str, str]:
    """id -> story words (:func:`searcher.grouping.encode_terms`) from an index folder's
    state, for choosing a story's representative headline."""
    path = Path(folder) / GROUPS_FILE
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        ids = data["ids"].tolist()
        return dict(zip(ids, _unpack(data["terms"], len(ids)), strict=True))


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
    """:class:`DocGroups` of an index folder, rebuilt when the index or the state changes."""

    def __init__(self, folder: str | os.PathLike):
        self.path = Path(folder) / GROUPS_FILE
        self._lock = threading.Lock()
        self._key = None
        self._state: dict | None = None
        self._state_stamp = None
        self._groups: DocGroups | None = None

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
        """The groups for a Whoosh reader, or None when the index has no state."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        key = (reader.generation(), stamp)
        with self._lock:
            if key != self._key:
                if stamp != self._state_stamp:
                    self._state, self._state_stamp = read_assignments(self.path.parent), stamp
                self._groups, self._key = _doc_groups(reader, self._state), key
            return self._groups


def _doc_groups(reader, state: dict) -> DocGroups:
    size = reader.doc_count_all()
    duplicate = np.full(size, -1, dtype=np.int64)
    story = np.full(size, -1, dtype=np.int64)
    seconds = np.full(size, np.nan)
    duplicate_codes: dict[str, int] = {}
    story_codes: dict[str, int] = {}
    ids = _live_ids(reader)
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


def rank(sort: str, matched) -> np.ndarray:
    """Per match, a number that is lower for a better-ranked match under ``sort``
    (``matched``: scores and published/dated columns, as the Whoosh search has them)."""
    if sort in ("relevance", "blend"):  # blend: the scores are blended already
        return -np.asarray(matched.scores, dtype=np.float64)
    moments = matched.column("published").astype(np.float64)
    moments = -moments if sort == "newest" else moments
    return np.where(matched.column("dated"), moments, np.inf)  # undated last


@dataclass
class Collapsed:
    """The matches of a search collapsed as ``search(collapse=...)`` asks.

    ``matched``: one match per unit (every match, a duplicate group's best, or a
    story's best); ``every``: the document numbers before collapsing (None when
    nothing was collapsed); ``folded``: per kept match, how many others it stands for.
    Facet and histogram counts (:meth:`groups`) count units, not articles: a source
    counts the units holding a match from it, which is the total that filtering on
    it gives, so counts, totals and pages agree.
    """

    mode: str
    matched: object  # searcher.whoosh.evaluator.Matched
    groups: DocGroups | None = None
    every: np.ndarray | None = None
    folded: np.ndarray | None = None
    _units: np.ndarray | None = None  # per match in ``every``: its unit's code
    _rank: np.ndarray | None = None  # per match in ``every``: lower is better

    def counts(self, name: str) -> dict:
        """``{value: units}`` for a facet (source, category, day)."""
        if self.every is None:
            return self.matched.groups(name)
        codes, names = self.matched.space.facet(name)
        values = codes[self.every]
        width = int(self._units.max()) + 1 if len(self._units) else 1
        pairs = np.unique(values.astype(np.int64) * width + self._units)
        return group_counts(pairs // width, names)

    def histogram(self) -> list[FacetCount]:
        """Units per day, or per month when the matches span over two months
        (:func:`searcher.results.date_histogram`); a unit with matches on several
        days of a month counts once in that month, as filtering on the month gives."""
        found = date_histogram(self.counts("day"))
        if self.every is None or not found or len(found[0].value) == 10:
            return found
        codes, names = self.matched.space.facet("day")
        months = sorted({name[:7] for name in names if name})
        number = {month: i for i, month in enumerate(months)}
        month_of = np.array([number[name[:7]] if name else -1 for name in names], dtype=np.int64)
        values = month_of[codes[self.every]]
        dated = values >= 0
        width = int(self._units.max()) + 1
        pairs = np.unique(values[dated] * width + self._units[dated])
        counts = np.bincount(pairs // width, minlength=len(months))
        return [
            FacetCount(month, int(count))
            for month, count in zip(months, counts, strict=True)
            if count
        ]

    def annotate(self, hit: Hit, position: int, stored_fields) -> Hit:
        """A kept match's hit with its story, versions and (by story) headlines."""
        groups = self.groups
        if groups is None:
            return hit
        docnum = int(self.matched.docnums[position])
        if self.mode == "none":
            return annotate(hit, groups, docnum, stored_fields)
        if self.mode == "duplicates":
            return annotate(
                hit, groups, docnum, stored_fields, self.every, int(self.folded[position])
            )
        copies = groups.copies(self.every, docnum)
        hit = annotate(hit, groups, docnum, stored_fields, self.every, len(copies))
        return replace(
            hit,
            story_matches=int(self.folded[position]) + 1,
            story_sources=self._sources(docnum),
            headlines=self._headlines(hit, docnum, stored_fields),
        )

    def _sources(self, docnum: int) -> int:
        members = np.flatnonzero(self.groups.story == self.groups.story[docnum])
        codes, names = self.matched.space.facet("source")
        return sum(1 for code in np.unique(codes[members]) if names[code])

    def _headlines(self, hit: Hit, docnum: int, stored_fields) -> tuple[Headline, ...]:
        """Up to MAX_HEADLINES other titles of the story: its other matches, best
        first, then its other articles, newest first; one per duplicate group and title."""
        groups = self.groups
        code = groups.story[docnum]
        inside = self._units == code
        matches = self.every[inside][np.argsort(self._rank[inside], kind="stable")]
        members = np.flatnonzero(groups.story == code)
        moments = np.nan_to_num(groups.seconds[members], nan=-np.inf)
        members = members[np.lexsort((members, -moments))]
        seen_groups = {int(groups.duplicate[docnum])}
        seen_titles = {hit.title.casefold()}
        found: list[Headline] = []
        for number in (*matches.tolist(), *members.tolist()):
            if len(found) == MAX_HEADLINES:
                break
            group = int(groups.duplicate[number])
            if group in seen_groups:
                continue
            seen_groups.add(group)
            stored = stored_fields(int(number))
            title = display_title(stored.get("title", ""), stored.get("body", ""))
            if title.casefold() in seen_titles:
                continue
            seen_titles.add(title.casefold())
            found.append(Headline(stored["id"], title, stored.get("source", "")))
        return tuple(found)


def collapse(groups: DocGroups | None, matched, sort: str, mode: str) -> Collapsed:
    """``matched`` collapsed by ``mode`` (:data:`searcher.grouping.COLLAPSE_MODES`); an
    index without groups is not collapsed."""
    if mode == "none" or groups is None:
        return Collapsed(mode if groups is not None else "none", matched, groups)
    by = "story" if mode == "story" else "duplicate"
    every, rank_ = matched.docnums, rank(sort, matched)
    keep, folded = groups.collapse(every, rank_, by=by)
    kept = replace(matched, docnums=every[keep], scores=matched.scores[keep])
    return Collapsed(mode, kept, groups, every, folded, getattr(groups, by)[every], rank_)


def annotate(
    hit: Hit,
    groups: DocGroups,
    docnum: int,
    stored_fields,
    matches: np.ndarray | None = None,
    versions: int = 0,
) -> Hit:
    """``hit`` with its story and, when collapsing (``matches``: every match before
    collapsing), how many other versions it stands for and some of them."""
    story = groups.story_of(docnum)
    copies: tuple[Copy, ...] = ()
    if matches is not None and versions:
        others = groups.copies(matches, docnum)[:MAX_COPIES]
        copies = tuple(_copy(stored_fields(int(number))) for number in sorted(others))
    return replace(
        hit,
        versions=int(versions),
        copies=copies,
        story=story[0] if story else None,
        story_size=story[1] if story else 0,
    )


def _copy(stored: dict) -> Copy:
    return Copy(
        id=stored["id"], source=stored.get("source", ""), url=web_url(stored.get("url", ""))
    )


def representative_title(
    groups: DocGroups, members: np.ndarray, terms: dict[str, str], stored_fields
) -> str:
    """The headline of the story's article nearest its centre
    (:func:`searcher.stories.representative`), among its articles oldest first."""
    code = int(groups.story[members[0]])
    known = groups.titles.get(code)  # the groups are of one generation: it stays true
    if known is not None:
        return known
    ids = [groups.doc_ids[int(n)] for n in members]
    if len(ids) > MAX_CENTRE_ARTICLES:  # a saga: its first, middle and last articles
        step = len(ids) / MAX_CENTRE_ARTICLES
        picked = [int(i * step) for i in range(MAX_CENTRE_ARTICLES)]
        ids, members = [ids[i] for i in picked], members[picked]
    best = representative([decode_terms(terms.get(doc_id, "")) for doc_id in ids])
    stored = stored_fields(int(members[best]))
    title = groups.titles[code] = display_title(stored.get("title", ""), stored.get("body", ""))
    return title


def story_list(
    groups: DocGroups | None,
    docnums: np.ndarray,
    sources: tuple,
    sort: str,
    page: int,
    per_page: int,
    stored_fields,
    terms: dict[str, str],
) -> StoryList:
    """Stories with an article among ``docnums`` (the articles of the window and
    filters), sorted by size (``largest``), by those articles (``active``) or by
    their latest one (``latest``); ``sources``: each document's source code and the
    names, for counting a story's sources."""
    if groups is None or not len(docnums):
        return StoryList([], 0, page, per_page, sort)
    codes = groups.story[docnums]
    codes = codes[codes >= 0]
    active = np.bincount(codes, minlength=len(groups.story_ids))
    listed = np.flatnonzero(active)
    moments = np.nan_to_num(groups.seconds[docnums], nan=-np.inf)
    latest = np.full(len(groups.story_ids), -np.inf)
    np.maximum.at(latest, groups.story[docnums], moments)
    names = groups.story_ids
    by_name, sizes = groups.name_rank()[listed], groups.story_sizes[listed]
    if sort == "largest":
        keys = (by_name, -active[listed], -sizes)
    elif sort == "active":
        keys = (by_name, -sizes, -latest[listed], -active[listed])
    else:
        keys = (by_name, -active[listed], -latest[listed])
    ranked = listed[np.lexsort(keys)].tolist()  # the last key sorts first
    shown = ranked[(page - 1) * per_page : page * per_page]
    source_codes, source_names = sources
    found = []
    for code in shown:
        members = groups.members(names[code])
        seconds = groups.seconds[members]
        dated = seconds[~np.isnan(seconds)]
        found.append(
            StorySummary(
                id=names[code],
                size=int(groups.story_sizes[code]),
                title=representative_title(groups, members, terms, stored_fields),
                first=as_datetime(dated.min()) if len(dated) else None,
                last=as_datetime(dated.max()) if len(dated) else None,
                sources=sum(1 for c in np.unique(source_codes[members]) if source_names[c]),
                active=int(active[code]),
            )
        )
    return StoryList(found, len(ranked), page, per_page, sort)


def story_page(
    groups: DocGroups | None,
    story_id: str,
    sort: str,
    page: int,
    per_page: int,
    since: float | None,
    until: float | None,
    sources: tuple,
    stored_fields,
    terms: dict[str, str],
) -> Story | None:
    """A story by its id (or its first article's, when that was deleted): a page of
    its articles, oldest or newest first, those of [since, until] only when given
    (seconds); its histogram, size, sources and representative headline are the
    whole story's."""
    members = groups.members(story_id) if groups is not None else None
    if members is None or not len(members):
        return None
    code = int(groups.story[members[0]])
    days: Counter = Counter()
    for moment in groups.seconds[members]:
        if moment == moment:
            days[as_datetime(moment).date().isoformat()] += 1
    shown = members
    if since is not None or until is not None:
        moments = groups.seconds[members]
        inside = ~np.isnan(moments)
        if since is not None:
            inside &= moments >= since
        if until is not None:
            inside &= moments <= until
        shown = members[inside]
    if sort == "newest":
        shown = shown[::-1]
    window = shown[(page - 1) * per_page : page * per_page] if per_page else shown
    hits = [make_hit(stored_fields(int(n)), 0.0, None) for n in window]
    source_codes, source_names = sources  # every article's source: the story's, not the page's
    counted = Counter(source_codes[members].tolist())
    return Story(
        id=groups.story_ids[code],
        hits=hits,
        histogram=date_histogram(days),
        size=len(members),
        source_counts=sorted(
            (FacetCount(source_names[c], n) for c, n in counted.items()),
            key=lambda f: (-f.count, f.value),
        ),
        title=representative_title(groups, members, terms, stored_fields),
        total=len(shown),
        page=page,
        per_page=per_page,
        sort=sort,
    )
