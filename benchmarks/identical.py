"""Duplicate grouping on many identical or near-identical articles (issue #24, item 11).

Usage (from the repository root)::

    python -m benchmarks.identical [--sizes 1000,2000,4000,8000] [--near]

Times the grouping step the indexer runs at the end of a run
(:meth:`searcher.grouping.Collector.assign`: LSH duplicate groups, then stories) on
N articles with one body (paywall and boilerplate pages), and with ``--near`` on N
bodies that differ by one word (each a distinct signature: the bucket cap is what
bounds them). Signing (MinHash) is not timed: it is linear and was never the problem.
Prints one line per size: seconds, groups, stories.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

from searcher.grouping import Collector
from searcher.models import Article
from tests.support import sample_records

START = datetime(2019, 9, 1, 8, 0)


def articles(count: int, near: bool) -> list[Article]:
    body = " ".join(record["body"] for record in sample_records()[:3])
    words = body.split()
    made = []
    for n in range(count):
        text = body
        if near:  # one word replaced, at a place that varies: a distinct signature
            changed = list(words)
            changed[n % len(words)] = f"kata{n}"
            text = " ".join(changed)
        made.append(
            Article(
                id=f"copy-{n:06d}",
                title="Berlangganan untuk membaca",
                body=text,
                published=START + timedelta(minutes=n),
            )
        )
    return made


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000")
    parser.add_argument("--near", action="store_true")
    args = parser.parse_args(argv)
    for size in map(int, args.sizes.split(",")):
        collector = Collector(rebuild=True)
        for article in articles(size, args.near):
            collector.add(article)
        started = time.process_time()
        entries = collector.assign()
        seconds = time.process_time() - started
        print(
            f"{size:>6} {'near-identical' if args.near else 'identical'}: "
            f"{seconds:6.2f} s CPU, {len(set(entries.duplicate))} duplicate groups, "
            f"{len(set(entries.story))} stories",
            flush=True,
        )


if __name__ == "__main__":
    main()
