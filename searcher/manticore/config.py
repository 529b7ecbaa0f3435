"""Configuration files for a Manticore Search / Sphinx cluster that the
:mod:`searcher.manticore` backend can use.

Each node gets its own file: its real-time shards (fields and attributes as
the backend writes them, the engine's morphology off), a distributed index
over all shards (its own as ``local``, the other nodes' as ``agent``), and
two listeners: SphinxQL for clients and the binary API for agents.

The files use only directives that Sphinx 2.2 (Debian's ``sphinxsearch``)
and Manticore Search both understand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from searcher.manticore.schema import ALL_FIELD, DEFAULT_TABLE, TEXT_FIELDS


@dataclass(frozen=True)
class Node:
    host: str
    sql_port: int
    api_port: int


def shard_names(table: str, node: int, shards_per_node: int) -> list[str]:
    return [f"{table}_{node * shards_per_node + k}" for k in range(shards_per_node)]


def render(
    nodes: list[Node],
    which: int,
    data_dir: str | os.PathLike,
    *,
    table: str = DEFAULT_TABLE,
    shards_per_node: int = 1,
    agent_timeout_ms: int = 500,
) -> str:
    """The configuration of node ``which`` of ``nodes``, keeping data under ``data_dir``."""
    data = Path(data_dir)
    lines = []
    local = shard_names(table, which, shards_per_node)
    for shard in local:
        lines += [
            f"index {shard}",
            "{",
            "    type = rt",
            f"    path = {data / shard}",
            *(f"    rt_field = {name}" for name in (*TEXT_FIELDS, ALL_FIELD)),
            *(
                f"    rt_attr_string = {name}"
                for name in (
                    "article_id",
                    "title_text",
                    "body_text",
                    "url",
                    "source",
                    "category",
                    "content_hash",
                    "category_raw",
                    "author",
                    "grouping",
                )
            ),
            "    rt_attr_multi = source_keys",
            "    rt_attr_multi = category_keys",
            "    rt_attr_bigint = published",
            "    rt_attr_uint = dated",
            "    rt_attr_uint = day",
            # Terms per field, for BM25's length normalisation (searcher.manticore).
            "    rt_attr_uint = title_terms",
            "    rt_attr_uint = body_terms",
            # Duplicate group and story: their first article's document id.
            "    rt_attr_bigint = duplicate",
            "    rt_attr_bigint = story",
            "    rt_attr_uint = grouped",
            "    rt_mem_limit = 128M",
            # Terms arrive analysed and encoded to [a-z0-9_] (searcher.manticore).
            "    charset_table = 0..9, a..z, _",
            "    dict = keywords",
            "    min_prefix_len = 2",
            "    index_field_lengths = 1",
            "}",
            "",
        ]
    lines += [f"index {table}", "{", "    type = distributed"]
    lines += [f"    local = {shard}" for shard in local]
    for other, node in enumerate(nodes):
        if other != which:
            lines += [
                f"    agent = {node.host}:{node.api_port}:{shard}"
                for shard in shard_names(table, other, shards_per_node)
            ]
    me = nodes[which]
    lines += [
        f"    agent_connect_timeout = {agent_timeout_ms}",
        f"    agent_query_timeout = {agent_timeout_ms * 20}",
        "}",
        "",
        "searchd",
        "{",
        f"    listen = {me.host}:{me.sql_port}:mysql41",
        f"    listen = {me.host}:{me.api_port}",
        f"    log = {data / 'searchd.log'}",
        f"    query_log = {data / 'query.log'}",
        f"    pid_file = {data / 'searchd.pid'}",
        f"    binlog_path = {data}",
        "    expansion_limit = 64",
        "}",
        "",
    ]
    return "\n".join(lines)


def location(nodes: list[Node], table: str = DEFAULT_TABLE) -> str:
    """The ``manticore://`` location of a cluster of ``nodes``."""
    return "manticore://" + ",".join(f"{n.host}:{n.sql_port}" for n in nodes) + f"/{table}"
