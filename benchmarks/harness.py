"""The benchmark of issues 4 and 16 as a library: one engine at one scale, measured in
fresh child processes, and the report comparing the engines.

:mod:`benchmarks.run` is its command line (and the entry point of the child
processes); nothing here parses arguments or prints.

For each engine (ours; the plain reference of :mod:`benchmarks.reference`):

* indexing, in a fresh child process: wall time and articles/s of the whole pipeline
  (reading the corpus, analysis, writing, committing), CPU time of every process,
  index size on disk, peak RSS of the indexer, of its largest worker and of the whole
  process tree (sampled from ``/proc``);
* querying, in another fresh process: the time to open the index and the very first
  query (cold), then **the headline: a stream of distinct queries, each sent once**
  (:func:`benchmarks.corpora.distinct_queries`; the first ``stream_warm`` warm the
  caches as a long-running server has them and are not timed), then, second and
  labelled so, passes repeating the same few queries (a cache's figure: the posting
  cache then holds every word). Every query asks for the top 10 with snippets.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.corpora import REPO_ROOT, article_stream
from benchmarks.engines import OTHER_ENGINES
from benchmarks.measures import MB, TreeMemorySampler, directory_size, latency_summary

ENGINES = ("ours", "reference", *OTHER_ENGINES)  # the others: benchmarks.engines (#22)

# Issue 16's targets (full CLICK-ID corpus, this 2-core machine), on the distinct stream.
TARGET_INDEX_SPEEDUP = 2.5  # ours >= 2.5x the reference's articles/s
TARGET_INDEX_SIZE = 1.5  # ours' index <= 1.5x the reference's
TARGET_P50_SPEEDUP = 4.0  # ours' stream p50 <= reference p50 / 4
TARGET_P95_MS = 15.0  # ours' stream p95
TARGET_FIRST_QUERY_MS = 300.0  # first query after start
TARGET_QUERY_GROWTH = 2.0  # stream p50 at Nx <= 2x p50 at 1x
TIME_GROWTH_SLACK = 1.1  # "about Nx the index time": allow 10%
RSS_GROWTH_SLACK = 1.25  # "bounded": peak RSS at Nx at most 25% above 1x


# -- child processes -------------------------------------------------------------------------


def index_child(spec: dict) -> dict:
    """Build one index; runs in a fresh process so memory and caches start empty."""
    if spec["engine"] == "ours":
        import searcher

        def build(articles, path):
            report = searcher.build_index(articles, path, procs=spec["procs"])
            return report.added
    elif spec["engine"] in OTHER_ENGINES:
        from benchmarks import engines

        def build(articles, path):
            return engines.build(spec["engine"], articles, path)
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


def open_engine(
    engine: str, path: str, keep_result_cache: bool = False, posting_cache: bool = True
):
    """``(search function, close function)`` for an index of ``engine``."""
    if engine == "ours":
        import searcher

        options = {}
        if not posting_cache:
            # Every query then reads its posting lists from the index files.
            options["posting_cache_bytes"] = 0
        if not keep_result_cache:
            # Our Index remembers recent results; the repeated passes would time cache
            # hits, not searches. Size 0 keeps nothing (distinct queries never hit it).
            options["result_cache"] = 0
        index = searcher.open_index(path, **options)
        return (lambda q: index.search(q, per_page=10)), index.close
    if engine in OTHER_ENGINES:
        from benchmarks import engines

        return engines.open_engine(engine, path)
    from benchmarks.reference import open_reference_index

    index = open_reference_index(path)
    return (lambda q: index.search(q, limit=10)), index.close


def _timed(search, query: str, errors: dict) -> tuple[float | None, int]:
    """Milliseconds and hit count of one search (None when it raised: reported, not timed)."""
    started = time.perf_counter()
    try:
        found = search(query)
    except Exception as error:
        errors[query] = f"{type(error).__name__}: {error}"
        return None, 0
    return (time.perf_counter() - started) * 1000, found.total


def _stream(search, stream: list[str], warm: int) -> dict:
    """Each query of ``stream`` once; the first ``warm`` are not timed."""
    latencies, errors, zero, per_query = [], {}, 0, []
    for number, query in enumerate(stream):
        elapsed, total = _timed(search, query, errors)
        if number >= warm and elapsed is not None:
            latencies.append(elapsed)
            per_query.append((query, round(elapsed, 3), total))
            zero += total == 0
    summary = latency_summary(latencies)
    # Each timed query's (text, ms, hits): to split the figures by kind of query later.
    summary.update(
        warm=warm,
        errors=len(errors),
        error_examples=dict(list(errors.items())[:5]),
        zero_hit_queries=zero,
        per_query=per_query,
    )
    return summary


def _repeated(search, queries: list[str], passes: int) -> dict:
    """One untimed pass, then ``passes`` timed passes over the same queries."""
    per_query: dict[str, list[float]] = {q: [] for q in queries}
    totals: dict[str, int] = {}
    errors: dict[str, str] = {}
    for run in range(passes + 1):  # pass 0 warms up and is not timed
        for q in queries:
            elapsed, total = _timed(search, q, errors)
            if elapsed is not None:
                totals[q] = total
                if run:
                    per_query[q].append(elapsed)
    summary = latency_summary([ms for values in per_query.values() for ms in values])
    return {
        "repeated": summary,
        "per_query": [
            {"query": q, "total": totals.get(q, 0), "median_ms": statistics.median(v)}
            for q, v in per_query.items()
            if v
        ],
        "errors": errors,
        "zero_hit_queries": sum(1 for q in queries if totals.get(q, 0) == 0),
    }


def query_child(spec: dict) -> dict:
    """Open an index in a fresh process, time the first query, the distinct stream, then
    the repeated passes."""
    queries: list[str] = spec["queries"]
    started = time.perf_counter()
    search, close = open_engine(
        spec["engine"], spec["index_dir"], spec["result_cache"], spec.get("posting_cache", True)
    )
    open_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    search(queries[0])
    first_ms = (time.perf_counter() - started) * 1000
    result: dict = {"open_ms": open_ms, "first_query_ms": first_ms, "first_query": queries[0]}
    if spec.get("stream"):
        result["stream"] = _stream(search, spec["stream"], spec["stream_warm"])
    if spec["passes"]:
        result.update(_repeated(search, queries, spec["passes"]))
    close()
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return result


def child_main(spec_path: str) -> int:
    """What ``python -m benchmarks.run --child SPEC`` runs."""
    spec = json.loads(Path(spec_path).read_text())
    result = index_child(spec) if spec["task"] == "index" else query_child(spec)
    Path(spec["result"]).write_text(json.dumps(result))
    return 0


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


def measure(engine: str, scale: int, settings: dict, workdir: Path, say=None) -> dict:
    """Index the corpus at ``scale`` with ``engine``, then time the queries.

    ``settings``: corpus, limit, procs, stem_cache, result_cache, posting_cache, queries
    (the repeated list), passes, cold_runs, stream (the distinct queries), stream_warm, keep.
    """
    say = say or (lambda message: None)
    index_dir = workdir / f"{engine}-{scale}x"
    base = {
        "engine": engine,
        "corpus": [str(p) for p in settings["corpus"]],
        "scale": scale,
        "limit": settings["limit"],
        "index_dir": str(index_dir),
        "procs": settings["procs"] if engine == "ours" else 1,
        "stem_cache": settings["stem_cache"],
        "result_cache": settings["result_cache"],
        "posting_cache": settings["posting_cache"],
    }
    say(f"[{engine} {scale}x] indexing ...")
    index = run_child({**base, "task": "index"}, workdir, sample_memory=True)
    index["articles_per_s"] = index["articles"] / index["seconds"]
    index["size_bytes"] = directory_size(index_dir)
    index["peak_rss_mb"] = index["maxrss_self_kb"] / 1024
    index["peak_rss_worker_mb"] = index["maxrss_workers_kb"] / 1024
    tree_kb = max(index["sampled_peak_rss_tree_kb"], index["maxrss_self_kb"])
    index["peak_rss_tree_mb"] = tree_kb / 1024
    say(f"[{engine} {scale}x] {index['articles']:,} articles in {index['seconds']:.1f} s")
    say(f"[{engine} {scale}x] querying ...")
    query_spec = {**base, "task": "query", "queries": settings["queries"]}
    query = run_child(
        {
            **query_spec,
            "passes": settings["passes"],
            "stream": settings["stream"],
            "stream_warm": settings["stream_warm"],
        },
        workdir,
    )
    firsts = [query["first_query_ms"]]
    for _ in range(settings["cold_runs"] - 1):
        firsts.append(run_child({**query_spec, "passes": 0}, workdir)["first_query_ms"])
    query["first_query_runs_ms"] = firsts
    query["first_query_ms"] = statistics.median(firsts)
    stream = query.get("stream")
    say(
        f"[{engine} {scale}x] first query {query['first_query_ms']:.0f} ms"
        + (f", distinct stream p50 {stream['p50_ms']:.1f} ms" if stream else "")
    )
    if not settings["keep"]:
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
    ("distinct queries, each once: p50 (ms)", "stream", "p50_ms", 1, False),
    ("distinct queries, each once: p95 (ms)", "stream", "p95_ms", 1, False),
    ("distinct queries, each once: p99 (ms)", "stream", "p99_ms", 1, False),
    ("distinct queries, each once: mean (ms)", "stream", "mean_ms", 1, False),
    ("distinct queries with no hit", "stream", "zero_hit_queries", 1, None),
    ("distinct queries that failed", "stream", "errors", 1, None),
    ("repeated queries (cache-warm) p50 (ms)", "repeated", "p50_ms", 1, False),
    ("repeated queries (cache-warm) p95 (ms)", "repeated", "p95_ms", 1, False),
    ("peak RSS, search process (MB)", "query", "maxrss_kb", 1024, False),
)


def value(run: dict, section: str, key: str, divisor: float = 1) -> float | None:
    """One figure of a run (None when it was not measured)."""
    part = run["query"].get(section, {}) if section in ("stream", "repeated") else run[section]
    found = part.get(key)
    if found is None or divisor == 1:
        return found
    return found / divisor


def comparison(runs: dict) -> dict:
    """ours/ref for every row of the table (when both engines ran)."""
    if "reference" not in runs:
        return {}
    ratios = {}
    for _label, section, key, divisor, _ in ROWS:
        ours = value(runs["ours"], section, key, divisor)
        ref = value(runs["reference"], section, key, divisor)
        ratios[f"{section}.{key}"] = ours / ref if ours is not None and ref else None
    return ratios


def _ratio(large: float | None, small: float | None) -> float | None:
    return large / small if large is not None and small else None


def growth(small: dict, large: dict, factor: int) -> dict:
    """How the figures grow from 1x to ``factor``x the corpus."""
    return {
        "factor": factor,
        "index_time_ratio": large["index"]["seconds"] / small["index"]["seconds"],
        "index_size_ratio": large["index"]["size_bytes"] / small["index"]["size_bytes"],
        "peak_rss_tree_ratio": (
            large["index"]["peak_rss_tree_mb"] / small["index"]["peak_rss_tree_mb"]
        ),
        "stream_p50_ratio": _ratio(
            value(large, "stream", "p50_ms"), value(small, "stream", "p50_ms")
        ),
        "stream_p95_ratio": _ratio(
            value(large, "stream", "p95_ms"), value(small, "stream", "p95_ms")
        ),
        "repeated_p50_ratio": _ratio(
            value(large, "repeated", "p50_ms"), value(small, "repeated", "p50_ms")
        ),
        "first_query_ratio": large["query"]["first_query_ms"] / small["query"]["first_query_ms"],
    }


def targets(report: dict) -> list[dict]:
    """Issue 16's and issue 22's targets, each with the measured value and PASS/FAIL
    (None: not measured)."""
    runs = report["runs"]["1"]
    ours = runs["ours"]
    ref = runs.get("reference")
    out = []

    def add(name: str, measured: float | None, goal: str, passed: bool | None) -> None:
        out.append({"target": name, "value": measured, "goal": goal, "passed": passed})

    def versus(key: str, section: str, invert: bool = False) -> float | None:
        if ref is None:
            return None
        a, b = value(ours, section, key), value(ref, section, key)
        if a is None or b is None or not (b if not invert else a):
            return None
        return b / a if invert else a / b

    speedup = versus("articles_per_s", "index")
    add(
        "indexing throughput vs reference",
        speedup,
        f">= {TARGET_INDEX_SPEEDUP:g}x",
        None if speedup is None else speedup >= TARGET_INDEX_SPEEDUP,
    )
    size = versus("size_bytes", "index")
    add(
        "index size vs reference",
        size,
        f"<= {TARGET_INDEX_SIZE:g}x",
        None if size is None else size <= TARGET_INDEX_SIZE,
    )
    query_speedup = versus("p50_ms", "stream", invert=True)
    add(
        "distinct-stream p50 speed-up vs reference",
        query_speedup,
        f">= {TARGET_P50_SPEEDUP:g}x",
        None if query_speedup is None else query_speedup >= TARGET_P50_SPEEDUP,
    )
    p95 = value(ours, "stream", "p95_ms")
    add(
        "distinct-stream p95 with snippets (ms)",
        p95,
        f"<= {TARGET_P95_MS:g} ms",
        None if p95 is None else p95 <= TARGET_P95_MS,
    )
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
        p50_growth = grown["stream_p50_ratio"]
        add(
            f"distinct-stream p50 {factor}x / 1x",
            p50_growth,
            f"<= {TARGET_QUERY_GROWTH:g}x",
            None if p50_growth is None else p50_growth <= TARGET_QUERY_GROWTH,
        )
        add(
            f"peak indexing RSS (tree) {factor}x / 1x",
            grown["peak_rss_tree_ratio"],
            f"<= {RSS_GROWTH_SLACK:g}x (bounded)",
            grown["peak_rss_tree_ratio"] <= RSS_GROWTH_SLACK,
        )
    else:
        for name in (
            "index time Nx / 1x",
            "distinct-stream p50 Nx / 1x",
            "peak indexing RSS Nx / 1x",
        ):
            add(name, None, "needs --scale N", None)
    # Issue 22's targets: the engines people would pick instead set the bar.
    add(
        "#22 indexing throughput vs reference",
        speedup,
        ">= 3x",
        None if speedup is None else speedup >= 3,
    )
    add("#22 index size vs reference", size, "<= 1.3x", None if size is None else size <= 1.3)
    p50 = value(ours, "stream", "p50_ms")
    add(
        "#22 distinct-stream p50 with snippets (ms)",
        p50,
        "<= 3 ms",
        None if p50 is None else p50 <= 3,
    )
    add(
        "#22 distinct-stream p95 with snippets (ms)",
        p95,
        "<= 10 ms",
        None if p95 is None else p95 <= 10,
    )
    if grown and grown["factor"] >= 10:
        factor = grown["factor"]
        add(
            f"#22 index time {factor}x / 1x",
            grown["index_time_ratio"],
            f"<= {1.1 * factor:g}x",
            grown["index_time_ratio"] <= 1.1 * factor,
        )
        p50_growth = grown["stream_p50_ratio"]
        add(
            f"#22 distinct-stream p50 {factor}x / 1x",
            p50_growth,
            "<= 3x",
            None if p50_growth is None else p50_growth <= 3,
        )
    return out


def fmt(figure: float | None) -> str:
    """A figure with as many digits as it deserves."""
    if figure is None:
        return "-"
    if isinstance(figure, int):
        return f"{figure:,}"
    if figure != figure:  # NaN
        return "nan"
    if abs(figure) >= 1000:
        return f"{figure:,.0f}"
    if abs(figure) >= 100:
        return f"{figure:.0f}"
    if abs(figure) >= 10:
        return f"{figure:.1f}"
    return f"{figure:.2f}"


def format_table(runs: dict) -> str:
    """The side-by-side table for one scale, as Markdown."""
    engines = [e for e in ENGINES if e in runs]
    header = ["metric", *engines]
    if "reference" in runs:
        header += ["ours/ref", "ours is"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, section, key, divisor, higher_better in ROWS:
        values = [value(runs[e], section, key, divisor) for e in engines]
        cells = [label, *map(fmt, values)]
        if "reference" in runs:
            ours, ref = values[:2]
            ratio = ours / ref if ours is not None and ref else None
            verdict = ""
            if ratio and higher_better is not None:
                better = ratio >= 1 if higher_better else ratio <= 1
                factor = ratio if ratio >= 1 else 1 / ratio
                verdict = f"{factor:.1f}x {'better' if better else 'worse'}"
            cells += [fmt(ratio), verdict]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def by_kind(runs: dict, questions: set[str]) -> str:
    """The distinct stream's p50/p95 split into short news queries (news dev queries,
    benchmark queries, headlines) and questions (TyDi QA), per engine, as Markdown."""
    lines = ["| engine | kind | queries | p50 (ms) | p95 (ms) |", "|---|---|---|---|---|"]
    for engine in [e for e in ENGINES if e in runs]:
        timed = runs[engine]["query"].get("stream", {}).get("per_query", [])
        for kind, wanted in (("short news", False), ("questions", True)):
            ms = [m for q, m, _ in timed if (" ".join(q.split()) in questions) == wanted]
            if ms:
                summary = latency_summary(ms)
                lines.append(
                    f"| {engine} | {kind} | {len(ms):,} | {fmt(summary['p50_ms'])} | "
                    f"{fmt(summary['p95_ms'])} |"
                )
    return "\n".join(lines)


def format_report(report: dict) -> str:
    """The whole report as Markdown: a table per scale, growth, the targets."""
    out = []
    settings = report["settings"]
    for scale, runs in report["runs"].items():
        articles = runs["ours"]["index"]["articles"]
        cache = "50k stem cache" if settings["reference_stem_cache"] else "no stem cache"
        out.append(
            f"\n## {scale}x corpus: {articles:,} articles "
            f"(ours with procs={settings['procs']}; reference with {cache})\n"
        )
        if settings.get("stream"):
            out.append(
                f"Headline: {settings['stream']:,} distinct queries, each sent once, after "
                f"{settings['stream_warm']:,} untimed ones; repeated: "
                f"{settings['passes']} passes over the same {settings['queries']} "
                "queries (a cache's figure).\n"
            )
        out.append(format_table(runs))
        if settings.get("stream") and report.get("questions"):
            out.append("\nThe distinct stream by kind of query:\n")
            out.append(by_kind(runs, set(report["questions"])))
    for engine, grown in report["growth"].items():
        out.append(f"\n## growth {grown['factor']}x / 1x, {engine}\n")
        out.append("| ratio | value |\n|---|---|")
        for key, figure in grown.items():
            if key != "factor":
                out.append(f"| {key} | {fmt(figure)} |")
    out.append("\n## issue 16 and 22 targets (ours, 1x)\n")
    out.append("| target | goal | measured | result |\n|---|---|---|---|")
    for target in report["targets"]:
        result = {True: "PASS", False: "FAIL", None: "not measured"}[target["passed"]]
        out.append(f"| {target['target']} | {target['goal']} | {fmt(target['value'])} | {result} |")
    slowest = sorted(
        report["runs"]["1"]["ours"]["query"].get("per_query", []), key=lambda q: -q["median_ms"]
    )[:5]
    if slowest:
        out.append(
            "\nslowest repeated queries (ours, 1x, median): "
            + ", ".join(
                f"{q['query']!r} {q['median_ms']:.1f} ms ({q['total']:,} hits)" for q in slowest
            )
        )
    return "\n".join(out)
