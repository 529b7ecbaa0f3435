"""Duplicate groups and stories on a cluster, kept in attributes of each row.

Columns: ``duplicate`` and ``story`` (bigint: the document id of the group's
or story's first article, so a code leads back to an article id), ``grouping``
(the article's features: its MinHash signature and story words, the same as
the Whoosh index keeps in its state file) and ``grouped`` (1 once assigned).

An indexing run writes each row as a group and a story of its own (its own
document id, ``grouped`` 0). At the end of the run, the cluster's assigned
rows are read back (features and codes) and :class:`searcher.grouping.Collector`
assigns the run's articles after them in (published, id) order, exactly as
on Whoosh; each is then updated in place (numeric attributes: no row is
rewritten). Older assignments never change. Rows a killed run left
unassigned are assigned by the next run. The cost: each run reads every row's
features back (about 1 KB an article) and updates each article it wrote; a
cluster of millions of articles would want the features kept per time window.
"""

from __future__ import annotations

import numpy as np

from searcher.duplicates import NUM_PERM
from searcher.grouping import Collector, Entries, seconds_of
from searcher.manticore.cluster import Layout, Nodes, shard_of
from searcher.manticore.schema import document_id, moment

GROUPING_COLUMNS = ("duplicate", "story", "grouping", "grouped")


def features_text(signature: np.ndarray | None, terms: str) -> str:
    """An article's grouping features as one string attribute."""
    signed = signature.astype(">u4").tobytes().hex() if signature is not None else ""
    return f"{signed}|{terms}"


def read_features(text: str) -> tuple[np.ndarray | None, str]:
    signed, _, terms = (text or "").partition("|")
    if len(signed) != NUM_PERM * 8:
        return None, terms
    return np.frombuffer(bytes.fromhex(signed), dtype=">u4").astype(np.uint32), terms


def code_of(group_id: str) -> int:
    """The attribute value of a group or story id (``#<code>``: its first article is gone)."""
    return int(group_id[1:]) if group_id.startswith("#") else document_id(group_id)


def assign(nodes: Nodes, layout: Layout, collector: Collector) -> int:
    """Assign the run's articles (and any a killed run left) after the cluster's
    assigned rows, and write their codes; returns how many rows were updated."""
    renewed = set(collector.new.ids)
    rows = []
    for shard in layout.shards:
        node = layout.home(shard)
        count = int(nodes.execute(node, f"SELECT COUNT(*) FROM {shard}")[0][0])
        if count:
            rows += nodes.execute(
                node,
                f"SELECT id, article_id, published, dated, grouping, duplicate, story, "
                f"grouped FROM {shard} LIMIT 0,{count} OPTION max_matches={count}",
            )
    names = {int(row[0]): row[1] for row in rows}

    def name(code) -> str:
        return names.get(int(code)) or f"#{int(code)}"

    known = Entries()
    old = [row for row in rows if row[1] not in renewed]
    old.sort(key=lambda row: (0 if row[3] else 1, int(row[2]), row[1]))
    for _, article_id, published, dated, features, duplicate, story, grouped in old:
        signature, terms = read_features(features)
        seconds = seconds_of(moment(int(published), int(dated)))
        if int(grouped):
            known.append(article_id, seconds, signature, terms, name(duplicate), name(story))
        else:  # written by a run that was killed before this step
            collector.new.append(article_id, seconds, signature, terms)
    first_new = len(known)
    entries = collector.assign(known)
    for i in range(first_new, len(entries)):
        article_id = entries.ids[i]
        shard = shard_of(article_id, layout)
        nodes.execute(
            layout.home(shard),
            f"UPDATE {shard} SET duplicate = {code_of(entries.duplicate[i])}, "
            f"story = {code_of(entries.story[i])}, grouped = 1 "
            f"WHERE id = {document_id(article_id)}",
        )
    return len(entries) - first_new
