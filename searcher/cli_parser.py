"""The command line's arguments: one sub-command each (:func:`build_parser`)."""

from __future__ import annotations

import argparse
import os

from searcher import cli_watch
from searcher.backends import BACKEND_ENV
from searcher.grouping import COLLAPSE_MODES, STORY_LIST_SORTS
from searcher.request import SORTS


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
    cli_watch.alert_options(fetch)  # the saved searches run after each round (#26)

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
    query.add_argument(
        "--limit",
        type=int,
        default=None,
        help="results per page (default 10); with --format csv|jsonl, rows "
        "(default and at most 10000)",
    )
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
        "--format",
        choices=("text", "json", "csv", "jsonl"),
        default=None,
        help="text (default), json (as --json), or every result (up to "
        "--limit) as csv or jsonl, streamed (#26)",
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

    check = commands.add_parser(
        "check",
        help="verify that every file of the index reads whole",
        description="Open each segment and read its terms, postings, stored fields and "
        "columns, then the groups' state and the stem table; name each damaged "
        "file and say how to recover (exit code 1 if any).",
    )
    check.add_argument(
        "--index",
        metavar="DIR",
        default=None,
        help="index folder (default: $SEARCHER_INDEX or index/)",
    )
    check.add_argument(
        "--quick", action="store_true", help="do not read every posting list (the largest part)"
    )

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

    cli_watch.add_parser(commands, _index_option)

    serve = commands.add_parser("serve", help="run the web front end")
    _index_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--threads", type=int, default=8)
    return parser
