"""Duplicates and stories (issue #15): quality on judged pairs, and what they cost.

Usage (from the repository root)::

    python -m benchmarks.stories [--corpus PATH] [--pairs TSV] [--limit N]
                                 [--sensitivity] [--growth N] [--indexing] [--procs N]
                                 [--repeat N] [--json OUT]

Quality
    Groups every article of the corpus (default CLICK-ID) the way the indexer does
    (:class:`searcher.whoosh.grouping.Collector`, all articles in one run, as a rebuild)
    and scores the pairs of ``tests/data/story_pairs.tsv`` (``id_a id_b label band
    note``; labels ``duplicate``, ``same_story``, ``different``): pairwise
    precision and recall of "same duplicate group" against ``duplicate``, and of
    "same story" against ``duplicate`` or ``same_story`` (a copy is the same story).
    ``--sensitivity`` repeats it over a grid of thresholds and windows.
Cost
    ``--indexing``: the whole indexing pipeline (``searcher.build_index``) with and
    without grouping, each in a fresh process, alternating, ``--repeat`` times:
    wall and CPU seconds. ``--growth N``: the grouping step alone (features and
    assignment, CPU seconds, the stem cache warmed first as the indexer's analysis
    leaves it) at 1x and Nx the corpus, in two forms: plain copies (as
    ``benchmarks.run --scale``: each copy a near-duplicate of its original, in the
    same days) and disjoint copies (each copy's words marked with the copy number:
    N unrelated corpora of the same shape in the same days, so N times as many
    stories are active at once).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from searcher.grouping import Settings
from searcher.ingest import read_articles
from searcher.models import Article
from searcher.stories import story_terms
from searcher.whoosh.grouping import Collector

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "data" / "news" / "clickid-2019.jsonl.gz"
DEFAULT_PAIRS = REPO_ROOT / "tests" / "data" / "story_pairs.tsv"
SAME_STORY = ("duplicate", "same_story")
_WORD_RUN = re.compile(r"[^\W_]+")
STORY_THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
WINDOWS = (1.0, 3.0, 7.0)
DUPLICATE_THRESHOLDS = (0.6, 0.7, 0.8, 0.9)


def read_pairs(path: Path) -> list[tuple[str, str, str, str]]:
    """(id_a, id_b, label, band) of the judged pairs."""
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    return [(row["id_a"], row["id_b"], row["label"], row["band"]) for row in rows]


def articles(corpus: Path, limit: int | None = None) -> list[Article]:
    found = []
    for record in read_articles([corpus]):
        if isinstance(record, Article):
            found.append(record)
            if limit and len(found) >= limit:
                break
    return found


def precision_recall(pairs, same) -> dict:
    """Pairwise figures: ``same(pair)`` is the grouping's answer, the label the truth."""
    found = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for pair, truth in pairs:
        predicted = same(pair)
        found[("t" if predicted == truth else "f") + ("p" if predicted else "n")] += 1
    tp, fp, fn = found["tp"], found["fp"], found["fn"]
    found["precision"] = tp / (tp + fp) if tp + fp else None
    found["recall"] = tp / (tp + fn) if tp + fn else None
    return found


def score(entries, judged) -> dict:
    """Duplicate and story precision/recall of assigned entries on the judged pairs."""
    where = {doc_id: i for i, doc_id in enumerate(entries.ids)}
    known = [(a, b, label) for a, b, label, _ in judged if a in where and b in where]

    def same(groups):
        return lambda pair: groups[where[pair[0]]] == groups[where[pair[1]]]

    return {
        "pairs": len(known),
        "duplicates": precision_recall(
            [((a, b), label == "duplicate") for a, b, label in known], same(entries.duplicate)
        ),
        "stories": precision_recall(
            [((a, b), label in SAME_STORY) for a, b, label in known], same(entries.story)
        ),
    }


def collect(items: list[Article]) -> tuple[Collector, float]:
    """A collector holding the features of ``items``, and the CPU seconds they took."""
    collector = Collector(rebuild=True)
    started = time.process_time()
    for article in items:
        collector.add(article)
    return collector, time.process_time() - started


