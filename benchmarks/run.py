"""The benchmark harness of issues 4 and 16: our engine against the plain reference.

Usage (from the repository root)::

    python -m benchmarks.run [--corpus PATH ...] [--scale N] [--stream N] [--stream-warm N]
                             [--queries FILE] [--json OUT] [--skip-reference] [--procs N]
                             [--limit N]

For each engine (ours, then the reference of :mod:`benchmarks.reference`, then Tantivy
and bm25s on our tokens, :mod:`benchmarks.engines`, when installed) and each
scale (1x, and Nx with ``--scale N``, repeatable: every article again with the id
``"{id}~{k}"`` and its date ``k`` years later, generated on the fly, never written
anywhere) it indexes the corpus and times the queries in fresh processes (see
:mod:`benchmarks.harness` for what is measured).

The headline query figure is a stream of ``--stream`` distinct queries (news dev
queries, TyDi questions, titles of the corpus; :func:`benchmarks.corpora.distinct_queries`),
each sent once after ``--stream-warm`` untimed ones, both engines getting the very same
queries. Second, labelled as a cache's figure: ``--passes`` passes over the same
``--queries`` (40 queries: the posting cache then holds every word).

The reference stems every token afresh (no cache), as issue 4 describes it;
``--reference-stem-cache`` gives it a 50,000-word stem cache. Our engine's result cache
is switched off (``--result-cache`` keeps it; distinct queries never hit it anyway); its
posting cache stays on, as in a long-running server (``--no-posting-cache``).

It prints a table (ours, reference, ours/ref, and which is better by how much), the
scale growth, and issue 16's targets with PASS/FAIL; ``--json OUT`` writes it all.
Timings depend on the machine and its load: compare figures from one run only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.corpora import (
    DEFAULT_CORPUS,
    DEFAULT_QUERIES,
    TYDI_EVAL,
    distinct_queries,
    read_queries,
)
from benchmarks.harness import ENGINES, child_main, comparison, format_report, growth, measure
from benchmarks.harness import targets as judge_targets
from benchmarks.measures import code_version, machine


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
        action="append",
        help="also measure at N times the corpus (copies with new ids and dates shifted "
        "by whole years); repeatable: --scale 4 --scale 10",
    )
    parser.add_argument(
        "--stream",
        type=int,
        default=2000,
        help="distinct queries timed, each sent once (default 2000)",
    )
    parser.add_argument(
        "--stream-warm",
        type=int,
        default=200,
        help="distinct queries sent first, not timed (default 200)",
    )
    parser.add_argument(
        "--titles-from",
        type=Path,
        default=DEFAULT_CORPUS,
        help="JSONL(.gz) whose titles join the stream (default CLICK-ID)",
    )
    parser.add_argument(
        "--queries",
        type=Path,
        default=DEFAULT_QUERIES,
        help="queries for the repeated passes (default benchmarks/queries.txt)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--skip-reference", action="store_true", help="measure our engine only")
    parser.add_argument(
        "--skip-others",
        action="store_true",
        help="do not measure Tantivy and bm25s (benchmarks.engines; measured when installed)",
    )
    parser.add_argument(
        "--procs",
        type=int,
        default=os.cpu_count() or 1,
        help="indexing processes for our engine (default: all cores, like the CLI)",
    )
    parser.add_argument(
        "--reference-stem-cache",
        action="store_true",
        help="give the reference a 50,000-word stem cache (Whoosh's default)",
    )
    parser.add_argument(
        "--result-cache",
        action="store_true",
        help="keep our engine's result cache on (repeated passes then time hits)",
    )
    parser.add_argument(
        "--no-posting-cache",
        action="store_true",
        help="switch off our posting cache (every query reads the index files)",
    )
    parser.add_argument("--limit", type=int, help="only the first N articles (smoke runs)")
    parser.add_argument(
        "--passes", type=int, default=3, help="timed passes over the repeated queries (default 3)"
    )
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
    for path in [*args.corpus, args.titles_from]:
        if not path.exists():
            parser.error(f"--corpus/--titles-from: {path} does not exist")
    args.scale = sorted(set(args.scale or [1]))
    if args.scale[0] < 1:
        parser.error("--scale: at least 1")
    for name in ("procs", "passes", "cold_runs", "limit"):
        figure = getattr(args, name)
        if figure is not None and figure < 1:
            parser.error(f"--{name.replace('_', '-')}: at least 1")
    for name in ("stream", "stream_warm"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')}: at least 0")
    args.query_list = read_queries(args.queries)
    args.stream_list = (
        distinct_queries(args.stream_warm + args.stream, titles_from=args.titles_from)
        if args.stream
        else []
    )
    return args


def _questions() -> set[str]:
    """The TyDi QA questions (the stream's questions; the rest are short news queries)."""
    from searcher import evaluation

    path = TYDI_EVAL / "queries.tsv"
    if not path.is_file():
        return set()
    return {" ".join(q.split()) for q in evaluation.read_queries(path).values()}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse_args(argv)
    if args.child:
        return child_main(args.child)
    engines = ["ours"] if args.skip_reference else ["ours", "reference"]
    if not args.skip_reference and not args.skip_others:
        for engine in ENGINES[2:]:
            if importlib.util.find_spec(engine) is None:
                _say(f"{engine} is not installed (pip install -e '.[bench]'): not measured")
            else:
                engines.append(engine)
    scales = sorted({1, *args.scale})
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
            "stream": max(0, len(args.stream_list) - args.stream_warm),
            "stream_warm": min(args.stream_warm, len(args.stream_list)),
            "queries": len(args.query_list),
            "passes": args.passes,
            "cold_runs": args.cold_runs,
        },
        "load_before": list(os.getloadavg()),
        "runs": {},
        "questions": sorted(_questions()),
        "ratios": {},
        "growth": {},
    }
    settings = {
        "corpus": args.corpus,
        "limit": args.limit,
        "procs": args.procs,
        "stem_cache": args.reference_stem_cache,
        "result_cache": args.result_cache,
        "posting_cache": not args.no_posting_cache,
        "queries": args.query_list,
        "passes": args.passes,
        "cold_runs": args.cold_runs,
        "stream": args.stream_list,
        "stream_warm": args.stream_warm,
        "keep": args.keep,
    }
    started = time.perf_counter()
    try:
        for scale in scales:
            runs = {engine: measure(engine, scale, settings, workdir, _say) for engine in engines}
            report["runs"][str(scale)] = runs
            report["ratios"][str(scale)] = comparison(runs)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for scale in scales[1:]:
        for engine in engines:
            small, large = report["runs"]["1"][engine], report["runs"][str(scale)][engine]
            # the largest scale under the engine's name (the targets read it), others by scale
            key = engine if scale == scales[-1] else f"{engine} {scale}x"
            report["growth"][key] = growth(small, large, scale)
    report["targets"] = judge_targets(report)
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
