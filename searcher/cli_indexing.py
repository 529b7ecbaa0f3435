"""Commands that change the index: ``index``, ``fetch`` and ``delete``."""

from __future__ import annotations

import sys
import time

from searcher import cli_watch
from searcher.backends import build_index, delete_documents, resolve
from searcher.cli_output import NOTHING, OK, USAGE, printable
from searcher.errors import SearcherError
from searcher.listfiles import read_list
from searcher.models import Article, Rejected
from searcher.readers import read_articles


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
                code = _fetch_once(fetch, urls, location, args)
                cli_watch.after_fetch_round(args, location)
                return code
            try:
                _fetch_once(fetch, urls, location, args)
                cli_watch.after_fetch_round(args, location)  # saved searches (#26)
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
