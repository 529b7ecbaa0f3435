"""The Manticore Search / Sphinx backend: the same search on a distributed engine.

Selected with a location such as ``manticore://127.0.0.1:9306,10.0.0.2:9306/articles``
(``sphinx://`` is the same): the SQL (SphinxQL, MySQL protocol) address of
every node, and the name of the distributed index that spans the shards.

What stays ours
    Text is analysed here, in Python, by the very chain the Whoosh backend uses
    (:mod:`searcher.analysis`): the engine receives ready-made index terms, its
    own morphology is off. Queries are parsed by :func:`searcher.search.plan_query`
    and compiled to the engine's syntax; snippets come from our highlighter over
    the stored original text. Results therefore look the same on both backends.

Terms on the wire
    The engine's tokenizer only knows ``a-z``, ``0-9`` and ``_``; every other
    character of a term is written ``_<hex code>_`` (``covid-19`` →
    ``covid_2d_19``), so hyphenated words and any script survive intact.

Sharding
    Real-time shards named ``<table>_<n>``; an article goes to shard
    ``hash(id) % shards`` and keeps one 63-bit document id derived from its
    own id, so re-indexing replaces it in place. The distributed index
    ``<table>`` on every node lists all shards (local ones and agents), which
    is how the client learns the shard count even when a node is down.
    :mod:`searcher.manticore_config` writes such configurations.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pymysql

from searcher import checks, plan
from searcher.analysis import exact_analyzer, stemming_analyzer
from searcher.backends import REMOTE_SCHEMES
from searcher.categories import normalize_category
from searcher.errors import QueryError, SearcherError
from searcher.models import (
    Article,
    DeleteReport,
    Document,
    Hit,
    IndexReport,
    IndexStats,
    Rejected,
    SearchResult,
)
from searcher.search import (
    BM25F_ARGS,
    FIELD_BOOSTS,
    FUZZY_PREFIX,
    MAX_EXPANSIONS,
    NO_WORDS,
    Filters,
    _clean_query,
    check_request,
    date_histogram,
    facet_counts,
    make_document,
    make_hit,
    plan_query,
)
from searcher.snippets import SCAN_CHARS, MatchTerms, Snippet, highlight
from searcher.spelling import did_you_mean, edits
from searcher.stemmer import stem_word

DEFAULT_PORT = 9306
DEFAULT_TABLE = "articles"
TEXT_FIELDS = ("title", "body", "title_exact", "body_exact")
# A field holding one token in every document, so "everything except X"
# (which the engine refuses as a lone NOT) can be written as "ALL -X".
ALL_FIELD, ALL_TOKEN = "everything", "_all_"
COLUMNS = ("id", *TEXT_FIELDS, ALL_FIELD, "article_id", "title_text", "body_text", "url",
           "source", "category", "source_keys", "category_keys", "published", "dated", "day",
           "content_hash", "title_terms", "body_terms", "category_raw", "author")
BATCH = 200  # articles per REPLACE statement
# ...and at most this much text, well under searchd's default 8 MB max_packet_size
# (each article travels about five times: stored text plus four analysed fields).
BATCH_CHARS = 1_000_000
CONNECT_TIMEOUT = 2  # seconds; a node that does not answer by then counts as down
# A node that failed is tried after the others (and left out of "did you mean" counts)
# for this long: a hung node would otherwise cost every query its timeout.
RETRY_SECONDS = 30
READ_TIMEOUT = 60
MAX_FACET_VALUES = 1000
EPOCH = datetime(1970, 1, 1)
# Field weights as whole numbers (the engine's requirement), in the same
# proportions as the Whoosh backend's; each field's weight also tells the
# ranker which field it is looking at (title_exact 3, title 4: a title).
FIELD_WEIGHTS = {name: round(boost * 2) for name, boost in FIELD_BOOSTS.items()}
TITLE_WEIGHT = min(FIELD_WEIGHTS["title"], FIELD_WEIGHTS["title_exact"])
AVERAGES_SECONDS = 30.0  # how long average field lengths are reused
# BM25 per field, summed with the field weights, like Whoosh's BM25F. The
# engine's own bm25f() needs field lengths that Sphinx 2.2 does not keep for
# real-time indexes, so the formula is spelt out over its per-field factors:
# sum_idf (plain idf of the matched words), hit_count/word_count (their mean
# frequency) and our stored term counts for the length normalisation.
# Measured on TyDi QA (BENCHMARKS.md) against the engine's built-in rankers.
RANKER = (
    "expr('1000*sum(user_weight*sum_idf*(hit_count/word_count)*{k1plus}"
    "/(hit_count/word_count+{K1}*({one_minus_b}+{B}*if(user_weight>={title},"
    "title_terms/{{title_avg}},body_terms/{{body_avg}}))))'), "
    "field_weights=({weights}), idf='plain'"
).format(k1plus=BM25F_ARGS["K1"] + 1, one_minus_b=1 - BM25F_ARGS["B"], title=TITLE_WEIGHT,
         weights=",".join(f"{name}={weight}" for name, weight in FIELD_WEIGHTS.items()),
         **BM25F_ARGS)
_FIELD_ORDER = {name: i for i, name in enumerate(TEXT_FIELDS)}


@dataclass(frozen=True)
class Cluster:
    """Where the engine is: SQL nodes (host, port) and the distributed index name."""

    nodes: tuple[tuple[str, int], ...]
    table: str = DEFAULT_TABLE

    @classmethod
    def parse(cls, location: str) -> Cluster:
        parts = urlsplit(location)
        if parts.scheme.lower() not in REMOTE_SCHEMES:
            raise SearcherError(f"backend: expected manticore://HOST:PORT[,HOST:PORT]/TABLE, "
                                f"got {location!r}")
        nodes = []
        for address in filter(None, parts.netloc.split(",")):
            host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
            try:
                nodes.append((host or "127.0.0.1", int(port) if port else DEFAULT_PORT))
            except ValueError:
                raise SearcherError(f"backend: bad port in {address!r} ({location})") from None
        table = parts.path.strip("/") or DEFAULT_TABLE
        if not nodes or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
            raise SearcherError(f"backend: expected manticore://HOST:PORT[,HOST:PORT]/TABLE, "
                                f"got {location!r}")
        return cls(tuple(nodes), table)

    def __str__(self) -> str:
        return "manticore://" + ",".join(f"{h}:{p}" for h, p in self.nodes) + f"/{self.table}"


# -- terms ---------------------------------------------------------------------
_PLAIN = re.compile(r"[a-z0-9]+")


def encode_term(term: str) -> str:
    """An index term in the engine's alphabet (``covid-19`` → ``covid_2d_19``)."""
    if _PLAIN.fullmatch(term):
        return term
    return "".join(ch if ("a" <= ch <= "z" or "0" <= ch <= "9") else f"_{ord(ch):x}_"
                   for ch in term)


