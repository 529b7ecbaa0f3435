"""Stories and duplicate groups on a Manticore/Sphinx cluster: collapsed hits with their
copies and headlines, a story's page, the list of stories (:class:`StoriesMixin`, a part
of :class:`searcher.manticore.searching.ManticoreIndex`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime

from searcher import checks
from searcher.grouping import (
    MAX_CENTRE_ARTICLES,
    MAX_COPIES,
    MAX_HEADLINES,
    check_story_list,
    check_story_page,
    decode_terms,
)
from searcher.manticore.grouping import code_of, read_features
from searcher.manticore.rows import (
    _HIT_COLUMNS,
    _ORDER,
    MAX_FACET_VALUES,
    MAX_HEADLINE_ROWS,
    MAX_STORY_ARTICLES,
    _select,
    _stored,
)
from searcher.manticore.schema import (
    document_id,
    moment,
)
from searcher.models import (
    Copy,
    FacetCount,
    Headline,
    Hit,
    Story,
    StoryList,
    StorySummary,
)
from searcher.query import plan
from searcher.request import Filters
from searcher.results import (
    date_histogram,
    display_title,
    make_hit,
)
from searcher.stories import representative


class StoriesMixin:
    """Story and group reading for :class:`ManticoreIndex` (uses its ``_query``,
    ``_ranker``, ``_row`` and ``_where``)."""

    def _grouped(self, hits: list[Hit], rows, mode: str, where: list[str], args: list) -> list[Hit]:
        """Hits with their story and, when collapsing, their other versions (by
        story: also the story's sources, matches and other headlines)."""
        if not hits:
            return hits
        stories = {int(row[12]) for row in rows}
        listed = ",".join(map(str, stories))
        sizes, _ = self._query(
            f"SELECT story, COUNT(*) FROM {self.cluster.table} WHERE story "
            f"IN ({listed}) GROUP BY story LIMIT 0,{len(stories)}"
        )
        size_of = {int(code): int(size) for code, size in sizes}
        names = self._names(stories)
        annotated = []
        for hit, row in zip(hits, rows, strict=True):
            versions = int(row[13]) - 1 if mode == "duplicates" else 0
            if mode == "story":
                versions = self._count_rows(
                    [*where, f"duplicate = {int(row[11])}", f"id != {int(row[0])}"], args
                )
            copies: tuple[Copy, ...] = ()
            if versions:
                others, _ = self._query(
                    _select(
                        "article_id, source, url",
                        self.cluster.table,
                        [*where, f"duplicate = {int(row[11])}", f"id != {int(row[0])}"],
                        f" ORDER BY id ASC LIMIT {MAX_COPIES}",
                    ),
                    args,
                )
                copies = tuple(Copy(i, s, u) for i, s, u in others)
            code = int(row[12])
            hit = replace(
                hit,
                versions=versions,
                copies=copies,
                story=names.get(code),
                story_size=size_of.get(code, 0),
            )
            if mode == "story":
                hit = self._story_card(hit, row, where, args)
            annotated.append(hit)
        return annotated

    def _count_rows(self, where: list[str], args: list) -> int:
        """How many rows meet the SQL conditions ``where`` (with their ``args``)."""
        rows, _ = self._query(_select("COUNT(*)", self.cluster.table, where), args)
        return int(rows[0][0]) if rows else 0

    def _story_card(self, hit: Hit, row, where: list[str], args: list) -> Hit:
        """A story's hit with its sources, matches and up to MAX_HEADLINES other
        headlines (its other matches, best first, then its newest articles; one per
        duplicate group and title), as the Whoosh backend gives them."""
        code, table = int(row[12]), self.cluster.table
        story = [f"story = {code}"]
        sources, _ = self._query(
            f"SELECT source, COUNT(*) FROM {table} WHERE story = {code} "
            f"GROUP BY source LIMIT 0,{MAX_FACET_VALUES}"
        )
        matches, _ = self._query(
            _select(
                "article_id, title_text, source, duplicate, body_text",
                table,
                [*where, *story],
                f" ORDER BY {_ORDER['relevance']} LIMIT 0,{MAX_HEADLINE_ROWS} "
                f"OPTION ranker={self._ranker()}",
            ),
            args,
        )
        newest, _ = self._query(
            _select(
                "article_id, title_text, source, duplicate, body_text",
                table,
                story,
                f" ORDER BY {_ORDER['newest']} LIMIT 0,{MAX_HEADLINE_ROWS}",
            )
        )
        seen_groups, seen_titles = {int(row[11])}, {hit.title.casefold()}
        headlines: list[Headline] = []
        for article_id, title, source, duplicate, body in (*matches, *newest):
            if len(headlines) == MAX_HEADLINES:
                break
            if int(duplicate) in seen_groups:
                continue
            seen_groups.add(int(duplicate))
            title = display_title(title, body)
            if title.casefold() in seen_titles:
                continue
            seen_titles.add(title.casefold())
            headlines.append(Headline(article_id, title, source))
        return replace(
            hit,
            story_sources=sum(1 for source, _ in sources if source),
            story_matches=int(row[13]),
            headlines=tuple(headlines),
        )

    def _names(self, codes) -> dict[int, str]:
        """Story or group codes -> their ids (the first article's; ``#code`` if it is gone)."""
        if not codes:
            return {}
        rows, _ = self._query(
            f"SELECT id, article_id FROM {self.cluster.table} WHERE id IN "
            f"({','.join(map(str, codes))}) LIMIT {len(codes)}"
        )
        found = {int(number): article_id for number, article_id in rows}
        for code in set(codes) - set(found):  # its first article is gone: its oldest one
            oldest, _ = self._query(
                f"SELECT article_id FROM {self.cluster.table} WHERE story = "
                f"{code} ORDER BY dated DESC, published ASC, id ASC LIMIT 1"
            )
            found[code] = oldest[0][0] if oldest else f"#{code}"
        return {code: found[code] for code in codes}

    def _members(self, code: int) -> list:
        """A story's rows, oldest first: (article_id, source, published, dated, grouping,
        title) (no bodies: a story can hold thousands of articles)."""
        rows, _ = self._query(
            _select(
                "article_id, source, published, dated, grouping, title_text",
                self.cluster.table,
                [f"story = {code}"],
                f" ORDER BY dated DESC, published ASC, id ASC LIMIT 0,{MAX_STORY_ARTICLES} "
                f"OPTION max_matches={MAX_STORY_ARTICLES}",
            )
        )
        return list(rows)

    def _story_code(self, story_id: str) -> tuple[int, list] | None:
        """The code and rows of the story ``story_id`` names: by its first article's id
        (deleted or not), or by its current id (its oldest remaining article's, once
        the first one is gone)."""
        try:
            code = code_of(story_id)
        except ValueError:  # "#" and no number: no story has that id
            return None
        members = self._members(code)
        if members:
            return code, members
        row = self._row(story_id) if not story_id.startswith("#") else None
        if row is None or int(row[12]) == code:
            return None
        members = self._members(int(row[12]))
        if members and members[0][0] == story_id and self._row_by_number(int(row[12])) is None:
            return int(row[12]), members
        return None

    def _row_by_number(self, number: int):
        rows, _ = self._query(f"SELECT id FROM {self.cluster.table} WHERE id = {number}")
        return rows[0] if rows else None

    def _representative_title(self, members: list) -> str:
        """The headline nearest the story's centre (:func:`searcher.stories.representative`)
        among :meth:`_members` rows, oldest first (an untitled one: its body's start)."""
        if not members:
            return ""
        if len(members) > MAX_CENTRE_ARTICLES:
            step = len(members) / MAX_CENTRE_ARTICLES
            members = [members[int(i * step)] for i in range(MAX_CENTRE_ARTICLES)]
        best = members[representative([decode_terms(read_features(r[4])[1]) for r in members])]
        if best[5]:
            return best[5]
        row = self._row(best[0])
        return display_title("", row[3]) if row is not None else best[0]

    @checks.while_open
    def story(
        self,
        story_id: str,
        *,
        page: int = 1,
        per_page: int | None = None,
        sort: str = "oldest",
        since=None,
        until=None,
    ) -> Story | None:
        """See :meth:`searcher.Index.story`."""
        checks.doc_id(story_id)
        sort, page, per_page = check_story_page(sort, page, per_page)
        window = Filters.build(since=since, until=until)
        found = self._story_code(story_id)
        if found is None:
            return None
        code, members = found
        moments = [moment(int(r[2]), int(r[3])) for r in members]
        days = Counter(m.date().isoformat() for m in moments if m)
        shown = [
            r
            for r, m in zip(members, moments, strict=True)
            if not (window.since or window.until)
            or (
                m is not None
                and (window.since is None or m >= window.since)
                and (window.until is None or m <= window.until)
            )
        ]
        if sort == "newest":
            shown = shown[::-1]
        page_rows = shown[(page - 1) * per_page : page * per_page] if per_page else shown
        hits = []
        wanted = [row[0] for row in page_rows]
        found = {}
        if wanted:  # the page's articles in one query
            rows, _ = self._query(
                _select(
                    _HIT_COLUMNS,
                    self.cluster.table,
                    [f"id IN ({','.join(str(document_id(i)) for i in wanted)})"],
                    f" LIMIT 0,{len(wanted)} OPTION max_matches={max(len(wanted), 1)}",
                )
            )
            found = {row[1]: row for row in rows}
        hits.extend(make_hit(_stored(found[i]), 0.0, None) for i in wanted if i in found)
        sources = Counter(r[1] for r in members)
        # Its first article's id, or once that was deleted its oldest remaining article's.
        current = self._names([code])[code]
        return Story(
            current,
            hits,
            date_histogram(days),
            size=len(members),
            source_counts=sorted(
                (FacetCount(s, n) for s, n in sources.items()), key=lambda f: (-f.count, f.value)
            ),
            title=self._representative_title(members),
            total=len(shown),
            page=page,
            per_page=per_page,
            sort=sort,
        )

    @checks.while_open
    def stories(self, *, since: datetime | None = None, limit: int = 10) -> list[StorySummary]:
        """The largest stories with an article published at or after ``since``."""
        checks.limit(limit, top=10_000)
        return self._story_list(Filters.build(since=since), "largest", 1, limit).stories

    @checks.while_open
    def story_list(
        self,
        *,
        since=None,
        until=None,
        source=None,
        category=None,
        sort: str = "largest",
        page: int = 1,
        per_page: int = 10,
    ) -> StoryList:
        """See :meth:`searcher.Index.story_list`."""
        sort, page, per_page = check_story_list(sort, page, per_page)
        filters = Filters.build(source=source, category=category, since=since, until=until)
        return self._story_list(filters, sort, page, per_page)

    def _story_list(self, filters: Filters, sort: str, page: int, per_page: int) -> StoryList:
        table, most = self.cluster.table, 1_000_000
        where = self._where(plan.QueryPlan(plan.Nothing()), filters)
        if where is None:
            return StoryList([], 0, page, per_page, sort)
        active_rows, _ = self._query(
            _select(
                "story, COUNT(*), MAX(published)",
                table,
                where,
                f" GROUP BY story LIMIT 0,{most} OPTION max_matches={most}",
            )
        )
        if not active_rows:
            return StoryList([], 0, page, per_page, sort)
        active = {int(code): int(count) for code, count, _ in active_rows}
        latest = {int(code): int(moment_) for code, _, moment_ in active_rows}
        sizes, _ = self._query(
            f"SELECT story, COUNT(*) FROM {table} WHERE story IN "
            f"({','.join(map(str, active))}) GROUP BY story "
            f"LIMIT 0,{len(active)} OPTION max_matches={len(active)}"
        )
        size_of = {int(code): int(size) for code, size in sizes}
        names = self._names(list(active))
        keys = {
            "largest": lambda c: (-size_of.get(c, 0), -active[c], names[c]),
            "active": lambda c: (-active[c], -latest[c], -size_of.get(c, 0), names[c]),
            "latest": lambda c: (-latest[c], -active[c], names[c]),
        }
        ranked = sorted(active, key=keys[sort])
        found = []
        for code in ranked[(page - 1) * per_page : page * per_page]:
            members = self._members(code)
            dated = [moment(int(r[2]), 1) for r in members if int(r[3])]
            found.append(
                StorySummary(
                    id=names[code],
                    size=size_of.get(code, len(members)),
                    title=self._representative_title(members),
                    first=min(dated) if dated else None,
                    last=max(dated) if dated else None,
                    sources=len({r[1] for r in members} - {""}),
                    active=active[code],
                )
            )
        return StoryList(found, len(ranked), page, per_page, sort)
