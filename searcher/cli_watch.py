"""Command line of saved searches: ``watch add|list|remove|run``, and the run after each
round of ``fetch`` (the work is :mod:`searcher.watch` and :mod:`searcher.alerts`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from searcher import watch
from searcher.backends import open_index, resolve

OK, NOTHING, USAGE = 0, 1, 2


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--watches",
        metavar="FILE",
        default=None,
        help="the saved searches' database (default: watches.sqlite in the index folder)",
    )


def alert_options(parser: argparse.ArgumentParser) -> None:
    """Where new matches go (``watch run`` and ``fetch``)."""
    _store_option(parser)
    parser.add_argument(
        "--alert-log",
        metavar="FILE",
        default=None,
        help="JSON Lines log of new matches, each exactly once (default: "
        "alerts.jsonl beside the database)",
    )
    parser.add_argument(
        "--alert-command",
        metavar="CMD",
        default=None,
        help="also run CMD (by the shell) per saved search with new matches, "
        "their JSON on its standard input",
    )
    parser.add_argument(
        "--alert-webhook",
        metavar="URL",
        default=None,
        help="also POST the JSON of each saved search's new matches to URL",
    )
    parser.add_argument(
        "--alert-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="give up on one delivery attempt after this long (default 10)",
    )
    parser.add_argument(
        "--alert-retries",
        type=int,
        default=2,
        metavar="N",
        help="attempts after a failed delivery, with doubling pauses (default 2)",
    )


def add_parser(commands, index_option) -> None:
    """The ``watch`` command and its subcommands, on the CLI's subparsers."""
    parser = commands.add_parser(
        "watch",
        help="saved searches and alerts of new matching articles",
        description="Save searches and report the articles indexed since each one's last "
        "run. Each subcommand takes --index DIR (or --backend) and --watches FILE.",
    )
    actions = parser.add_subparsers(dest="watch_command", required=True, metavar="ACTION")

    add = actions.add_parser(
        "add",
        help="save a search",
        description="Save a search: later runs report the articles "
        "indexed from now on that match it.",
    )
    add.add_argument("name", metavar="NAME", help="the saved search's name")
    add.add_argument("query", metavar="QUERY", help="the query (same syntax as query)")
    add.add_argument("--source", action="append", help="only this source (repeatable)")
    add.add_argument("--category", action="append", help="only this category (repeatable)")
    add.add_argument("--since", metavar="DATE", help="published on or after (2019-09-01)")
    add.add_argument("--until", metavar="DATE", help="published on or before (2019-09-30)")

    listing = actions.add_parser(
        "list",
        help="list the saved searches",
        description="List the saved searches and their last runs.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON")

    remove = actions.add_parser(
        "remove",
        help="delete a saved search",
        description="Delete a saved search and its recorded matches.",
    )
    remove.add_argument("name", metavar="NAME")

    run = actions.add_parser(
        "run",
        help="report new matches of every saved search",
        description="For each saved search, the articles indexed since its last run that "
        "match it; each is written once to the alert log, and to the command "
        "or webhook if given. Exit code 0, 1 if a search or delivery failed.",
    )
    run.add_argument("--json", action="store_true", help="print JSON")
    alert_options(run)
    for sub in (add, listing, remove):
        _store_option(sub)
    for sub in (add, listing, remove, run):
        index_option(sub)
    parser.set_defaults(run_command=run_watch)


def _store(args, location: str) -> watch.WatchStore:
    path = Path(args.watches) if args.watches else watch.default_database(location)
    return watch.WatchStore(path)


def run_watch(args) -> int:
    from searcher.cli_output import printable, to_json

    location = resolve(args.index, args.backend)
    if args.watch_command == "list":
        with _store(args, location) as store:
            watches = store.watches()
        if args.json:
            print(to_json({"watches": [w.to_json() for w in watches]}))
        for w in watches:
            if not args.json:
                filters = " ".join(
                    f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in w.filters.items()
                )
                print(
                    f"{printable(w.name)}: {printable(w.query)}"
                    + (f" [{printable(filters)}]" if filters else "")
                    + f" (last run {w.last_run or 'never'})"
                )
        if not watches and not args.json:
            print("no saved searches")
        return OK
    if args.watch_command == "remove":
        with _store(args, location) as store:
            removed = store.remove(args.name)
        if not removed:
            print(f"error: no saved search named {printable(args.name)!s}", file=sys.stderr)
            return NOTHING
        print(f"removed {printable(args.name)}")
        return OK
    if args.watch_command == "add":
        filters = watch.filter_arguments(args.source, args.category, args.since, args.until)
        with _store(args, location) as store, open_index(location) as index:
            saved = watch.add_watch(index, store, args.name, args.query, filters)
        print(
            f"saved {printable(saved.name)}: {printable(saved.query)}; new articles from "
            f"now on are reported by: python -m searcher watch run"
        )
        return OK
    report = run_saved_searches(args, location)
    if args.json:
        print(to_json(report.to_json()))
    else:
        print(format_report(report, printable))
    return NOTHING if report.errors or report.failed else OK


def run_saved_searches(args, location: str) -> watch.RunReport:
    from searcher.alerts import Pusher

    pusher = None
    if args.alert_command or args.alert_webhook:
        pusher = Pusher(
            command=args.alert_command,
            webhook=args.alert_webhook,
            timeout=args.alert_timeout,
            retries=args.alert_retries,
        )
    with _store(args, location) as store, open_index(location) as index:
        return watch.run_watches(index, store, log=args.alert_log, pusher=pusher)


def format_report(report: watch.RunReport, printable) -> str:
    lines = []
    current = None
    for match in report.matches:
        if match.watch != current:
            current = match.watch
            count = sum(1 for m in report.matches if m.watch == current)
            lines.append(f"{printable(current)}: {count} new")
        lines.append(
            "  "
            + printable(
                " · ".join(
                    part
                    for part in (
                        (match.published or "")[:16].replace("T", " "),
                        match.source,
                        match.title,
                        match.url,
                    )
                    if part
                )
            )
        )
    for name, message in report.errors:
        lines.append(f"error: watch {printable(name)}: {printable(message)}")
    for failure in report.failed:
        lines.append(f"failed: {printable(failure)}")
    lines.append(
        f"{len(report.matches)} new matches of {report.watches} saved searches"
        + (f" ({report.recovered} recovered from an interrupted run)" if report.recovered else "")
    )
    return "\n".join(lines)


def after_fetch_round(args, location: str) -> None:
    """``fetch``: run the saved searches after a round, if there are any (never fails the
    fetch: a problem is one line on standard error)."""
    from searcher.cli_output import printable
    from searcher.errors import SearcherError

    try:
        path = Path(args.watches) if args.watches else watch.default_database(location)
    except SearcherError:
        return  # a cluster without --watches: no saved searches
    if not path.exists():
        return
    try:
        report = run_saved_searches(args, location)
    except SearcherError as error:
        print(f"error: saved searches: {printable(error)}", file=sys.stderr)
        return
    for name, message in report.errors:
        print(f"error: watch {printable(name)}: {printable(message)}", file=sys.stderr)
    for failure in report.failed:
        print(f"failed: {printable(failure)}", file=sys.stderr)
    counts: dict[str, int] = {}
    for match in report.matches:
        counts[match.watch] = counts.get(match.watch, 0) + 1
    detail = ", ".join(f"{printable(name)} {count}" for name, count in counts.items())
    print(
        f"saved searches: {len(report.matches)} new matches" + (f" ({detail})" if detail else ""),
        flush=True,
    )
