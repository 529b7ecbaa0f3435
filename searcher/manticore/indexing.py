"""Writing to a Manticore/Sphinx cluster: upserting and deleting articles on their shards."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from searcher import checks
from searcher.categories import normalize_category
from searcher.errors import SearcherError
from searcher.grouping import Collector
from searcher.manticore import grouping
from searcher.manticore.cluster import Cluster, Nodes, discover, shard_of
from searcher.manticore.grouping import features_text
from searcher.manticore.schema import (
    ALL_TOKEN,
    COLUMNS,
    document_id,
    field_text,
    seconds,
    value_keys,
)
from searcher.models import Article, DeleteReport, IndexReport, Rejected
from searcher.upserts import Change, Upserts

BATCH = 200  # articles per REPLACE statement
# ...and at most this much text, well under searchd's default 8 MB max_packet_size
# (each article travels about five times: stored text plus four analysed fields).
BATCH_CHARS = 1_000_000


def _row(article: Article, features: str) -> tuple:
    published = article.published
    day = int(published.strftime("%Y%m%d")) if published else 0
    title, body = field_text(article.title, stem=True), field_text(article.body, stem=True)
    category = normalize_category(article.category)
    return (
        document_id(article.id),
        title,
        body,
        field_text(article.title, stem=False),
        field_text(article.body, stem=False),
        ALL_TOKEN,
        article.id,
        article.title,
        article.body,
        article.url,
        article.source,
        category,
        tuple(value_keys(article.source)),
        tuple(value_keys(category)),
        seconds(published) if published else 0,
        1 if published else 0,
        day,
        article.content_hash,
        title.count(" ") + 1 if title else 0,
        body.count(" ") + 1 if body else 0,
        article.category,
        article.author,
        # A group and a story of its own until the run's end assigns it.
        document_id(article.id),
        document_id(article.id),
        features,
        0,
    )


def _features(collector: Collector | None, article: Article) -> str:
    """The article's grouping features (collected for the run's end), or none."""
    if collector is None:
        return ""
    collector.add(article)
    return features_text(collector.new.signatures[-1], collector.new.terms[-1])


def _values(rows: list[tuple]) -> tuple[str, list]:
    """The VALUES part of a REPLACE and its arguments (MVAs are written inline)."""
    groups, args = [], []
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, tuple):
                cells.append("(" + ",".join(map(str, value)) + ")")
            else:
                cells.append("%s")
                args.append(value)
        groups.append("(" + ",".join(cells) + ")")
    return ",".join(groups), args


def build_index(
    sources: Iterable[Article | Rejected],
    location: str,
    *,
    rebuild: bool = False,
    on_record: Callable[[Article | Rejected], None] | None = None,
    on_reject: Callable[[Rejected], None] | None = None,
    group: bool = True,
) -> IndexReport:
    """Add or update articles in the cluster at ``location``; see :func:`searcher.build_index`.

    Unchanged articles (same content hash) are skipped, a repeated id within
    one run is rejected, and ``rebuild`` empties every shard first (not
    atomically: the engine has no cross-shard transaction). Every shard's
    node must be reachable. ``group`` finds duplicates and stories
    (:mod:`searcher.manticore.grouping`) once every article is written.
    """
    started = time.monotonic()
    cluster = Cluster.parse(location)
    nodes = Nodes(cluster)
    report = IndexReport()
    upserts = Upserts(report, on_record, on_reject)
    collector = Collector(rebuild) if group else None
    try:
        layout = discover(nodes)
        down = [shard for shard in layout.shards if layout.home(shard) is None]
        if down:
            raise SearcherError(
                f"cannot index: shard(s) {', '.join(down)} of {cluster} are not "
                "served by any reachable node (down, or missing from its "
                "configuration); nothing was written"
            )
        emptied = not rebuild
        pending: dict[str, list[Article]] = {shard: [] for shard in layout.shards}
        pending_chars = dict.fromkeys(layout.shards, 0)

        def flush(shard: str) -> None:
            articles = pending[shard]
            pending_chars[shard] = 0
            if not articles:
                return
            node = layout.home(shard)
            ids = ",".join(str(document_id(a.id)) for a in articles)
            known = (
                {}
                if rebuild
                else dict(
                    nodes.execute(
                        node,
                        f"SELECT article_id, content_hash FROM {shard} WHERE id IN ({ids}) "
                        f"LIMIT {len(articles)}",
                    )
                )
            )
            rows = [
                _row(article, _features(collector, article))
                for article in articles
                if upserts.change(article, known.get(article.id)) is not Change.UNCHANGED
            ]
            if rows:
                values, args = _values(rows)
                nodes.execute(
                    node, f"REPLACE INTO {shard} ({','.join(COLUMNS)}) VALUES {values}", args
                )
            articles.clear()

        for record in sources:
            record = upserts.article(record)
            if record is None:
                continue
            if not emptied:
                # Emptied only once a good article arrives: a rebuild that read
                # nothing is far more often a wrong path than a wish to delete all.
                for shard in layout.shards:
                    nodes.execute(layout.home(shard), f"TRUNCATE RTINDEX {shard}")
                emptied = True
            shard = shard_of(record.id, layout)
            pending[shard].append(record)
            pending_chars[shard] += len(record.title) + len(record.body)
            if len(pending[shard]) >= BATCH or pending_chars[shard] >= BATCH_CHARS:
                flush(shard)
        for shard in layout.shards:
            flush(shard)
        if collector is not None and (collector.new.ids or rebuild):
            grouping.assign(nodes, layout, collector)
        for shard in layout.shards:
            nodes.execute(layout.home(shard), f"FLUSH RTINDEX {shard}")
    finally:
        nodes.close()
    report.seconds = time.monotonic() - started
    return report


def delete_documents(ids: Iterable[str] | str, location: str) -> DeleteReport:
    """Remove the articles with these ids from the cluster at ``location``.

    Each id is looked up on its shard's node (ids the cluster does not hold are
    listed in the report, not an error), then deleted there. Every shard's
    node must be reachable, as for indexing.
    """
    wanted = checks.ids(ids)
    cluster = Cluster.parse(location)
    nodes = Nodes(cluster)
    report = DeleteReport()
    try:
        layout = discover(nodes)
        by_shard: dict[str, list[str]] = {}
        for article_id in wanted:
            by_shard.setdefault(shard_of(article_id, layout), []).append(article_id)
        down = [shard for shard in by_shard if layout.home(shard) is None]
        if down:
            raise SearcherError(
                f"cannot delete: shard(s) {', '.join(down)} of {cluster} are "
                "not served by any reachable node; nothing was deleted"
            )
        found: set[str] = set()
        for shard, article_ids in by_shard.items():
            node = layout.home(shard)
            for start in range(0, len(article_ids), BATCH):
                batch = article_ids[start : start + BATCH]
                numbers = ",".join(str(document_id(a)) for a in batch)
                held = {
                    row[1]: row[0]
                    for row in nodes.execute(
                        node,
                        f"SELECT id, article_id FROM {shard} WHERE id IN ({numbers}) "
                        f"LIMIT {len(batch)}",
                    )
                }
                present = [held[a] for a in batch if a in held]
                if present:
                    nodes.execute(
                        node, f"DELETE FROM {shard} WHERE id IN ({','.join(map(str, present))})"
                    )
                found.update(a for a in batch if a in held)
        for shard in by_shard:
            nodes.execute(layout.home(shard), f"FLUSH RTINDEX {shard}")
        report.deleted = len(found)
        report.unknown = [a for a in wanted if a not in found]
    finally:
        nodes.close()
    return report
