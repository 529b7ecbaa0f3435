"""The benchmark harness of issue 4: our engine against the plain reference, side by side.

Usage (from the repository root)::

    python -m benchmarks.run [--corpus PATH ...] [--scale N] [--queries FILE]
                             [--json OUT] [--skip-reference] [--procs N] [--limit N]

For each engine (ours, then the reference of :mod:`benchmarks.reference`) and each
scale (1x, and Nx with ``--scale N``: every article again with the id ``"{id}~{k}"``,
generated on the fly, never written anywhere), it measures:

* indexing: wall time and articles/s of the whole pipeline (reading the corpus,
  analysis with Sastrawi, writing, committing), in a fresh child process; index size
  on disk; peak RSS of the indexer process (``ru_maxrss``), of its largest worker
  process (``RUSAGE_CHILDREN``) and of the whole process tree summed (sampled from
  ``/proc`` every 0.1 s, so short spikes can be missed);
* querying, in another fresh process: the time to open the index, the very first
  query (cold: lazy loading of the stemmer, dictionaries, caches all included), then
  one warm-up pass and ``--passes`` timed passes over the queries (warm p50/p95/p99).
  Each query asks for the top 10 hits with highlighted snippets.

The reference stems every token afresh (no cache), as issue 4 describes it;
``--reference-stem-cache`` measures the variant with a 50,000-word stem cache.
Our engine's result cache (``open_index(..., result_cache=0)``) is switched off
while timing queries, since the warm passes repeat the same queries; ``--result-cache``
keeps it. Its posting cache (recently read posting lists, below the result level) stays
on, as in a long-running server; ``--no-posting-cache`` times every query reading its
posting lists from the index files.

It prints a table (ours, reference, ours/ref, and which is better by how much), the
scale growth, and issue 4's targets with PASS/FAIL; ``--json OUT`` writes it all.
Timings depend on the machine and its load: compare figures from one run only.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "data" / "news" / "clickid-2019.jsonl.gz"
DEFAULT_QUERIES = Path(__file__).resolve().parent / "queries.txt"
ENGINES = ("ours", "reference")
SAMPLE_SECONDS = 0.1
MB = 1024 * 1024

# Issue 4's targets (full CLICK-ID corpus, this 2-core machine).
TARGET_INDEX_SPEEDUP = 4.0  # ours >= 4x the reference's articles/s
TARGET_P50_SPEEDUP = 4.0  # ours' warm p50 <= reference p50 / 4
TARGET_P95_MS = 15.0  # ours' warm p95
TARGET_FIRST_QUERY_MS = 300.0  # first query after start
TARGET_QUERY_GROWTH = 2.0  # p50 at Nx <= 2x p50 at 1x
TIME_GROWTH_SLACK = 1.1  # "at most about Nx the index time": allow 10%
RSS_GROWTH_SLACK = 1.25  # "bounded": peak RSS at Nx at most 25% above 1x


# -- the corpus stream -------------------------------------------------------------------


def article_stream(
    corpus: Sequence[str | os.PathLike], scale: int = 1, limit: int | None = None
) -> Iterator:
    """The corpus' articles (rejected records dropped), ``scale`` times over.

    The first copy keeps the original ids; copy ``k`` (k >= 1) gets ``"{id}~{k}"``.
    With ``limit`` only the first ``limit`` articles of the corpus are used.
    """
    from searcher import Article, read_articles

    for copy in range(scale):
        articles = (r for r in read_articles(corpus) if isinstance(r, Article))
        if limit is not None:
            articles = itertools.islice(articles, limit)
        for article in articles:
            yield article if copy == 0 else replace(article, id=f"{article.id}~{copy}")


def read_queries(path: str | os.PathLike) -> list[str]:
    """One query per line; blank lines and lines starting with ``#`` are skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    queries = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not queries:
        raise SystemExit(f"{path}: no queries")
    return queries