def quality(items, judged, sensitivity: bool) -> dict:
    collector, features = collect(items)
    started = time.process_time()
    chosen = collector.assign()
    report = {
        "settings": vars(collector.settings) | {},
        "features_seconds": features,
        "assign_seconds": time.process_time() - started,
        **score(chosen, judged),
    }
    report["groups"] = _group_counts(chosen)
    if sensitivity:
        grid = []
        default = collector.settings
        for window in WINDOWS:
            for threshold in STORY_THRESHOLDS:
                collector.settings = replace(default, story_threshold=threshold, window_days=window)
                figures = score(collector.assign(), judged)["stories"]
                grid.append({"story_threshold": threshold, "window_days": window, **figures})
        for threshold in DUPLICATE_THRESHOLDS:
            collector.settings = replace(default, duplicate_threshold=threshold)
            figures = score(collector.assign(), judged)["duplicates"]
            grid.append({"duplicate_threshold": threshold, **figures})
        collector.settings = default
        report["sensitivity"] = grid
    return report


def _group_counts(entries) -> dict:
    def sizes(labels):
        counts: dict[str, int] = {}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        return sorted(counts.values(), reverse=True)

    duplicate, story = sizes(entries.duplicate), sizes(entries.story)
    return {
        "articles": len(entries),
        "duplicate_groups_of_2_or_more": sum(1 for n in duplicate if n > 1),
        "articles_in_them": sum(n for n in duplicate if n > 1),
        "stories": len(story),
        "stories_of_2_or_more": sum(1 for n in story if n > 1),
        "largest_stories": story[:5],
    }


# -- cost -----------------------------------------------------------------------------
def copies(items: list[Article], scale: int, disjoint: bool) -> Iterator[Article]:
    for copy in range(scale):
        for article in items:
            if copy == 0:
                yield article
            elif disjoint:
                yield replace(
                    article,
                    id=f"{article.id}~{copy}",
                    title=_marked(article.title, copy),
                    body=_marked(article.body, copy),
                )
            else:
                yield replace(article, id=f"{article.id}~{copy}")


def _marked(text: str, copy: int) -> str:
    """Every word prefixed with the copy's mark ("q1jokowi"): a vocabulary of its own."""
    return _WORD_RUN.sub(lambda match: f"q{copy}{match.group()}", text)


def growth(items: list[Article], scale: int) -> dict:
    """CPU seconds of the grouping step at 1x and ``scale``x, the stem cache warmed
    first (the indexer's analysis has stemmed every word by the time it groups)."""
    report = {}
    for name, disjoint in (("plain copies", False), ("disjoint copies", True)):
        everything = list(copies(items, scale, disjoint))
        for article in everything:
            story_terms(article.title, article.body)
        rows = {}
        for factor in (1, scale):
            collector, features = collect(everything[: len(items) * factor])
            started = time.process_time()
            collector.assign()
            rows[f"{factor}x"] = {
                "articles": len(collector.new),
                "features_seconds": features,
                "assign_seconds": time.process_time() - started,
            }
        first, last = rows["1x"], rows[f"{scale}x"]
        rows["ratio"] = (last["features_seconds"] + last["assign_seconds"]) / (
            first["features_seconds"] + first["assign_seconds"]
        )
        report[name] = rows
    return report


