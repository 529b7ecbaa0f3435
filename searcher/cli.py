"""Command line: ``python -m searcher index|fetch|delete|query|stats|eval|serve``.

The CLI only parses arguments and formats results; the library does the
work. Exit codes: 0 success, 1 nothing found or records rejected, 2 usage
error (bad arguments, bad query, no index).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import Sequence

from searcher import evaluation
from searcher.backends import BACKEND_ENV, build_index, delete_documents, open_index, resolve
from searcher.dates import DateError, parse_user_date
from searcher.errors import SearcherError
from searcher.grouping import COLLAPSE_MODES, STORY_LIST_SORTS
from searcher.listfiles import read_list
from searcher.models import Article, Rejected, SearchResult
from searcher.readers import CorpusError, read_articles
from searcher.request import SORTS, Filters

OK, NOTHING, USAGE = 0, 1, 2
# What must not reach a terminal from article text: C0/C1 controls (escape sequences
# start with ESC or the one-byte CSI 0x9B), DEL, and bidi controls that reorder a line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# In JSON the C0 controls are already escaped; the rest are escaped the same way.
_UNPRINTABLE_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """``text`` safe for a terminal: control and bidi characters shown as escapes
    (``\\x1b``, ``\\u202e``), newlines and tabs as spaces."""
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in "\n\t":
        return " "
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def to_json(data: dict) -> str:
    """Pretty JSON whose strings cannot move the terminal's cursor or reorder text."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _UNPRINTABLE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _snippet(snippet, before: str, after: str) -> str:
    return "".join(
        f"{before}{printable(text)}{after}" if hit else printable(text)
        for text, hit in snippet.fragments
    )


class _Colour:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled and text else text


