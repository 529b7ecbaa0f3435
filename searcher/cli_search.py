"""Commands that read the index: ``query``, ``stories``, ``stats``, ``check``, ``eval``
and ``serve``."""

from __future__ import annotations

import sys

from searcher import evaluation
from searcher.backends import check_index, open_index, resolve
from searcher.cli_output import NOTHING, OK, _Colour, format_result, printable, to_json
from searcher.dates import DateError, parse_user_date
from searcher.errors import SearcherError
from searcher.request import Filters


def run_query(args) -> int:
    filters = Filters.build(
        source=args.source, category=args.category, since=args.since, until=args.until
    )
    if args.format in ("csv", "jsonl"):
        return _export(args, filters)
    with open_index(resolve(args.index, args.backend)) as index:
        result = index.search(
            args.text,
            page=args.page,
            per_page=10 if args.limit is None else args.limit,
            filters=filters,
            sort=args.sort,
            collapse=args.collapse,
            as_typed=args.as_typed,
        )
    for warning in result.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    if result.message:  # a query without words (#12)
        print(f"note: {printable(result.message)}", file=sys.stderr)
    if args.json or args.format == "json":
        print(to_json(result.to_json()))
    else:
        print(format_result(result, _Colour(sys.stdout.isatty())))
    return OK if result.hits else NOTHING


def _export(args, filters: Filters) -> int:
    """``query --format csv|jsonl``: every result up to ``--limit``, streamed (#26)."""
    from searcher import export

    limit = export.check_limit(args.limit)
    options = {
        "filters": filters,
        "sort": args.sort,
        "collapse": args.collapse,
        "as_typed": args.as_typed,
    }
    with open_index(resolve(args.index, args.backend)) as index:
        first = export.first_page(index, args.text, **options)
        for warning in first.warnings:
            print(f"warning: {printable(warning)}", file=sys.stderr)
        found = export.hits(index, args.text, limit=limit, first_page=first, **options)
        for chunk in export.lines(args.format, found):
            sys.stdout.write(chunk)
    sys.stdout.flush()
    return OK if first.hits else NOTHING


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


def run_check(args) -> int:
    location = resolve(args.index, None)
    problems = check_index(location, quick=args.quick)
    for problem in problems:
        print(f"damaged: {printable(problem)}", file=sys.stderr)
    if any(not problem.derived for problem in problems):
        print(
            f"the index cannot be trusted; rebuild it with: python -m searcher index "
            f"SOURCE... --rebuild --index {printable(location)}",
            file=sys.stderr,
        )
    elif problems:
        print(
            "only derived files are damaged: searches work, and the next index run "
            "writes them again",
            file=sys.stderr,
        )
    else:
        print(f"ok: {printable(location)}")
    return NOTHING if problems else OK


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
