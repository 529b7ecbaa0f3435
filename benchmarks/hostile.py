"""Time the hostile queries of the hardening issue (#12) on a real index.

Usage (from the repository root)::

    python -m benchmarks.hostile --index DIR [--repeat 3] [--json OUT]

Each query of :func:`hostile_queries` (text ranges, huge words, many random words,
many fuzzy and wildcard words, deep brackets, repeated NOTs, pasted headlines with
dashes, punctuation only...) is searched through the library like the web app does
(page 1, facets on), each time with another page size so the result cache never
answers. It prints the slowest of ``--repeat`` runs per query and the outcome
(results or the QueryError), and exits 1 if any query took 1 s or more.
Timings depend on the machine and its load: note ``uptime`` before and after.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from pathlib import Path

import searcher

LIMIT_SECONDS = 1.0


def hostile_queries(seed: int = 12) -> list[tuple[str, str]]:
    """(label, query) pairs: the inputs #12 measured, and their neighbours."""
    rng = random.Random(seed)

    def word(n: int) -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))

    random_words = " ".join(word(10) for _ in range(90))
    return [
        ("text range [a TO zzzz]", "[a TO zzzz]"),
        ("text range [b TO zzzy]", "[b TO zzzy]"),
        ("title range", "title:[a TO zzzz]"),
        ("1,000-letter word", "a" * 1000),
        ("1,000 random letters", word(1000)),
        ("999-letter word~", word(998) + "~"),
        ("90 random 10-letter words", random_words),
        ("500 one-letter words", " ".join(rng.choice(string.ascii_lowercase) for _ in range(500))),
        ("300 two-letter words", " ".join(word(2) for _ in range(330))),
        ("100 word~2 (refused above 5)", " ".join(f"{word(6)}~2" for _ in range(100))),
        ("5 random word~2 (the most allowed)", " ".join(f"{word(6)}~2" for _ in range(5))),
        ("5 real words~2", "pemerintah~2 presiden~2 jakarta~2 indonesia~2 korupsi~2"),
        ("5 other real words~2", "banjir~2 menteri~2 polisi~2 ekonomi~2 sekolah~2"),
        ("5 wildcards", "ke* me* pe* di* ber*"),
        ("5 other wildcards", "ter* se* an* in* ma*"),
        ("leading wildcards (refused)", "*an* *em* *er*"),
        ("rare leading wildcard (refused)", "?perdagangan"),
        ("one-letter prefixes", "k?rupsi b?li"),
        ("two-letter prefixes", "ko?upsi be?as pe*"),
        ("fuzzy distance 9", "perdagangan~9"),
        ("497 nested brackets", "(" * 497 + "a" + ")" * 497),
        ("500 open brackets", "(" * 500),
        ("NOT x249", "NOT " * 249),
        ("NOT NOT x124 + word", "NOT NOT " * 124 + "banjir"),
        ("OR x300", "OR " * 300),
        ("AND x250", "AND " * 250),
        ("500 dashes", "-" * 500),
        ("pasted dateline", "JAKARTA - Presiden Joko Widodo meminta menteri bekerja keras"),
        ("dates with a dash", "banjir 15 - 16 Desember"),
        ("punctuation only", "!!!!"),
        ("empty quotes", '""'),
        ("backslash", "\\"),
        ("bare star", "*"),
        ("every word at once", "-zzzzqqq"),
        (
            "long question",
            "siapakah arsitek balai kota seoul yang pertama kali dibangun pada "
            "masa penjajahan jepang di korea selatan",
        ),
        (
            "many real words",
            " ".join(
                [
                    "pemerintah presiden jakarta indonesia korupsi banjir "
                    "menteri polisi ekonomi sekolah"
                ]
                * 15
            ),
        ),
        (
            "many misspellings",
            " ".join(
                [
                    "pemerintak presidem jakarat indonesai korupsu "
                    "banjit menteru polisu ekonomu sekilah"
                ]
                * 9
            ),
        ),
    ]


def run(index_dir: str, repeat: int) -> list[dict]:
    rows = []
    with searcher.open_index(index_dir) as index:
        index.search("banjir")  # open the searcher, load the stemmer
        for label, text in hostile_queries():
            times, outcome = [], ""
            for run_number in range(repeat):
                started = time.perf_counter()
                try:
                    result = index.search(text[:1000], per_page=10 + run_number, facets=True)
                    outcome = f"{result.total} results" + (
                        f", suggestion {result.suggestion[:30]!r}" if result.suggestion else ""
                    )
                    if result.message:
                        outcome += ", message"
                except searcher.QueryError as error:
                    outcome = f"QueryError: {str(error)[:70]}"
                times.append(time.perf_counter() - started)
            rows.append(
                {
                    "query": label,
                    "chars": len(text[:1000]),
                    "max_ms": round(max(times) * 1000, 1),
                    "outcome": outcome,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.hostile", description="Time the hostile queries of #12."
    )
    parser.add_argument("--index", required=True, help="index folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query (default 3)")
    parser.add_argument("--json", metavar="OUT", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = run(args.index, max(1, args.repeat))
    width = max(len(row["query"]) for row in rows)
    for row in rows:
        print(f"{row['query']:<{width}}  {row['max_ms']:8.1f} ms  {row['outcome']}")
    slowest = max(rows, key=lambda row: row["max_ms"])
    over = [row for row in rows if row["max_ms"] >= LIMIT_SECONDS * 1000]
    print(
        f"slowest: {slowest['query']} {slowest['max_ms']} ms; "
        f"{len(over)} of {len(rows)} queries at {LIMIT_SECONDS:g} s or more"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