# -- statistics ----------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) with linear interpolation between ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(latencies_ms: Sequence[float]) -> dict:
    return {
        "count": len(latencies_ms),
        "p50_ms": percentile(latencies_ms, 0.50),
        "p95_ms": percentile(latencies_ms, 0.95),
        "p99_ms": percentile(latencies_ms, 0.99),
        "mean_ms": statistics.fmean(latencies_ms) if latencies_ms else float("nan"),
        "max_ms": max(latencies_ms, default=float("nan")),
    }


# -- child processes -------------------------------------------------------------------------


def _index_child(spec: dict) -> dict:
    """Build one index; runs in a fresh process so memory and caches start empty."""
    if spec["engine"] == "ours":
        import searcher

        def build(articles, path):
            report = searcher.build_index(articles, path, procs=spec["procs"])
            return report.added
    else:
        from benchmarks.reference import build_reference_index

        def build(articles, path):
            return build_reference_index(articles, path, stem_cache=spec["stem_cache"])

    started = time.perf_counter()
    count = build(article_stream(spec["corpus"], spec["scale"], spec["limit"]), spec["index_dir"])
    seconds = time.perf_counter() - started
    me = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "articles": count,
        "seconds": seconds,
        "maxrss_self_kb": me.ru_maxrss,
        "maxrss_workers_kb": workers.ru_maxrss,
        "cpu_seconds": me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime,
    }


def _open_engine(engine: str, path: str, keep_result_cache: bool = False,
                 posting_cache: bool = True):
    """``(search function, close function)`` for an index of ``engine``."""
    if engine == "ours":
        import searcher

        options = {}
        if not posting_cache:
            # Every query then reads its posting lists from the index files.
            options["posting_cache_bytes"] = 0
        if not keep_result_cache:
            # Our Index remembers recent results; repeating the same 40 queries would
            # time cache hits, not searches. Size 0 keeps nothing.
            options["result_cache"] = 0
        index = searcher.open_index(path, **options)
        return (lambda q: index.search(q, per_page=10)), index.close
    from benchmarks.reference import open_reference_index

    index = open_reference_index(path)
    return (lambda q: index.search(q, limit=10)), index.close


def _query_child(spec: dict) -> dict:
    """Open an index in a fresh process, time the first query, then warm passes."""
    queries: list[str] = spec["queries"]
    started = time.perf_counter()
    search, close = _open_engine(spec["engine"], spec["index_dir"], spec["result_cache"],
                                 spec.get("posting_cache", True))
    open_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    search(queries[0])
    first_ms = (time.perf_counter() - started) * 1000
    result: dict = {"open_ms": open_ms, "first_query_ms": first_ms, "first_query": queries[0]}
    if spec["passes"]:
        per_query: dict[str, list[float]] = {q: [] for q in queries}
        totals: dict[str, int] = {}
        errors: dict[str, str] = {}
        for run in range(spec["passes"] + 1):  # pass 0 warms up and is not timed
            for q in queries:
                started = time.perf_counter()
                try:
                    found = search(q)
                except Exception as error:  # a failing query is reported, not timed
                    errors[q] = f"{type(error).__name__}: {error}"
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                if run:
                    per_query[q].append(elapsed)
                totals[q] = found.total
        latencies = [ms for values in per_query.values() for ms in values]
        result["warm"] = latency_summary(latencies)
        result["per_query"] = [
            {"query": q, "total": totals.get(q, 0), "median_ms": statistics.median(v)}
            for q, v in per_query.items()
            if v
        ]
        result["errors"] = errors
        result["zero_hit_queries"] = sum(1 for q in queries if totals.get(q, 0) == 0)
    close()
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return result


def _child_main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    result = _index_child(spec) if spec["task"] == "index" else _query_child(spec)
    Path(spec["result"]).write_text(json.dumps(result))
    return 0


# -- memory of a process tree -----------------------------------------------------------------