def _index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index",
        metavar="DIR",
        default=None,
        help="index folder (default: $SEARCHER_INDEX or index/)",
    )
    parser.add_argument(
        "--backend",
        metavar="URL",
        default=None,
        help="whoosh (the --index folder) or a Manticore/Sphinx cluster, "
        f"manticore://HOST:PORT[,HOST:PORT]/TABLE (default: ${BACKEND_ENV} "
        "or whoosh)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m searcher", description="Full-text search for Indonesian news."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser(
        "index",
        help="add articles to the index",
        description="Read articles and add or update them in the index.",
    )
    index.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help=".jsonl(.gz), .csv(.gz) files or folders of .txt/.md/.html files",
    )
    _index_option(index)
    index.add_argument(
        "--rebuild",
        action="store_true",
        help="start fresh: the index will hold exactly these sources",
    )
    index.add_argument(
        "--procs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for analysis when adding many articles (default: cores)",
    )
    index.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for another indexer to finish (default 10)",
    )
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument(
        "--follow-links",
        action="store_true",
        help="also read files that links in a folder point to outside it",
    )

    fetch = commands.add_parser(
        "fetch",
        help="fetch news feeds and article pages into the index",
        description="Fetch RSS/Atom feeds (and their items' pages) or article pages, extract "
        "each article's text and upsert it by its canonical URL.",
    )
    fetch.add_argument("urls", nargs="*", metavar="URL", help="feed or article page URLs")
    fetch.add_argument(
        "--feeds", metavar="FILE", help="also the URLs in FILE, one per line (# comments allowed)"
    )
    _index_option(fetch)
    fetch.add_argument(
        "--every", metavar="INTERVAL", help="fetch again every INTERVAL (15m, 1h, 90s) until Ctrl-C"
    )
    fetch.add_argument(
        "--state",
        metavar="FILE",
        help="ETag/Last-Modified memory (default: .fetch-state.json in the index "
        "folder; in the current folder for a cluster)",
    )
    fetch.add_argument(
        "--delay",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds between two requests to one host (default 1)",
    )
    fetch.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on a request (connecting, headers and body in total) "
        "after this long (default 10)",
    )
    fetch.add_argument(
        "--max-bytes",
        type=int,
        default=5_000_000,
        metavar="N",
        help="refuse feeds and pages larger than N bytes (default 5000000)",
    )
    fetch.add_argument(
        "--max-items",
        type=int,
        default=200,
        metavar="N",
        help="read at most the first N items of a feed (default 200)",
    )
    fetch.add_argument(
        "--round-limit",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="stop asking after this long; what is left waits for the next run (default 1800)",
    )
    fetch.add_argument(
        "--user-agent",
        metavar="TEXT",
        default=None,
        help="User-Agent to send (default: searcher/VERSION (news search "
        "indexer; obeys robots.txt)); add a contact address",
    )
    fetch.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for another indexer to finish (default 10)",
    )
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")

    delete = commands.add_parser(
        "delete",
        help="remove articles from the index",
        description="Remove articles (retracted, taken down) by id; unknown ids are reported. "
        "Deleted ids are remembered beside the index: fetch does not add them "
        "back until --undo.",
    )
    delete.add_argument("ids", nargs="*", metavar="ID", help="article ids")
    delete.add_argument(
        "--ids-from",
        metavar="FILE",
        help="also the ids in FILE, one per line (blank lines and # comments "
        "skipped; - reads standard input)",
    )
    _index_option(delete)
    delete.add_argument(
        "--undo",
        action="store_true",
        help="forget that these ids were deleted (fetch may add them again); "
        "the index is not changed",
    )
    delete.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for another indexer to finish (default 10)",
    )

    query = commands.add_parser(
        "query", help="search the index", description="Search; see the README for the query syntax."
    )
    query.add_argument("text", metavar="QUERY")
    _index_option(query)
    query.add_argument("--limit", type=int, default=10, help="results per page (default 10)")
    query.add_argument("--page", type=int, default=1)
    query.add_argument("--source", action="append", help="only this source (repeatable)")
    query.add_argument("--category", action="append", help="only this category (repeatable)")
    query.add_argument("--since", metavar="DATE", help="published on or after (2019-09-01)")
    query.add_argument("--until", metavar="DATE", help="published on or before (2019-09-30)")
    query.add_argument(
        "--sort",
        choices=SORTS,
        default="relevance",
        help="relevance (default), newest, oldest, or blend: relevance "
        "with a preference for recent articles",
    )
    query.add_argument(
        "--as-typed",
        action="store_true",
        help="search the words as typed, without correcting a word the index barely knows",
    )
    query.add_argument("--json", action="store_true", help="print JSON")
    query.add_argument(
        "--collapse",
        choices=COLLAPSE_MODES,
        default="story",
        help="one result per story (default: the story's best article, its "
        "size and other headlines), per duplicate group, or none",
    )
    query.add_argument(
        "--no-collapse",
        action="store_const",
        const="none",
        dest="collapse",
        help="show every copy of an article (--collapse none)",
    )

    stories = commands.add_parser(
        "stories",
        help="list the largest stories",
        description="The stories (articles about one event) with the most articles.",
    )
    _index_option(stories)
    stories.add_argument(
        "--since", metavar="DATE", help="stories with an article published on or after DATE"
    )
    stories.add_argument(
        "--until", metavar="DATE", help="stories with an article published on or before DATE"
    )
    stories.add_argument(
        "--source", action="append", help="with an article from this source (repeatable)"
    )
    stories.add_argument(
        "--category", action="append", help="with an article of this category (repeatable)"
    )
    stories.add_argument(
        "--sort",
        choices=STORY_LIST_SORTS,
        default="largest",
        help="largest (default), active (most articles in the window) or latest",
    )
    stories.add_argument("--limit", type=int, default=10, help="stories to list (default 10)")
    stories.add_argument("--json", action="store_true", help="print JSON")

    stats = commands.add_parser("stats", help="describe the index")
    _index_option(stats)
    stats.add_argument("--json", action="store_true", help="print JSON")

    evaluate = commands.add_parser("eval", help="measure ranking quality on judged queries")
    evaluate.add_argument("--queries", required=True, metavar="TSV", help="qid<TAB>text lines")
    evaluate.add_argument("--qrels", required=True, metavar="QRELS", help="TREC qrels file")
    _index_option(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.add_argument(
        "--per-query", action="store_true", help="also print each judged query's figures"
    )

    serve = commands.add_parser("serve", help="run the web front end")
    _index_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--threads", type=int, default=8)
    return parser


def _take_ctrl_c() -> None:
    """Make Ctrl-C (SIGINT) raise KeyboardInterrupt even when it was inherited ignored.

    A shell starts a background job (``make test &``, ``nohup``) with SIGINT
    ignored, and Python then installs no handler of its own: ``index`` and
    ``fetch --every`` rely on KeyboardInterrupt to stop cleanly, so they would
    run on, or be stopped only by SIGKILL, mid-commit.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # ValueError: main() called from a thread other than the main one.
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _take_ctrl_c()
    try:
        return COMMANDS[args.command](args)
    except (SearcherError, CorpusError) as error:
        print(f"error: {printable(error)}", file=sys.stderr)
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
    records = read_articles(args.sources, follow_links=args.follow_links)
    progress = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(unit=" articles", file=sys.stderr, mininterval=0.5)

    def on_record(record: Article | Rejected) -> None:
        if progress is not None:
            progress.update()

    def on_reject(item: Rejected) -> None:
        message = f"rejected: {printable(item)}"
        if progress is not None:
            progress.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    try:
        report = build_index(
            records,
            location,
            rebuild=args.rebuild,
            procs=args.procs,
            lock_timeout=args.wait,
            on_record=on_record,
            on_reject=on_reject,
        )
    finally:
        if progress is not None:
            progress.close()
    print(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected in {report.seconds:.1f} s "
        f"({printable(location)})"
    )
    return NOTHING if report.rejected else OK


def run_fetch(args) -> int:
    from searcher import fetch

    urls = [fetch.check_url(url, "URL") for url in args.urls]
    if args.feeds:
        urls += fetch.read_feed_list(args.feeds)
    if not urls:
        print("error: fetch: give at least one URL or --feeds FILE", file=sys.stderr)
        return USAGE
    for name, value in (
        ("--delay", args.delay),
        ("--timeout", args.timeout),
        ("--max-bytes", args.max_bytes),
        ("--max-items", args.max_items),
        ("--round-limit", args.round_limit),
    ):
        if value < 0 or (value == 0 and name != "--delay"):
            print(f"error: {name} must be more than 0, got {value:g}", file=sys.stderr)
            return USAGE
    interval = fetch.parse_every(args.every) if args.every else None
    location = resolve(args.index, args.backend)
    try:
        while True:
            if interval is None:
                return _fetch_once(fetch, urls, location, args)
            try:
                _fetch_once(fetch, urls, location, args)
            except SearcherError as error:  # e.g. the index busy: the next round may do
                print(
                    f"error: {printable(error)}; trying again in {args.every}",
                    file=sys.stderr,
                    flush=True,
                )
            except Exception as error:  # a bug in one round must not end the service
                print(
                    f"error: this round failed ({type(error).__name__}: "
                    f"{printable(error)}); trying again in {args.every}",
                    file=sys.stderr,
                    flush=True,
                )
            time.sleep(interval)
    except KeyboardInterrupt:  # how --every is meant to end; a single run was cut short
        print("stopped; every completed run is indexed", file=sys.stderr)
        return OK if interval is not None else 130


def _fetch_once(fetch, urls: list[str], location: str, args) -> int:
    progress = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(unit=" pages", file=sys.stderr, mininterval=0.5)

    def on_page(url: str) -> None:
        if progress is not None:
            progress.update()

    def on_failure(failure) -> None:
        message = f"failed: {printable(failure)}"
        if progress is not None:
            progress.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    client = fetch.Client(
        timeout=args.timeout,
        max_bytes=args.max_bytes,
        delay=args.delay,
        user_agent=args.user_agent or fetch.USER_AGENT,
    )
    try:
        report = fetch.fetch(
            urls,
            location,
            state_path=args.state,
            client=client,
            on_page=on_page,
            on_failure=on_failure,
            lock_timeout=args.wait,
            max_items=args.max_items,
            round_seconds=args.round_limit,
        )
    finally:
        if progress is not None:
            progress.close()
    skipped = f", {report.deleted} deleted earlier" if report.deleted else ""
    print(
        f"{report.added} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.failed)} failed{skipped} in {report.seconds:.1f} s "
        f"({printable(location)})",
        flush=True,
    )
    if report.left:
        print(
            f"note: the run stopped at --round-limit ({args.round_limit:g} s); "
            f"{report.left} feeds or pages are left for the next run",
            file=sys.stderr,
        )
    return NOTHING if report.failed or report.left else OK


def read_id_lines(path: str) -> list[str]:
    """The ids in a file, one per line; blank lines and ``#`` comments skipped (a BOM
    ignored, the size bounded: :mod:`searcher.listfiles`)."""
    return [line for _, line in read_list(path, "--ids-from")]


def run_delete(args) -> int:
    ids = [i.strip() for i in args.ids if i.strip()]
    if args.ids_from:
        ids += read_id_lines(args.ids_from)
    if not ids:
        print("error: delete: give at least one ID or --ids-from FILE", file=sys.stderr)
        return USAGE
    location = resolve(args.index, args.backend)
    if args.undo:
        from searcher.fetch import undelete

        forgotten = undelete(ids, location)
        for other in [i for i in dict.fromkeys(ids) if i not in forgotten]:
            print(f"not deleted before: {printable(other)}", file=sys.stderr)
        print(f"{len(forgotten)} undeleted: fetch may add them again ({printable(location)})")
        return OK
    report = delete_documents(ids, location, lock_timeout=args.wait)
    for unknown in report.unknown:
        print(f"unknown id: {printable(unknown)}", file=sys.stderr)
    print(f"{report.deleted} deleted, {len(report.unknown)} unknown ({printable(location)})")
    return OK


def run_query(args) -> int:
    filters = Filters.build(
        source=args.source, category=args.category, since=args.since, until=args.until
    )
    with open_index(resolve(args.index, args.backend)) as index:
        result = index.search(
            args.text,
            page=args.page,
            per_page=args.limit,
            filters=filters,
            sort=args.sort,
            collapse=args.collapse,
            as_typed=args.as_typed,
        )
    for warning in result.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    if result.message:  # a query without words (#12)
        print(f"note: {printable(result.message)}", file=sys.stderr)
    if args.json:
        print(to_json(result.to_json()))
    else:
        print(format_result(result, _Colour(sys.stdout.isatty())))
    return OK if result.hits else NOTHING


def format_result(result: SearchResult, colour: _Colour) -> str:
    lines = []
    first = (result.page - 1) * result.per_page + 1
    for number, hit in enumerate(result.hits, first):
        title = (
            _snippet(hit.title_highlighted, "\033[1;33m", "\033[0;1m")
            if colour.enabled
            else printable(hit.title)
        )
        lines.append(f"{number}. {colour('1', title)}")
        meta = [
            hit.source,
            hit.published.strftime("%Y-%m-%d %H:%M") if hit.published else "",
            hit.url,
        ]
        lines.append("   " + colour("2", printable(" · ".join(part for part in meta if part))))
        if hit.versions:
            others = ", ".join(dict.fromkeys(copy.source for copy in hit.copies if copy.source))
            lines.append(
                "   "
                + colour(
                    "2",
                    printable(
                        f"+{hit.versions} other version(s)" + (f": {others}" if others else "")
                    ),
                )
            )
        if hit.story_matches and hit.story_size > 1:
            lines.append(
                "   "
                + colour(
                    "2",
                    printable(
                        f"story: {hit.story_size} articles, {hit.story_sources} sources "
                        f"({hit.story_matches} matching) · story {hit.story}"
                    ),
                )
            )
            for headline in hit.headlines:
                lines.append(
                    "   "
                    + colour(
                        "2",
                        printable(
                            f"  - {headline.title}"
                            + (f" ({headline.source})" if headline.source else "")
                        ),
                    )
                )
        snippet = (
            _snippet(hit.snippet, "\033[1;33m", "\033[0m")
            if colour.enabled
            else printable(hit.snippet.text)
        )
        if snippet:
            lines.append(f"   {snippet}")
        lines.append("")
    if result.total:
        last = first + len(result.hits) - 1
        summary = (
            f"{first}-{last} of {result.total} results"
            if result.hits
            else f"no results on page {result.page} (of {result.pages})"
        )
    else:
        summary = "no results"
    searched = result.corrected_query or result.query
    lines.append(f"{summary} for {printable(repr(searched))} ({result.took_ms:.0f} ms)")
    if result.corrected_query:
        lines.append(
            f"showing results for {printable(repr(result.corrected_query))}; "
            f"search {printable(repr(result.query))} as typed with --as-typed"
        )
    if result.dropped:
        lines.append(
            "without the word(s) "
            + ", ".join(printable(repr(w)) for w in result.dropped)
            + ": too few articles hold every word"
        )
    if result.suggestion:
        lines.append(f"did you mean: {printable(result.suggestion)}")
    return "\n".join(lines)


def run_stories(args) -> int:
    try:
        since = parse_user_date(args.since) if args.since else None
    except DateError as error:
        raise SearcherError(f"--since: {error}") from None
    try:
        until = parse_user_date(args.until, end=True) if args.until else None
    except DateError as error:
        raise SearcherError(f"--until: {error}") from None
    with open_index(resolve(args.index, args.backend)) as index:
        if (until, args.source, args.category, args.sort) == (None, None, None, "largest"):
            stories = index.stories(since=since, limit=args.limit)
        else:
            stories = index.story_list(
                since=since,
                until=until,
                source=args.source,
                category=args.category,
                sort=args.sort,
                per_page=args.limit,
            ).stories
    if args.json:
        print(to_json([story.to_json() for story in stories]))
        return OK if stories else NOTHING
    for number, story in enumerate(stories, 1):
        span = " to ".join(
            dict.fromkeys(f"{moment:%Y-%m-%d}" for moment in (story.first, story.last) if moment)
        )
        print(
            f"{number}. {printable(story.title)}\n   {story.size} articles, "
            f"{story.sources} sources, {span or 'no dates'} · story {printable(story.id)}"
        )
    if not stories:
        print("no stories")
    return OK if stories else NOTHING


def run_stats(args) -> int:
    with open_index(resolve(args.index, args.backend)) as index:
        stats = index.stats()
    if args.json:
        print(to_json(stats.to_json()))
        return OK
    span = (
        f"{stats.earliest:%Y-%m-%d} to {stats.latest:%Y-%m-%d}"
        if stats.earliest and stats.latest
        else "no dates"
    )
    print(f"index:      {printable(stats.path)}")
    print(f"documents:  {stats.documents}")
    print(f"dates:      {span}")
    print(f"size:       {stats.size_bytes / 1e6:.1f} MB")
    print("sources:    " + ", ".join(f"{printable(f.value)} ({f.count})" for f in stats.sources))
    print(
        "categories: "
        + ", ".join(f"{printable(f.value)} ({f.count})" for f in stats.categories[:20])
    )
    return OK


def run_eval(args) -> int:
    queries = evaluation.read_queries(args.queries)
    qrels = evaluation.read_qrels(args.qrels)
    judged = evaluation.read_judged(args.qrels)
    with open_index(resolve(args.index, args.backend)) as index:

        def run(text: str) -> list[str]:
            result = index.search(text, per_page=100, snippets=False)
            return [hit.id for hit in result.hits]

        report = evaluation.evaluate(run, queries, qrels, judged)
    if args.json:
        figures = report.to_json(per_query=args.per_query)
        figures["nDCG'@10"] = round(report.condensed_ndcg_at_10 or 0.0, 4)
        print(to_json(figures))
        return OK
    if args.per_query:
        header = ("qid", "nDCG@10", "MRR@10", "R@100", "nDCG'@10", "unjudged")
        print(
            f"{header[0]:<10} {header[1]:>7} {header[2]:>7} {header[3]:>7} {header[4]:>8} "
            f"{header[5]:>8}  query"
        )
        for score in report.per_query:
            note = "  (failed)" if score.failed else ""
            print(
                f"{printable(score.qid):<10} {score.ndcg_at_10:7.4f} {score.mrr_at_10:7.4f} "
                f"{score.recall_at_100:7.4f} {score.condensed_ndcg_at_10 or 0.0:8.4f} "
                f"{score.unjudged_at_10 or 0:8d}  {printable(score.query)}{note}"
            )
        print()
    print(f"queries  {report.queries} ({report.failed} failed)")
    print(f"MRR@10   {report.mrr_at_10:.4f}")
    print(f"nDCG@10  {report.ndcg_at_10:.4f}")
    print(f"R@100    {report.recall_at_100:.4f}")
    print(f"nDCG'@10 {report.condensed_ndcg_at_10 or 0.0:.4f}  (unjudged documents left out)")
    return OK


def run_serve(args) -> int:
    from web.server import serve

    serve(resolve(args.index, args.backend), host=args.host, port=args.port, threads=args.threads)
    return OK


COMMANDS = {
    "index": run_index,
    "query": run_query,
    "stats": run_stats,
    "eval": run_eval,
    "serve": run_serve,
}
COMMANDS.update({"fetch": run_fetch, "delete": run_delete, "stories": run_stories})
