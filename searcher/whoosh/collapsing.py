"""Collapsing a Whoosh search's matches by duplicate group or story: the best-ranked
match of each among all matches, so totals and pages count groups and stay coherent;
facet and histogram counts of the units; a kept hit's story, copies and headlines."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from searcher.grouping import MAX_COPIES, MAX_HEADLINES
from searcher.models import Copy, FacetCount, Headline, Hit, web_url
from searcher.results import bucket_of, date_histogram, display_title
from searcher.scoring import group_counts
from searcher.whoosh.grouping import DocGroups


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
        """Units per day, week or month, by the span of the matches
        (:func:`searcher.results.date_histogram`); a unit with matches on several
        days of a week or month counts once there, as filtering on that period gives."""
        days = self.counts("day")
        found = date_histogram(days)
        if self.every is None or not found or len(found[0].value) == 10:
            return found
        bucket = bucket_of([day for day in days if day])
        codes, names = self.matched.space.facet("day")
        periods = sorted({bucket(name) for name in names if name})
        number = {period: i for i, period in enumerate(periods)}
        period_of = np.array(
            [number[bucket(name)] if name else -1 for name in names], dtype=np.int64
        )
        values = period_of[codes[self.every]]
        dated = values >= 0
        width = int(self._units.max()) + 1
        pairs = np.unique(values[dated] * width + self._units[dated])
        counts = np.bincount(pairs // width, minlength=len(periods))
        return [
            FacetCount(period, int(count))
            for period, count in zip(periods, counts, strict=True)
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