def _process_parents() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(entry.path, "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeMemorySampler(threading.Thread):
    """Samples the RSS of a process and all its descendants every 0.1 s."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_root_kb = self.peak_sum_kb = self.peak_processes = 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        children: dict[int, list[int]] = {}
        for pid, parent in _process_parents().items():
            children.setdefault(parent, []).append(pid)
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        sizes = [_rss_kb(pid) for pid in tree]
        self.peak_root_kb = max(self.peak_root_kb, sizes[0])
        self.peak_sum_kb = max(self.peak_sum_kb, sum(sizes))
        self.peak_processes = max(self.peak_processes, sum(1 for s in sizes if s))

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_child(spec: dict, workdir: Path, *, sample_memory: bool = False) -> dict:
    """Run one measurement in a fresh ``python -m benchmarks.run --child`` process."""
    spec_path = workdir / f"spec-{time.monotonic_ns()}.json"
    spec["result"] = str(spec_path.with_suffix(".result.json"))
    spec_path.write_text(json.dumps(spec))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.run", "--child", str(spec_path)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = TreeMemorySampler(process.pid) if sample_memory else None
    if sampler:
        sampler.start()
    out, err = process.communicate()
    if sampler:
        sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({spec['task']} {spec['engine']}):\n{err}")
    result = json.loads(Path(spec["result"]).read_text())
    result["process_seconds"] = time.perf_counter() - started
    if sampler:
        result["sampled_peak_rss_root_kb"] = sampler.peak_root_kb
        result["sampled_peak_rss_tree_kb"] = sampler.peak_sum_kb
        result["sampled_max_processes"] = sampler.peak_processes
    return result


# -- one engine at one scale ---------------------------------------------------------------------


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(engine: str, scale: int, args: argparse.Namespace, workdir: Path) -> dict:
    """Index the corpus at ``scale`` with ``engine``, then time the queries."""
    index_dir = workdir / f"{engine}-{scale}x"
    base = {
        "engine": engine,
        "corpus": [str(p) for p in args.corpus],
        "scale": scale,
        "limit": args.limit,
        "index_dir": str(index_dir),
        "procs": args.procs if engine == "ours" else 1,
        "stem_cache": args.reference_stem_cache,
        "result_cache": args.result_cache,
        "posting_cache": not args.no_posting_cache,
    }
    _say(f"[{engine} {scale}x] indexing ...")
    index = run_child({**base, "task": "index"}, workdir, sample_memory=True)
    index["articles_per_s"] = index["articles"] / index["seconds"]
    index["size_bytes"] = directory_size(index_dir)
    index["peak_rss_mb"] = index["maxrss_self_kb"] / 1024
    index["peak_rss_worker_mb"] = index["maxrss_workers_kb"] / 1024
    tree_kb = max(index["sampled_peak_rss_tree_kb"], index["maxrss_self_kb"])
    index["peak_rss_tree_mb"] = tree_kb / 1024
    _say(f"[{engine} {scale}x] {index['articles']:,} articles in {index['seconds']:.1f} s")
    _say(f"[{engine} {scale}x] querying ...")
    query_spec = {**base, "task": "query", "queries": args.query_list}
    query = run_child({**query_spec, "passes": args.passes}, workdir)
    firsts = [query["first_query_ms"]]
    for _ in range(args.cold_runs - 1):
        firsts.append(run_child({**query_spec, "passes": 0}, workdir)["first_query_ms"])
    query["first_query_runs_ms"] = firsts
    query["first_query_ms"] = statistics.median(firsts)
    _say(
        f"[{engine} {scale}x] first query {query['first_query_ms']:.0f} ms, "
        f"warm p50 {query['warm']['p50_ms']:.1f} ms"
    )
    if not args.keep:
        shutil.rmtree(index_dir, ignore_errors=True)
    return {"index": index, "query": query}


# -- the report ---------------------------------------------------------------------------------

# (label, section, key, unit divisor, higher is better)
ROWS = (
    ("articles indexed", "index", "articles", 1, None),
    ("indexing wall time (s)", "index", "seconds", 1, False),
    ("indexing throughput (articles/s)", "index", "articles_per_s", 1, True),
    ("indexing CPU time, all processes (s)", "index", "cpu_seconds", 1, False),
    ("index size on disk (MB)", "index", "size_bytes", MB, False),
    ("peak RSS, indexer process (MB)", "index", "peak_rss_mb", 1, False),
    ("peak RSS, largest worker (MB)", "index", "peak_rss_worker_mb", 1, False),
    ("peak RSS, process tree sum (MB)", "index", "peak_rss_tree_mb", 1, False),
    ("open index, fresh process (ms)", "query", "open_ms", 1, False),
    ("first query, fresh process (ms)", "query", "first_query_ms", 1, False),
    ("warm query p50 (ms)", "warm", "p50_ms", 1, False),
    ("warm query p95 (ms)", "warm", "p95_ms", 1, False),
    ("warm query p99 (ms)", "warm", "p99_ms", 1, False),
    ("warm query mean (ms)", "warm", "mean_ms", 1, False),
    ("queries with no hit", "query", "zero_hit_queries", 1, None),
    ("peak RSS, search process (MB)", "query", "maxrss_kb", 1024, False),
)


def _value(run: dict, section: str, key: str, divisor: float) -> float | None:
    part = run["query"]["warm"] if section == "warm" else run[section]
    value = part.get(key)
    if value is None or divisor == 1:
        return value
    return value / divisor


def comparison(runs: dict) -> dict:
    """ours/ref for every row of the table (when both engines ran)."""
    if "reference" not in runs:
        return {}
    ratios = {}
    for _label, section, key, divisor, _ in ROWS:
        ours = _value(runs["ours"], section, key, divisor)
        ref = _value(runs["reference"], section, key, divisor)
        ratios[key] = ours / ref if ours is not None and ref else None
    return ratios


def growth(small: dict, large: dict, factor: int) -> dict:
    """How the figures grow from 1x to ``factor``x the corpus."""
    return {
        "factor": factor,
        "index_time_ratio": large["index"]["seconds"] / small["index"]["seconds"],
        "index_size_ratio": large["index"]["size_bytes"] / small["index"]["size_bytes"],
        "peak_rss_tree_ratio": (
            large["index"]["peak_rss_tree_mb"] / small["index"]["peak_rss_tree_mb"]
        ),
        "query_p50_ratio": large["query"]["warm"]["p50_ms"] / small["query"]["warm"]["p50_ms"],
        "query_p95_ratio": large["query"]["warm"]["p95_ms"] / small["query"]["warm"]["p95_ms"],
        "first_query_ratio": large["query"]["first_query_ms"] / small["query"]["first_query_ms"],
    }


def targets(report: dict) -> list[dict]:
    """Issue 4's targets, each with the measured value and PASS/FAIL (None: not measured)."""
    runs = report["runs"]["1"]
    ours = runs["ours"]
    ref = runs.get("reference")
    out = []

    def add(name: str, value: float | None, goal: str, passed: bool | None) -> None:
        out.append({"target": name, "value": value, "goal": goal, "passed": passed})

    speedup = ours["index"]["articles_per_s"] / ref["index"]["articles_per_s"] if ref else None
    add(
        "indexing throughput vs reference",
        speedup,
        f">= {TARGET_INDEX_SPEEDUP:g}x",
        None if speedup is None else speedup >= TARGET_INDEX_SPEEDUP,
    )
    p50 = ours["query"]["warm"]["p50_ms"]
    query_speedup = ref["query"]["warm"]["p50_ms"] / p50 if ref else None
    add(
        "warm p50 speed-up vs reference",
        query_speedup,
        f">= {TARGET_P50_SPEEDUP:g}x",
        None if query_speedup is None else query_speedup >= TARGET_P50_SPEEDUP,
    )
    p95 = ours["query"]["warm"]["p95_ms"]
    add("warm p95 with snippets (ms)", p95, f"<= {TARGET_P95_MS:g} ms", p95 <= TARGET_P95_MS)
    first = ours["query"]["first_query_ms"]
    add(
        "first query after start (ms)",
        first,
        f"< {TARGET_FIRST_QUERY_MS:g} ms",
        first < TARGET_FIRST_QUERY_MS,
    )
    grown = report["growth"].get("ours")
    if grown:
        factor = grown["factor"]
        add(
            f"index time {factor}x / 1x",
            grown["index_time_ratio"],
            f"<= ~{factor}x (+{TIME_GROWTH_SLACK - 1:.0%})",
            grown["index_time_ratio"] <= factor * TIME_GROWTH_SLACK,
        )
        add(
            f"warm p50 {factor}x / 1x",
            grown["query_p50_ratio"],
            f"<= {TARGET_QUERY_GROWTH:g}x",
            grown["query_p50_ratio"] <= TARGET_QUERY_GROWTH,
        )
        add(
            f"peak indexing RSS (tree) {factor}x / 1x",
            grown["peak_rss_tree_ratio"],
            f"<= {RSS_GROWTH_SLACK:g}x (bounded)",
            grown["peak_rss_tree_ratio"] <= RSS_GROWTH_SLACK,
        )
    else:
        for name in ("index time Nx / 1x", "warm p50 Nx / 1x", "peak indexing RSS Nx / 1x"):
            add(name, None, "needs --scale N", None)
    return out


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    if value != value:  # NaN
        return "nan"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_table(runs: dict) -> str:
    """The side-by-side table for one scale, as Markdown."""
    engines = [e for e in ENGINES if e in runs]
    header = ["metric", *engines]
    if "reference" in runs:
        header += ["ours/ref", "ours is"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, section, key, divisor, higher_better in ROWS:
        values = [_value(runs[e], section, key, divisor) for e in engines]
        cells = [label, *map(_fmt, values)]
        if "reference" in runs:
            ours, ref = values
            ratio = ours / ref if ours is not None and ref else None
            verdict = ""
            if ratio and higher_better is not None:
                better = ratio >= 1 if higher_better else ratio <= 1
                factor = ratio if ratio >= 1 else 1 / ratio
                verdict = f"{factor:.1f}x {'better' if better else 'worse'}"
            cells += [_fmt(ratio), verdict]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_report(report: dict) -> str:
    out = []
    for scale, runs in report["runs"].items():
        articles = runs["ours"]["index"]["articles"]
        procs = report["settings"]["procs"]
        cache = "50k stem cache" if report["settings"]["reference_stem_cache"] else "no stem cache"
        out.append(
            f"\n## {scale}x corpus: {articles:,} articles "
            f"(ours with procs={procs}; reference with {cache})\n"
        )
        out.append(format_table(runs))
    for engine, grown in report["growth"].items():
        factor = grown["factor"]
        out.append(f"\n## growth {factor}x / 1x, {engine}\n")
        out.append("| ratio | value |\n|---|---|")
        for key in (
            "index_time_ratio",
            "index_size_ratio",
            "peak_rss_tree_ratio",
            "query_p50_ratio",
            "query_p95_ratio",
            "first_query_ratio",
        ):
            out.append(f"| {key} | {_fmt(grown[key])} |")
    out.append("\n## issue 4 targets (ours, 1x)\n")
    out.append("| target | goal | measured | result |\n|---|---|---|---|")
    for target in report["targets"]:
        result = {True: "PASS", False: "FAIL", None: "not measured"}[target["passed"]]
        value = _fmt(target["value"])
        out.append(f"| {target['target']} | {target['goal']} | {value} | {result} |")
    slowest = sorted(
        report["runs"]["1"]["ours"]["query"].get("per_query", []), key=lambda q: -q["median_ms"]
    )[:5]
    if slowest:
        out.append(
            "\nslowest queries (ours, 1x, warm median): "
            + ", ".join(
                f"{q['query']!r} {q['median_ms']:.1f} ms ({q['total']:,} hits)" for q in slowest
            )
        )
    return "\n".join(out)


def code_version() -> dict:
    """Which code was measured: the commit and a digest of searcher/ as it is on disk
    (the working tree may differ from the commit while the core is being changed)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((REPO_ROOT / "searcher").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    commit, dirty = "?", None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        git = ["git", "-C", str(REPO_ROOT)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            [*git, "status", "--porcelain", "--", "searcher"], capture_output=True, text=True
        ).stdout
        dirty = bool(status.strip())
    return {"commit": commit, "searcher_dirty": dirty, "searcher_sha256": digest.hexdigest()[:16]}


def machine() -> dict:
    """What the figures were measured on."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
    from importlib.metadata import PackageNotFoundError, version

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(memory_kb / MB, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "whoosh": package("Whoosh-Reloaded"),
        "sastrawi": package("PySastrawi"),
    }


# -- command line -----------------------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Benchmark our engine against the plain Whoosh+Sastrawi reference.",
    )
    parser.add_argument(
        "--corpus",
        action="append",
        type=Path,
        help=f"corpus file or folder, repeatable (default {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help="also measure at N times the corpus (copies with new ids)",
    )
    parser.add_argument(
        "--queries",
        type=Path,
        default=DEFAULT_QUERIES,
        help="queries, one per line (default benchmarks/queries.txt)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--skip-reference", action="store_true", help="measure our engine only")
    parser.add_argument(
        "--procs", type=int, default=os.cpu_count() or 1,
        help="indexing processes for our engine (default: all cores, like the CLI)"
    )
    parser.add_argument(
        "--reference-stem-cache",
        action="store_true",
        help="give the reference a 50,000-word stem cache (Whoosh StemFilter's default)",
    )
    parser.add_argument(
        "--result-cache",
        action="store_true",
        help="keep our engine's result cache on (warm passes then time cache hits)",
    )
    parser.add_argument(
        "--no-posting-cache",
        action="store_true",
        help="switch off our engine's posting cache (every query reads the index files)",
    )
    parser.add_argument("--limit", type=int, help="only the first N articles (smoke runs)")
    parser.add_argument("--passes", type=int, default=3, help="timed warm passes (default 3)")
    parser.add_argument(
        "--cold-runs",
        type=int,
        default=3,
        help="fresh processes timing the first query; median reported (default 3)",
    )
    parser.add_argument("--workdir", type=Path, help="where to build indexes (default: temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the indexes (in --workdir)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return args
    args.corpus = args.corpus or [DEFAULT_CORPUS]
    for path in args.corpus:
        if not path.exists():
            parser.error(f"--corpus: {path} does not exist")
    for name in ("scale", "procs", "passes", "cold_runs", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')}: at least 1")
    args.query_list = read_queries(args.queries)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    if args.child:
        return _child_main(args.child)
    engines = ["ours"] if args.skip_reference else list(ENGINES)
    scales = [1] if args.scale == 1 else [1, args.scale]
    workdir = Path(tempfile.mkdtemp(prefix="searcher-bench-", dir=args.workdir))
    report: dict = {
        "command": "python -m benchmarks.run " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine(),
        "code": code_version(),
        "settings": {
            "corpus": [str(p) for p in args.corpus],
            "limit": args.limit,
            "scales": scales,
            "procs": args.procs,
            "reference_stem_cache": args.reference_stem_cache,
            "our_result_cache": args.result_cache,
            "our_posting_cache": not args.no_posting_cache,
            "engines": engines,
            "queries": len(args.query_list),
            "passes": args.passes,
            "cold_runs": args.cold_runs,
        },
        "load_before": list(os.getloadavg()),
        "runs": {},
        "ratios": {},
        "growth": {},
    }
    started = time.perf_counter()
    try:
        for scale in scales:
            runs = {engine: measure(engine, scale, args, workdir) for engine in engines}
            report["runs"][str(scale)] = runs
            report["ratios"][str(scale)] = comparison(runs)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if len(scales) > 1:
        for engine in engines:
            small, large = report["runs"]["1"][engine], report["runs"][str(args.scale)][engine]
            report["growth"][engine] = growth(small, large, args.scale)
    report["targets"] = targets(report)
    report["load_after"] = list(os.getloadavg())
    report["total_seconds"] = time.perf_counter() - started
    print(format_report(report))
    code = report["code"]
    dirty = " + uncommitted changes in searcher/" if code["searcher_dirty"] else ""
    print(f"\ncode: commit {code['commit']}{dirty} (searcher/ sha256 {code['searcher_sha256']})")
    load = report["load_before"], report["load_after"]
    print(
        f"\nload average before {load[0][0]:.2f}, after {load[1][0]:.2f}; "
        f"{report['total_seconds']:.0f} s in all"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