def index_once(corpus: str, limit: int | None, group: bool, procs: int) -> dict:
    """Build an index in a temporary folder (in this fresh process) and time it."""
    from searcher.whoosh.writer import build_index

    folder = Path(tempfile.mkdtemp(prefix="stories-bench-"))
    spent = {"wall": 0.0, "cpu": 0.0}  # inside the grouping calls, in this same run

    def timed(method):
        def run(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                spent["wall"] += time.perf_counter() - wall
                spent["cpu"] += time.process_time() - cpu

        return run

    Collector.add, Collector.commit = timed(Collector.add), timed(Collector.commit)
    try:
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        build_index(articles(Path(corpus), limit), folder, rebuild=True, procs=procs, group=group)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (
            after.ru_utime
            - before.ru_utime
            + after.ru_stime
            - before.ru_stime
            + children.ru_utime
            + children.ru_stime
        )
        return {
            "group": group,
            "wall_seconds": wall,
            "cpu_seconds": cpu,
            "grouping_wall_seconds": spent["wall"],
            "grouping_cpu_seconds": spent["cpu"],
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def indexing(corpus: Path, limit: int | None, procs: int, repeat: int) -> dict:
    runs: dict[str, list[dict]] = {"without": [], "with": []}
    for _ in range(repeat):
        for name, group in (("without", False), ("with", True)):
            command = (
                [
                    sys.executable,
                    "-m",
                    "benchmarks.stories",
                    "--index-once",
                    str(corpus),
                    "--procs",
                    str(procs),
                ]
                + (["--limit", str(limit)] if limit else [])
                + ([] if group else ["--no-group"])
            )
            done = subprocess.run(
                command, capture_output=True, text=True, check=True, cwd=REPO_ROOT
            )
            runs[name].append(json.loads(done.stdout))
    report: dict = {"runs": runs}
    for figure in ("wall_seconds", "cpu_seconds"):
        ratios = [w[figure] / o[figure] for w, o in zip(runs["with"], runs["without"], strict=True)]
        report[f"{figure}_ratio_median"] = sorted(ratios)[len(ratios) // 2]
    return report


# -- report ---------------------------------------------------------------------------
def _figure(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_report(report: dict) -> None:
    q = report.get("quality")
    if q:
        print(f"judged pairs found in the corpus: {q['pairs']}")
        print(f"settings: {q['settings']}")
        print("| grouping | precision | recall | tp | fp | fn | tn |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name in ("duplicates", "stories"):
            f = q[name]
            print(
                f"| {name} | {_figure(f['precision'])} | {_figure(f['recall'])} | "
                f"{f['tp']} | {f['fp']} | {f['fn']} | {f['tn']} |"
            )
        print(f"groups: {q['groups']}")
        print(
            f"grouping step (CPU): features {q['features_seconds']:.1f} s, "
            f"assignment {q['assign_seconds']:.1f} s"
        )
        if "sensitivity" in q:
            for key, columns in (
                ("story_threshold", ("story_threshold", "window_days")),
                ("duplicate_threshold", ("duplicate_threshold",)),
            ):
                print("\n| " + " | ".join(columns) + " | precision | recall |")
                print("| --- " * (len(columns) + 2) + "|")
                for row in (r for r in q["sensitivity"] if key in r):
                    cells = [f"{row[c]:g}" for c in columns]
                    cells += [_figure(row["precision"]), _figure(row["recall"])]
                    print("| " + " | ".join(cells) + " |")
    if "growth" in report:
        print("\n| corpus | articles | features (CPU s) | assignment (CPU s) |")
        print("| --- | --- | --- | --- |")
        for name, rows in report["growth"].items():
            for factor, row in rows.items():
                if factor != "ratio":
                    print(
                        f"| {name} {factor} | {row['articles']:,} | "
                        f"{row['features_seconds']:.1f} | {row['assign_seconds']:.1f} |"
                    )
            print(f"| {name}: growth of the grouping step | | {rows['ratio']:.2f}x | |")
    if "indexing" in report:
        runs = report["indexing"]["runs"]
        print("\n| indexing | wall (s) | CPU (s) |")
        print("| --- | --- | --- |")
        for name in ("without", "with"):
            for run in runs[name]:
                print(f"| {name} grouping | {run['wall_seconds']:.1f} | {run['cpu_seconds']:.1f} |")
        for run in runs["with"]:
            print(
                f"grouping inside a run: {run['grouping_wall_seconds']:.1f} s wall "
                f"({run['grouping_wall_seconds'] / run['wall_seconds']:.1%} of the run), "
                f"{run['grouping_cpu_seconds']:.1f} s CPU "
                f"({run['grouping_cpu_seconds'] / run['cpu_seconds']:.1%})"
            )
        print(
            f"median ratio with/without: wall "
            f"{report['indexing']['wall_seconds_ratio_median']:.3f}, CPU "
            f"{report['indexing']['cpu_seconds_ratio_median']:.3f}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.stories", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--sensitivity", action="store_true")
    parser.add_argument("--growth", type=int, default=0, metavar="N")
    parser.add_argument("--indexing", action="store_true")
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", metavar="OUT")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--index-once", metavar="CORPUS", help=argparse.SUPPRESS)
    parser.add_argument("--no-group", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.index_once:
        print(json.dumps(index_once(args.index_once, args.limit, not args.no_group, args.procs)))
        return 0
    for path in (args.corpus,) + (() if args.no_quality else (args.pairs,)):
        if not path.exists():
            print(f"error: {path} is missing", file=sys.stderr)
            return 2
    report: dict = {"corpus": str(args.corpus), "settings": vars(Settings())}
    items = articles(args.corpus, args.limit)
    if not args.no_quality:
        report["quality"] = quality(items, read_pairs(args.pairs), args.sensitivity)
    if args.growth > 1:
        report["growth"] = growth(items, args.growth)
    if args.indexing:
        report["indexing"] = indexing(args.corpus, args.limit, args.procs, args.repeat)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