def _encode_pattern(pattern: str) -> str:
    return "".join(ch if ch in "*?" else encode_term(ch) for ch in pattern)


def field_text(text: str, *, stem: bool) -> str:
    """The analysed terms of ``text`` as the engine will index them.

    Compound parts (``covid`` of ``covid-19``) go after the words rather than
    at the same position, which the engine cannot express: they are found,
    but a phrase across them is not.
    """
    analyzer = stemming_analyzer() if stem else exact_analyzer()
    words, parts, last = [], [], None
    for token in analyzer(text, positions=True):
        if token.pos == last:
            parts.append(encode_term(token.text))
        else:
            words.append(encode_term(token.text))
        last = token.pos
    return " ".join(words + parts)


def document_id(article_id: str) -> int:
    """A stable 63-bit, non-zero document id for an article id."""
    digest = hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 1) or 1


def value_keys(value: str) -> list[int]:
    """Filter keys of a source/category: each comma-separated value, lowercased."""
    values = [v.strip().lower() for v in value.split(",")] if value else []
    return sorted({zlib.crc32(v.encode("utf-8", "surrogatepass")) for v in values if v})


def _seconds(moment: datetime) -> int:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return int((moment - EPOCH).total_seconds() // 1)


def _moment(seconds: int, dated: int) -> datetime | None:
    return EPOCH + timedelta(seconds=seconds) if dated else None


# -- connections -----------------------------------------------------------------
class _Nodes:
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
                conn = pymysql.connect(host=node[0], port=node[1], autocommit=True,
                                       charset="utf8", connect_timeout=CONNECT_TIMEOUT,
                                       read_timeout=CONNECT_TIMEOUT,
                                       write_timeout=READ_TIMEOUT)
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


def _reason(error: Exception) -> str:
    args = getattr(error, "args", ())
    text = str(args[1] if len(args) > 1 else error)
    return " ".join(text.replace("\x00", "").split())


class NodeDown(SearcherError):
    def __init__(self, node, error):
        super().__init__(f"Manticore/Sphinx node {node[0]}:{node[1]} is not reachable "
                         f"({_reason(error)})")
        self.node = node


class EngineError(SearcherError):
    def __init__(self, node, error):
        super().__init__(f"Manticore/Sphinx at {node[0]}:{node[1]}: {_reason(error)}")
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


def discover(nodes: _Nodes) -> Layout:
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
            raise SearcherError(f"{node[0]}:{node[1]} has no distributed index "
                                f"{cluster.table!r} (tables: {', '.join(kinds) or 'none'})")
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


# -- query compilation ----------------------------------------------------------------
class _Compiler:
    """Turns a :class:`~searcher.plan.QueryPlan` match tree into extended query syntax.

    ``lookup(words)`` returns how many documents hold each word; it serves
    the fuzzy terms, which the engine does not have: their near spellings
    are generated here and the ones that occur become an OR.
    """

    def __init__(self, lookup: Callable[[list[str]], dict[str, int]]):
        self.lookup = lookup
        self.expanded: set[str] = set()  # words fuzzy terms stood for (to highlight)

    def compile(self, node) -> str | None:
        """The MATCH text; None matches every document; "" matches none."""
        text = self._node(node)
        return None if text is _ALL else text

    def _node(self, node):
        if isinstance(node, plan.Everything):
            return _ALL
        if isinstance(node, plan.Nothing):
            return ""
        if isinstance(node, plan.Term):
            return f"(@{node.field} {encode_term(node.text)})"
        if isinstance(node, plan.Phrase):
            return f'(@{node.field} "{" ".join(map(encode_term, node.words))}")'
        if isinstance(node, plan.Pattern):
            return f"(@{node.field} {_encode_pattern(node.text)})"
        if isinstance(node, plan.Fuzzy):
            words = self._near(node.text, node.field)
            return "(" + " | ".join(f"(@{node.field} {encode_term(w)})" for w in words) + ")"
        if isinstance(node, plan.AnyOf):
            return self._any(node.children)
        if isinstance(node, plan.AllOf):
            parts = [self._node(child) for child in node.children]
            if "" in parts:
                return ""
            parts = [p for p in parts if p is not _ALL]
            return "(" + " ".join(parts) + ")" if parts else _ALL
        if isinstance(node, plan.Preferring):
            required, optional = self._node(node.required), self._node(node.optional)
            if required in ("", _ALL) or optional in ("", _ALL):
                return required
            # "required MAYBE optional", spelt so that every engine version agrees.
            return f"({required} | ({required} {optional}))"
        if isinstance(node, plan.Excluding):
            positive, negative = self._node(node.positive), self._node(node.negative)
            if positive == "" or negative is _ALL:
                return ""
            if negative == "":
                return positive
            if positive is _ALL:
                positive = f"(@{ALL_FIELD} {ALL_TOKEN})"
            return f"({positive} -{negative})"
        raise QueryError(f"this backend cannot run a {type(node).__name__} query")

    def _any(self, children) -> str:
        # Group one word's fields: (@(title,body) dagang) instead of two clauses.
        by_word: dict[str, list[str]] = {}
        parts = []
        for child in children:
            if isinstance(child, plan.Term):
                key = encode_term(child.text)
                if key not in by_word:
                    by_word[key] = []
                    parts.append(key)
                by_word[key].append(child.field)
                continue
            text = self._node(child)
            if text is _ALL:
                return _ALL
            if text:
                parts.append(text)
        out = []
        for part in parts:
            fields = by_word.get(part)
            if fields is None:
                out.append(part)
            else:
                names = ",".join(sorted(set(fields), key=_FIELD_ORDER.get))
                out.append(f"(@({names}) {part})")
        if not out:
            return ""
        return out[0] if len(out) == 1 else "(" + " | ".join(out) + ")"

    def _near(self, word: str, fieldname: str) -> list[str]:
        """``word`` and its existing spellings one edit away (first letters kept)."""
        candidates = [word, *edits(word, FUZZY_PREFIX)]
        counts = self.lookup(candidates)
        found = [w for w in candidates if counts.get(w, 0) > 0 or w == word]
        found = found[:MAX_EXPANSIONS]
        self.expanded.update((fieldname, w) for w in found)
        return found


class _AllDocuments(str):
    pass


_ALL = _AllDocuments("*")
# -- the index -------------------------------------------------------------------------
def _select(columns: str, table: str, where: list[str], extra: str = "") -> str:
    clause = " WHERE " + " AND ".join(where) if where else ""
    return f"SELECT {columns} FROM {table}{clause}{extra}"


_HIT_COLUMNS = ("id, article_id, title_text, body_text, url, source, category, published, "
                "dated, category_raw, author, WEIGHT()")


class ManticoreIndex:
    """The :class:`searcher.Index` interface over a Manticore/Sphinx cluster."""

    def __init__(self, location: str):
        self.cluster = Cluster.parse(location)
        self.path = str(self.cluster)
        self.closed = False
        self._nodes = _Nodes(self.cluster)
        self.layout = discover(self._nodes)
        self._averages: tuple[float, float, float] | None = None
        # Load Sastrawi's dictionary and the word lists now, not in the first query.
        stem_word("pemanasan")

    def close(self) -> None:
        """Close the connections; any later use raises :class:`IndexClosedError`."""
        self.closed = True
        self._nodes.close()

    def delete(self, ids: Iterable[str]) -> DeleteReport:
        """Remove these articles from the cluster (see :func:`delete_documents`)."""
        return delete_documents(ids, self.path)

    def _ranker(self) -> str:
        """The ranking expression with the current average field lengths."""
        now = time.monotonic()
        cached = self._averages
        if cached is None or now - cached[0] > AVERAGES_SECONDS:
            rows, _ = self._query(
                f"SELECT COUNT(*), AVG(title_terms), AVG(body_terms) FROM {self.cluster.table}")
            title_avg, body_avg = (rows[0][1], rows[0][2]) if rows else (1, 1)
            # Untitled corpora have no title lengths; 1 keeps the division defined.
            cached = self._averages = (now, max(1.0, float(title_avg or 0)),
                                       max(1.0, float(body_avg or 0)))
        return RANKER.format(title_avg=f"{cached[1]:.3f}", body_avg=f"{cached[2]:.3f}")

    def __enter__(self) -> ManticoreIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------
    def _query(self, sql: str, args=None, *, all_sets: bool = False):
        """``(rows, meta)`` from the first node that answers.

        ``meta`` is the engine's SHOW META (``total_found``...) plus
        ``warnings``: what made the answer partial (a shard that did not answer).
        """
        errors = []
        for node in self._nodes.in_order(self.cluster.nodes):
            try:
                result = self._nodes.execute(node, sql, args, all_sets=all_sets)
                rows = self._nodes.execute(node, "SHOW META")
            except NodeDown as error:
                errors.append(str(error))
                continue
            meta = {name: value for name, value in rows if name != "warning"}
            warnings = [*errors, *(_reason(Exception(value)) for name, value in rows
                                   if name == "warning")]
            meta["warnings"] = [_partial_warning(w) for w in warnings]
            return result, meta
        raise SearcherError(f"no Manticore/Sphinx node of {self.cluster} answered: "
                            f"{errors[-1] if errors else ''}")

    def _keyword_counts(self, words: list[str]) -> dict[str, int]:
        """Documents holding each word, summed over the reachable shards."""
        counts: dict[str, int] = {}
        if not words:
            return counts
        text = " ".join(encode_term(w) for w in words)
        decoded = {encode_term(w): w for w in words}
        for shard, node in self.layout.homes.items():
            if self._nodes.resting(node):
                continue
            try:
                rows = self._nodes.execute(node, "CALL KEYWORDS(%s, %s, 1)", (text, shard))
            except NodeDown:
                continue
            for row in rows:
                word = decoded.get(row[1])
                if word is not None:
                    counts[word] = counts.get(word, 0) + int(row[3])
        return counts

    # -- searching -------------------------------------------------------------------------
    @checks.while_open
    def search(self, text: str, *, page: int = 1, per_page: int = 10,
               filters: Filters | dict | None = None, sort: str = "relevance",
               snippets: bool = True, facets: bool = False,
               collapse: bool = False) -> SearchResult:
        """Ranked results for ``text``; see :meth:`searcher.Index.search` (the cluster
        keeps no duplicate groups yet: ``collapse`` changes nothing)."""
        started = time.perf_counter()
        checks.text(text, "q")
        page, per_page, sort, filters = check_request(page, per_page, sort, filters)
        query_plan = plan_query(text)
        compiler = _Compiler(self._keyword_counts)
        match = compiler.compile(query_plan.match)
        where = self._where(query_plan, filters)
        suggestion = self.suggest(text)
        if match == "" or where is None:
            no_words = isinstance(query_plan.match, plan.Nothing)  # "!!!!" (#12)
            return SearchResult(query=text, total=0, page=page, per_page=per_page, hits=[],
                                suggestion=suggestion, sort=sort,
                                took_ms=(time.perf_counter() - started) * 1000,
                                message=NO_WORDS if no_words else None)
        args = []
        if match is not None:
            where.insert(0, "MATCH(%s)")
            args.append(match)
        order = {"relevance": " ORDER BY WEIGHT() DESC, id ASC",
                 "newest": " ORDER BY dated DESC, published DESC, id ASC",
                 "oldest": " ORDER BY dated DESC, published ASC, id ASC"}[sort]
        offset = (page - 1) * per_page
        max_matches = max(1000, offset + per_page)
        sql = _select(_HIT_COLUMNS, self.cluster.table, where,
                      f"{order} LIMIT {offset},{per_page} "
                      f"OPTION ranker={self._ranker()}, max_matches={max_matches}")
        if facets:
            sql += "".join(f" FACET {name} ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}"
                           for name in ("source", "category"))
            sql += " FACET day ORDER BY day ASC LIMIT 100000"
        sets, meta = self._query(sql, args, all_sets=True)
        terms = _with_expanded(query_plan.highlight, compiler.expanded) if snippets else None
        hits = [_hit(row, terms) for row in sets[0]]
        counts, histogram = {}, []
        if facets:
            counts = {"source": facet_counts(dict(sets[1])),
                      "category": facet_counts(dict(sets[2]))}
            histogram = date_histogram({_day_text(day): n for day, n in sets[3] if day})
        return SearchResult(
            query=text, total=int(meta.get("total_found", 0)), page=page, per_page=per_page,
            hits=hits, suggestion=suggestion, sort=sort, facets=counts, histogram=histogram,
            warnings=tuple(dict.fromkeys(meta["warnings"])),
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def _where(self, query_plan: plan.QueryPlan, filters: Filters | None) -> list[str] | None:
        """SQL conditions of the restrictions; None if they exclude everything."""
        where = []
        restrictions = list(query_plan.restrictions)
        if filters:
            restrictions += [plan.Restriction("source", filters.sources),
                             plan.Restriction("category", filters.categories)]
        for restriction in restrictions:
            values = [normalize_category(value) if restriction.field == "category" else value
                      for value in restriction.values]
            keys = sorted({k for value in values for k in value_keys(value)})
            if not keys:
                continue
            listed = ",".join(map(str, keys))
            where.append(f"{restriction.field}_keys {'NOT IN' if restriction.negated else 'IN'} "
                         f"({listed})")
        since = max(filter(None, [query_plan.since, filters.since if filters else None]),
                    default=None)
        until = min(filter(None, [query_plan.until, filters.until if filters else None]),
                    default=None)
        if since is not None or until is not None:
            if since and until and since > until:
                return None
            where.append("dated = 1")
            if since is not None:
                where.append(f"published >= {_seconds(since)}")
            if until is not None:
                where.append(f"published <= {_seconds(until)}")
        return where

    @checks.while_open
    def suggest(self, text: str) -> str | None:
        """A "did you mean" query (one edit at most: the engine has no fuzzy term walk)."""
        checks.text(text, "q")
        return did_you_mean(_clean_query(text), self._keyword_counts, self._keyword_counts)

    # -- documents -------------------------------------------------------------------------
    def _row(self, doc_id: str):
        rows, _ = self._query(_select(_HIT_COLUMNS, self.cluster.table,
                                      [f"id = {document_id(doc_id)}"]))
        return next((row for row in rows if row[1] == doc_id), None)

    @checks.while_open
    def get(self, doc_id: str) -> Document | None:
        """The stored article with this id, or None."""
        row = self._row(checks.doc_id(doc_id))
        return make_document(_stored(row)) if row is not None else None

    @checks.while_open
    def highlight_document(self, doc_id: str, text: str) -> tuple[Snippet, Snippet] | None:
        """Title and body of an article with the words of query ``text`` marked."""
        checks.text(text, "q")
        document = self.get(doc_id)
        if document is None:
            return None
        terms = plan_query(text).highlight if text.strip() else MatchTerms()
        return highlight(document.title, terms), highlight(document.body, terms)

    @checks.while_open
    def story(self, doc_id: str):
        """None: the cluster keeps no stories yet (:mod:`searcher.grouping` is Whoosh's)."""
        return None

    def stories(self, *, since=None, limit: int = 10):
        raise SearcherError("stories: a Manticore/Sphinx cluster keeps no stories yet; "
                            "use a Whoosh index (--index DIR)")

    def more_like_this(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Articles about the same thing as ``doc_id``: its most telling stems, OR-ed."""
        checks.limit(limit)
        document = self.get(doc_id)
        if document is None:
            return []
        frequency: dict[str, int] = {}
        for term in field_text(document.body[:SCAN_CHARS], stem=True).split():
            if len(term) > 2 and not term.isdigit():
                frequency[term] = frequency.get(term, 0) + 1
        candidates = sorted(frequency, key=lambda t: -frequency[t])[:100]
        documents = self._document_count()
        counts = self._keyword_counts(candidates)
        weight = {t: frequency[t] * math.log((documents + 1) / (counts.get(t, 0) + 1))
                  for t in candidates if counts.get(t, 0) > 1}
        top = sorted(weight, key=lambda t: -weight[t])[:20]
        if not top:
            return []
        match = "(@(title,body) " + " | ".join(top) + ")"
        where = ["MATCH(%s)", f"id != {document_id(doc_id)}"]
        rows, _ = self._query(
            _select(_HIT_COLUMNS, self.cluster.table, where,
                    f" ORDER BY WEIGHT() DESC, id ASC LIMIT {limit} "
                    f"OPTION ranker={self._ranker()}"), [match])
        return [_hit(row, MatchTerms()) for row in rows]

    def _document_count(self) -> int:
        rows, _ = self._query(f"SELECT COUNT(*) FROM {self.cluster.table}")
        return int(rows[0][0]) if rows else 0

    @checks.while_open
    def stats(self) -> IndexStats:
        sets, meta = self._query(
            f"SELECT id FROM {self.cluster.table} LIMIT 1"
            f" FACET source ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}"
            f" FACET category ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES}", all_sets=True)
        dates, _ = self._query(
            f"SELECT COUNT(*), MIN(published), MAX(published) FROM {self.cluster.table} "
            "WHERE dated = 1")
        size = 0
        for shard, node in self.layout.homes.items():
            try:
                status = dict(self._nodes.execute(node, f"SHOW INDEX {shard} STATUS"))
            except NodeDown:
                continue
            size += int(status.get("ram_bytes", 0)) + int(status.get("disk_bytes", 0))
        dated = dates and dates[0][0]
        return IndexStats(
            documents=int(meta.get("total_found", 0)),
            sources=facet_counts(dict(sets[1])), categories=facet_counts(dict(sets[2])),
            earliest=_moment(int(dates[0][1]), 1) if dated else None,
            latest=_moment(int(dates[0][2]), 1) if dated else None,
            size_bytes=size, path=self.path,
        )


def _partial_warning(text: str) -> str:
    if "agent" in text or "not reachable" in text:
        return f"partial results: a shard did not answer ({text})"
    return text


def _day_text(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def _with_expanded(terms: MatchTerms, expanded: set) -> MatchTerms:
    if not expanded:
        return terms
    stems = {w for f, w in expanded if not f.endswith("_exact")}
    exact = {w for f, w in expanded if f.endswith("_exact")}
    return MatchTerms(terms.stems | stems, terms.exact | exact, terms.stem_phrases,
                      terms.exact_phrases)


def _stored(row) -> dict:
    """A result row as the stored fields the shared builders take."""
    _, article_id, title, body, url, source, category, published, dated, raw, author, _ = row
    return {"id": article_id, "title": title, "body": body, "url": url, "source": source,
            "category": category, "published": _moment(published, dated),
            "category_raw": raw, "author": author}


def _hit(row, terms: MatchTerms | None) -> Hit:
    return make_hit(_stored(row), float(row[-1]) / 10000, terms)


# -- indexing -----------------------------------------------------------------------------
def _row(article: Article) -> tuple:
    published = article.published
    day = int(published.strftime("%Y%m%d")) if published else 0
    title, body = field_text(article.title, stem=True), field_text(article.body, stem=True)
    category = normalize_category(article.category)
    return (
        document_id(article.id), title, body,
        field_text(article.title, stem=False), field_text(article.body, stem=False),
        ALL_TOKEN, article.id, article.title, article.body, article.url,
        article.source, category,
        tuple(value_keys(article.source)), tuple(value_keys(category)),
        _seconds(published) if published else 0, 1 if published else 0, day,
        article.content_hash, title.count(" ") + 1 if title else 0,
        body.count(" ") + 1 if body else 0, article.category, article.author,
    )


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
    **_whoosh_options,
) -> IndexReport:
    """Add or update articles in the cluster at ``location``; see :func:`searcher.build_index`.

    Unchanged articles (same content hash) are skipped, a repeated id within
    one run is rejected, and ``rebuild`` empties every shard first (not
    atomically: the engine has no cross-shard transaction). Every shard's
    node must be reachable.
    """
    started = time.monotonic()
    cluster = Cluster.parse(location)
    nodes = _Nodes(cluster)
    report = IndexReport()
    try:
        layout = discover(nodes)
        down = [shard for shard in layout.shards if layout.home(shard) is None]
        if down:
            raise SearcherError(f"cannot index: shard(s) {', '.join(down)} of {cluster} are not "
                                "served by any reachable node (down, or missing from its "
                                "configuration); nothing was written")
        emptied = not rebuild
        pending: dict[str, list[Article]] = {shard: [] for shard in layout.shards}
        pending_chars = dict.fromkeys(layout.shards, 0)
        seen: dict[str, str] = {}

        def flush(shard: str) -> None:
            articles = pending[shard]
            pending_chars[shard] = 0
            if not articles:
                return
            node = layout.home(shard)
            ids = ",".join(str(document_id(a.id)) for a in articles)
            known = {} if rebuild else dict(nodes.execute(
                node, f"SELECT article_id, content_hash FROM {shard} WHERE id IN ({ids}) "
                      f"LIMIT {len(articles)}"))
            rows = []
            for article in articles:
                digest = known.get(article.id)
                if digest == article.content_hash:
                    report.unchanged += 1
                    continue
                rows.append(_row(article))
                if digest is None:
                    report.added += 1
                else:
                    report.updated += 1
            if rows:
                values, args = _values(rows)
                nodes.execute(node, f"REPLACE INTO {shard} ({','.join(COLUMNS)}) VALUES {values}",
                              args)
            articles.clear()

        for record in sources:
            if on_record is not None:
                on_record(record)
            if isinstance(record, Rejected):
                report.rejected.append(record)
                if on_reject is not None:
                    on_reject(record)
                continue
            if record.id in seen:
                item = Rejected(record.origin or record.id,
                                f"duplicate id {record.id!r} (first seen at {seen[record.id]}); "
                                "skipped")
                report.rejected.append(item)
                if on_reject is not None:
                    on_reject(item)
                continue
            seen[record.id] = record.origin or "?"
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
            nodes.execute(layout.home(shard), f"FLUSH RTINDEX {shard}")
    finally:
        nodes.close()
    report.seconds = time.monotonic() - started
    return report


def delete_documents(ids: Iterable[str], location: str, **_whoosh_options) -> DeleteReport:
    """Remove the articles with these ids from the cluster at ``location``.

    Each id is looked up on its shard's node (ids the cluster does not hold are
    listed in the report, not an error), then deleted there. Every shard's
    node must be reachable, as for indexing.
    """
    cluster = Cluster.parse(location)
    nodes = _Nodes(cluster)
    report = DeleteReport()
    wanted = list(dict.fromkeys(i for i in ids if i))
    try:
        layout = discover(nodes)
        by_shard: dict[str, list[str]] = {}
        for article_id in wanted:
            by_shard.setdefault(shard_of(article_id, layout), []).append(article_id)
        down = [shard for shard in by_shard if layout.home(shard) is None]
        if down:
            raise SearcherError(f"cannot delete: shard(s) {', '.join(down)} of {cluster} are "
                                "not served by any reachable node; nothing was deleted")
        found: set[str] = set()
        for shard, article_ids in by_shard.items():
            node = layout.home(shard)
            for start in range(0, len(article_ids), BATCH):
                batch = article_ids[start:start + BATCH]
                numbers = ",".join(str(document_id(a)) for a in batch)
                held = {row[1]: row[0] for row in nodes.execute(
                    node, f"SELECT id, article_id FROM {shard} WHERE id IN ({numbers}) "
                          f"LIMIT {len(batch)}")}
                present = [held[a] for a in batch if a in held]
                if present:
                    nodes.execute(node, f"DELETE FROM {shard} WHERE id IN "
                                        f"({','.join(map(str, present))})")
                found.update(a for a in batch if a in held)
        for shard in by_shard:
            nodes.execute(layout.home(shard), f"FLUSH RTINDEX {shard}")
        report.deleted = len(found)
        report.unknown = [a for a in wanted if a not in found]
    finally:
        nodes.close()
    return report
