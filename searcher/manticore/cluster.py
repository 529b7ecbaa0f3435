"""Where a cluster is and how to talk to it: nodes, connections, failover and the shard layout."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pymysql

from searcher.errors import SearcherError
from searcher.manticore.schema import DEFAULT_PORT, DEFAULT_TABLE, SCHEMES, document_id

CONNECT_TIMEOUT = 2  # seconds; a node that does not answer by then counts as down
# A node that failed is tried after the others (and left out of "did you mean" counts)
# for this long: a hung node would otherwise cost every query its timeout.
RETRY_SECONDS = 30
READ_TIMEOUT = 60


@dataclass(frozen=True)
class Cluster:
    """Where the engine is: SQL nodes (host, port) and the distributed index name."""

    nodes: tuple[tuple[str, int], ...]
    table: str = DEFAULT_TABLE

    @classmethod
    def parse(cls, location: str) -> Cluster:
        parts = urlsplit(location)
        if parts.scheme.lower() not in SCHEMES:
            raise SearcherError(
                f"backend: expected manticore://HOST:PORT[,HOST:PORT]/TABLE, got {location!r}"
            )
        nodes = []
        for address in filter(None, parts.netloc.split(",")):
            host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
            try:
                nodes.append((host or "127.0.0.1", int(port) if port else DEFAULT_PORT))
            except ValueError:
                raise SearcherError(f"backend: bad port in {address!r} ({location})") from None
        table = parts.path.strip("/") or DEFAULT_TABLE
        if not nodes or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
            raise SearcherError(
                f"backend: expected manticore://HOST:PORT[,HOST:PORT]/TABLE, got {location!r}"
            )
        return cls(tuple(nodes), table)

    def __str__(self) -> str:
        return "manticore://" + ",".join(f"{h}:{p}" for h, p in self.nodes) + f"/{self.table}"


# -- connections -----------------------------------------------------------------
class Nodes:
    """One SQL connection per node and thread, reopened after a failure; nodes
    that failed lately are remembered (shared by the threads)."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list = []
        self._failed: dict = {}  # node -> when it last failed (time.monotonic)

    def connection(self, node: tuple[str, int]):
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(node)
        if conn is None:
            try:
                # The server's greeting is part of connecting: a node that accepts
                # but never answers is down after CONNECT_TIMEOUT, not READ_TIMEOUT.
                conn = pymysql.connect(
                    host=node[0],
                    port=node[1],
                    autocommit=True,
                    charset="utf8",
                    connect_timeout=CONNECT_TIMEOUT,
                    read_timeout=CONNECT_TIMEOUT,
                    write_timeout=READ_TIMEOUT,
                )
            except pymysql.MySQLError as error:
                raise NodeDown(node, error) from None
            conn._read_timeout = READ_TIMEOUT  # PyMySQL 1.x applies it on the next read
            conns[node] = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def execute(self, node, sql: str, args=None, *, all_sets: bool = False):
        """Rows of ``sql`` on ``node`` (a list of row lists with ``all_sets``)."""
        try:
            rows = self._execute(node, sql, args, all_sets)
        except NodeDown:
            with self._lock:
                self._failed[node] = time.monotonic()
            raise
        if node in self._failed:
            with self._lock:
                self._failed.pop(node, None)
        return rows

    def resting(self, node) -> bool:
        """Whether ``node`` failed less than RETRY_SECONDS ago."""
        failed = self._failed.get(node)
        return failed is not None and time.monotonic() - failed < RETRY_SECONDS

    def in_order(self, nodes):
        """``nodes``, those that failed lately last (still tried if no other answers)."""
        return sorted(nodes, key=self.resting)

    def _execute(self, node, sql: str, args, all_sets: bool):
        for attempt in (1, 2):
            conn = self.connection(node)
            try:
                with conn.cursor() as cursor:
                    cursor.execute(sql, args)
                    sets = [list(cursor.fetchall())]
                    while all_sets and cursor.nextset():
                        sets.append(list(cursor.fetchall()))
                    return sets if all_sets else sets[0]
            except pymysql.OperationalError as error:
                self.forget(node)
                code = error.args[0] if error.args else 0
                if attempt == 2 or code not in (0, 2006, 2013):  # lost or stale connection
                    raise NodeDown(node, error) from None
            except pymysql.MySQLError as error:
                raise EngineError(node, error) from None
        raise AssertionError("unreachable")

    def forget(self, node) -> None:
        conn = getattr(self._local, "conns", {}).pop(node, None)
        if conn is not None:
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)
            conn.close()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(Exception):  # a dead connection: nothing to close
                    conn.close()
            self._all.clear()
        self._local = threading.local()


def reason(error: Exception) -> str:
    args = getattr(error, "args", ())
    text = str(args[1] if len(args) > 1 else error)
    return " ".join(text.replace("\x00", "").split())


class NodeDown(SearcherError):
    def __init__(self, node, error):
        super().__init__(
            f"Manticore/Sphinx node {node[0]}:{node[1]} is not reachable ({reason(error)})"
        )
        self.node = node


class EngineError(SearcherError):
    def __init__(self, node, error):
        super().__init__(f"Manticore/Sphinx at {node[0]}:{node[1]}: {reason(error)}")
        self.node = node


# -- the cluster's layout -----------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """The shards in routing order, and the SQL node serving each (None: down)."""

    shards: tuple[str, ...]
    homes: dict

    def home(self, shard: str):
        return self.homes.get(shard)


def _shard_number(name: str) -> tuple[int, str]:
    tail = name.rsplit("_", 1)[-1]
    return (int(tail), name) if tail.isdigit() else (1 << 30, name)


def discover(nodes: Nodes) -> Layout:
    """Read every reachable node's tables; the distributed index names all shards."""
    cluster = nodes.cluster
    homes: dict = {}
    shards: set[str] = set()
    reached = []
    for node in cluster.nodes:
        try:
            tables = nodes.execute(node, "SHOW TABLES")
        except NodeDown:
            continue
        reached.append(node)
        kinds = {name: kind for name, kind in tables}
        if kinds.get(cluster.table) != "distributed":
            raise SearcherError(
                f"{node[0]}:{node[1]} has no distributed index "
                f"{cluster.table!r} (tables: {', '.join(kinds) or 'none'})"
            )
        for name, kind in kinds.items():
            if kind == "rt":
                homes.setdefault(name, node)
        for where, kind in nodes.execute(node, f"DESCRIBE {cluster.table}"):
            shards.add(where.rsplit(":", 1)[-1] if kind.startswith("remote") else where)
    if not reached:
        raise SearcherError(f"no Manticore/Sphinx node of {cluster} is reachable")
    return Layout(tuple(sorted(shards, key=_shard_number)), homes)


def shard_of(article_id: str, layout: Layout) -> str:
    return layout.shards[document_id(article_id) % len(layout.shards)]
