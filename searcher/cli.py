"""Command line: ``python -m searcher index|query|stats|eval|serve``.

The CLI only parses arguments and formats results; the library does the
work. Exit codes: 0 success, 1 nothing found or records rejected, 2 usage
error (bad arguments, bad query, no index).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from searcher import evaluation
from searcher.backends import BACKEND_ENV, build_index, open_index, resolve
from searcher.errors import SearcherError
from searcher.models import Article, Rejected, SearchResult
from searcher.readers import CorpusError, read_articles
from searcher.search import SORTS, Filters

OK, NOTHING, USAGE = 0, 1, 2


class _Colour:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled and text else text


def _index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", metavar="DIR", default=None,
                        help="index folder (default: $SEARCHER_INDEX or index/)")
    parser.add_argument("--backend", metavar="URL", default=None,
                        help="whoosh (the --index folder) or a Manticore/Sphinx cluster, "
                             f"manticore://HOST:PORT[,HOST:PORT]/TABLE (default: ${BACKEND_ENV} "
                             "or whoosh)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m searcher", description="Full-text search for Indonesian news.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="add articles to the index",
                                description="Read articles and add or update them in the index.")
    index.add_argument("sources", nargs="+", metavar="SOURCE",
                       help=".jsonl(.gz), .csv(.gz) files or folders of .txt/.md/.html files")
    _index_option(index)
    index.add_argument("--rebuild", action="store_true",
                       help="start fresh: the index will hold exactly these sources")
    index.add_argument("--procs", type=int, default=os.cpu_count() or 1,
                       help="processes for analysis when adding many articles (default: cores)")
    index.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                       help="how long to wait for another indexer to finish (default 10)")
    index.add_argument("--quiet", action="store_true", help="no progress bar")

    query = commands.add_parser("query", help="search the index",
                                description="Search; see the README for the query syntax.")
    query.add_argument("text", metavar="QUERY")
    _index_option(query)
    query.add_argument("--limit", type=int, default=10, help="results per page (default 10)")
    query.add_argument("--page", type=int, default=1)
    query.add_argument("--source", action="append", help="only this source (repeatable)")
    query.add_argument("--category", action="append", help="only this category (repeatable)")
    query.add_argument("--since", metavar="DATE", help="published on or after (2019-09-01)")
    query.add_argument("--until", metavar="DATE", help="published on or before (2019-09-30)")
    query.add_argument("--sort", choices=SORTS, default="relevance")
    query.add_argument("--json", action="store_true", help="print JSON")

    stats = commands.add_parser("stats", help="describe the index")
    _index_option(stats)
    stats.add_argument("--json", action="store_true", help="print JSON")

    evaluate = commands.add_parser("eval", help="measure ranking quality on judged queries")
    evaluate.add_argument("--queries", required=True, metavar="TSV", help="qid<TAB>text lines")
    evaluate.add_argument("--qrels", required=True, metavar="QRELS", help="TREC qrels file")
    _index_option(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print JSON")

    serve = commands.add_parser("serve", help="run the web front end")
    _index_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--threads", type=int, default=8)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (SearcherError, CorpusError) as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print("interrupted; the last committed index is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `| head`: the reader went away, nothing to report
        return OK


def run_index(args) -> int:
    if args.procs < 1:
        print("error: --procs must be at least 1", file=sys.stderr)
        return USAGE
    location = resolve(args.index, args.backend)
    records = read_articles(args.sources)
    progress = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(unit=" articles", file=sys.stderr, mininterval=0.5)

    def on_record(record: Article | Rejected) -> None:
        if progress:
            progress.update()

    def on_reject(item: Rejected) -> None:
        message = f"rejected: {item}"
        if progress:
            progress.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    try:
        report = build_index(records, location, rebuild=args.rebuild, procs=args.procs,
                             lock_timeout=args.wait, on_record=on_record, on_reject=on_reject)
    finally:
        if progress:
            progress.close()
    print(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
          f"{len(report.rejected)} rejected in {report.seconds:.1f} s "
          f"({location})")
    return NOTHING if report.rejected else OK


def run_query(args) -> int:
    filters = Filters.build(source=args.source, category=args.category,
                            since=args.since, until=args.until)
    with open_index(resolve(args.index, args.backend)) as index:
        result = index.search(args.text, page=args.page, per_page=args.limit,
                              filters=filters, sort=args.sort)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.message:  # a query without words (#12)
        print(f"note: {result.message}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_result(result, _Colour(sys.stdout.isatty())))
    return OK if result.hits else NOTHING


def format_result(result: SearchResult, colour: _Colour) -> str:
    lines = []
    first = (result.page - 1) * result.per_page + 1
    for number, hit in enumerate(result.hits, first):
        title = hit.title_highlighted.render("\033[1;33m", "\033[0;1m") \
            if colour.enabled else hit.title
        lines.append(f"{number}. {colour('1', title)}")
        meta = [hit.source, hit.published.strftime("%Y-%m-%d %H:%M") if hit.published else "",
                hit.url]
        lines.append("   " + colour("2", " · ".join(part for part in meta if part)))
        snippet = hit.snippet.render("\033[1;33m", "\033[0m") if colour.enabled \
            else hit.snippet.text
        if snippet:
            lines.append(f"   {snippet}")
        lines.append("")
    if result.total:
        last = first + len(result.hits) - 1
        summary = f"{first}-{last} of {result.total} results" if result.hits else \
            f"no results on page {result.page} (of {result.pages})"
    else:
        summary = "no results"
    lines.append(f"{summary} for {result.query!r} ({result.took_ms:.0f} ms)")
    if result.suggestion:
        lines.append(f"did you mean: {result.suggestion}")
    return "\n".join(lines)


def run_stats(args) -> int:
    with open_index(resolve(args.index, args.backend)) as index:
        stats = index.stats()
    if args.json:
        print(json.dumps(stats.to_json(), ensure_ascii=False, indent=2))
        return OK
    span = (f"{stats.earliest:%Y-%m-%d} to {stats.latest:%Y-%m-%d}"
            if stats.earliest and stats.latest else "no dates")
    print(f"index:      {stats.path}")
    print(f"documents:  {stats.documents}")
    print(f"dates:      {span}")
    print(f"size:       {stats.size_bytes / 1e6:.1f} MB")
    print("sources:    " + ", ".join(f"{f.value} ({f.count})" for f in stats.sources))
    print("categories: " + ", ".join(f"{f.value} ({f.count})" for f in stats.categories[:20]))
    return OK


def run_eval(args) -> int:
    queries = evaluation.read_queries(args.queries)
    qrels = evaluation.read_qrels(args.qrels)
    with open_index(resolve(args.index, args.backend)) as index:
        def run(text: str) -> list[str]:
            result = index.search(text, per_page=100, snippets=False)
            return [hit.id for hit in result.hits]

        report = evaluation.evaluate(run, queries, qrels)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(f"queries  {report.queries} ({report.failed} failed)")
        print(f"MRR@10   {report.mrr_at_10:.4f}")
        print(f"nDCG@10  {report.ndcg_at_10:.4f}")
        print(f"R@100    {report.recall_at_100:.4f}")
    return OK


def run_serve(args) -> int:
    from web.server import serve

    serve(resolve(args.index, args.backend), host=args.host, port=args.port,
          threads=args.threads)
    return OK


COMMANDS = {"index": run_index, "query": run_query, "stats": run_stats, "eval": run_eval,
            "serve": run_serve}
