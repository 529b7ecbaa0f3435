"""Draw the judged sample of CLICK-ID article pairs across similarity bands (issue #15).

    python -m benchmarks.story_pairs_sample [--corpus CLICK-ID] [--seed 2019] [--out PAIRS.tsv]
    python -m benchmarks.story_pairs_sample --show PAIRS.tsv [--start 0] [--count 20]
    python -m benchmarks.story_pairs_sample --scores tests/data/story_pairs.tsv

The first form draws the pairs and writes ``id_a<TAB>id_b<TAB>band`` (``id_a < id_b``),
deterministically for a given seed. The second prints compact views of pairs of a
pair file (outlet, date, title, the start of each body) for labelling by hand; it
shows no similarity score, so the labels stay independent of the stratification.
The third, for use after labelling, prints each pair with its scores (body shingle
Jaccard, lead cosine, days apart, same outlet).
``tests/data/story_pairs.md`` explains the bands and the labels.

Stratification uses two simple similarities, independent of the project's groupings:
word 5-shingle Jaccard of the bodies (the copy bands) and the cosine of TF-IDF vectors
of the title plus the first three sentences (the story bands, for pairs with a
shingle Jaccard below 0.2 and at most 7 days apart). Articles are read and cleaned by
:func:`searcher.ingest.read_articles`; bodies shorter than 300 characters (e.g. the
scrape's ",,,loading...") are left out.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
from collections import Counter, defaultdict
from datetime import date
from hashlib import blake2b
from pathlib import Path

from searcher.ingest import read_articles
from searcher.models import Article

SHARED = Path(__file__).resolve().parents[2] / "shared"
CLICK_ID = SHARED / "data" / "news" / "clickid-2019.jsonl.gz"

MIN_BODY_CHARS = 300
SHINGLE = 5
# Shingles found in more articles than this are boilerplate (outlet footers, "baca juga"),
# not evidence of a copy; they are left out of candidate generation only.
MAX_SHINGLE_DF = 30
# Terms in more leads than this are too common to propose candidates; they still count
# in the cosine of a candidate pair.
MAX_TERM_DF = 500
MAX_DAYS = 7
# (name, low, high, how many pairs); "j" bands on shingle Jaccard, "c" bands on lead cosine.
BANDS = (
    ("j>=0.8", 0.8, 1.01, 30),
    ("j0.5-0.8", 0.5, 0.8, 30),
    ("j0.2-0.5", 0.2, 0.5, 30),
    ("c>=0.6", 0.6, 1.01, 25),
    ("c0.4-0.6", 0.4, 0.6, 25),
    ("c0.25-0.4", 0.25, 0.4, 25),
    ("c0.1-0.25", 0.1, 0.25, 25),
)
RANDOM_BAND = ("random7d", 25)
# Spreading: a band takes at most this many pairs from one (unordered) pair of outlets,
# and the sample at most EVENT_PAIRS pairs whose leads are this similar to each other
# (a rough "same event" test), so no band is one giant story.
PER_OUTLET_PAIR = 5
EVENT_COSINE = 0.4
EVENT_PAIRS = 2
ANCHORS = 4000

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def words(text: str) -> list[str]:
    return [word for word in _WORD.findall(text.lower()) if not word.isdigit()]


def shingles(text: str) -> set[int]:
    tokens = words(text)
    # A stable digest (not hash()): the sample must not depend on PYTHONHASHSEED.
    return {
        int.from_bytes(blake2b(" ".join(tokens[i : i + SHINGLE]).encode(), digest_size=8).digest())
        for i in range(len(tokens) - SHINGLE + 1)
    }


def lead(article: Article) -> str:
    sentences = _SENTENCE_END.split(article.body.strip())
    return article.title + " . " + " ".join(sentences[:3])


def jaccard(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def load(path: Path) -> list[Article]:
    articles = [item for item in read_articles(path) if isinstance(item, Article)]
    kept = [a for a in articles if len(a.body) >= MIN_BODY_CHARS and a.published]
    return sorted(kept, key=lambda a: a.id)


def tfidf(texts: list[str]) -> tuple[list[dict[str, float]], Counter]:
    bags = [Counter(words(text)) for text in texts]
    df = Counter(term for bag in bags for term in bag)
    n = len(texts)
    vectors = []
    for bag in bags:
        vector = {t: (1 + math.log(c)) * math.log(n / df[t]) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({t: v / norm for t, v in vector.items()})
    return vectors, df


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def day(article: Article) -> date:
    return article.published.date()


def draw(articles: list[Article], seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    n = len(articles)
    sets = [shingles(a.body) for a in articles]
    vectors, df = tfidf([lead(a) for a in articles])
    days = [day(a) for a in articles]
    print(f"{n} articles with a body of {MIN_BODY_CHARS}+ characters", file=sys.stderr)

    # Copy candidates: pairs sharing a rare shingle; exact Jaccard for each.
    postings: dict[int, list[int]] = defaultdict(list)
    for i, items in enumerate(sets):
        for s in items:
            postings[s].append(i)
    overlap: Counter = Counter()
    for docs in postings.values():
        if 1 < len(docs) <= MAX_SHINGLE_DF:
            for x in range(len(docs)):
                for y in range(x + 1, len(docs)):
                    overlap[docs[x], docs[y]] += 1
    scored: dict[tuple[int, int], float] = {}
    for (i, j), count in overlap.items():
        if count >= 5:
            scored[i, j] = jaccard(sets[i], sets[j])
    by_band: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pair, value in scored.items():
        for name, low, high, _ in BANDS[:3]:
            if low <= value < high:
                by_band[name].append(pair)

    # Story candidates: lead cosine of anchor articles against articles within MAX_DAYS.
    lead_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, vector in enumerate(vectors):
        for t, weight in vector.items():
            if df[t] <= MAX_TERM_DF:
                lead_postings[t].append((i, weight))
    anchors = list(range(n))
    rng.shuffle(anchors)
    seen: set[tuple[int, int]] = set()
    for i in anchors[:ANCHORS]:
        partial: Counter = Counter()
        for t, weight in vectors[i].items():
            if df[t] <= MAX_TERM_DF:
                for j, other in lead_postings[t]:
                    partial[j] += weight * other
        for j, rare_part in sorted(partial.items()):
            pair = (min(i, j), max(i, j))
            if (
                i == j
                or rare_part < 0.05
                or pair in seen
                or abs((days[i] - days[j]).days) > MAX_DAYS
            ):
                continue
            seen.add(pair)
            value = cosine(vectors[i], vectors[j])
            if value < 0.1 or scored.get(pair, jaccard(sets[i], sets[j])) >= 0.2:
                continue
            for name, low, high, _ in BANDS[3:]:
                if low <= value < high:
                    by_band[name].append(pair)
    for name, *_ in BANDS:
        print(f"{name}: {len(by_band[name])} candidates", file=sys.stderr)

    chosen: list[tuple[int, int, str]] = []

    def fits(i: int, j: int, taken: Counter) -> bool:
        if any(i in pair[:2] or j in pair[:2] for pair in chosen):
            return False
        outlets = tuple(sorted((articles[i].source, articles[j].source)))
        if taken[outlets] >= PER_OUTLET_PAIR:
            return False
        same_event = sum(
            1
            for a, b, _ in chosen
            if max(cosine(vectors[x], vectors[y]) for x in (i, j) for y in (a, b)) >= EVENT_COSINE
        )
        return same_event < EVENT_PAIRS

    def take(name: str, candidates: list[tuple[int, int]], want: int) -> None:
        candidates = sorted(candidates)
        rng.shuffle(candidates)
        taken: Counter = Counter()
        got = 0
        for i, j in candidates:
            if got == want:
                break
            if fits(i, j, taken):
                chosen.append((i, j, name))
                taken[tuple(sorted((articles[i].source, articles[j].source)))] += 1
                got += 1
        print(f"{name}: took {got} of {want}", file=sys.stderr)

    for name, _, _, want in BANDS:
        take(name, by_band[name], want)
    name, want = RANDOM_BAND
    by_day: dict[date, list[int]] = defaultdict(list)
    for i, d in enumerate(days):
        by_day[d].append(i)
    random_pairs = []
    while len(random_pairs) < want * 20:
        i = rng.randrange(n)
        near = [
            j
            for offset in range(-MAX_DAYS, MAX_DAYS + 1)
            for j in by_day.get(date.fromordinal(days[i].toordinal() + offset), [])
        ]
        j = rng.choice(near)
        if i != j:
            random_pairs.append((min(i, j), max(i, j)))
    take(name, random_pairs, want)

    rows = []
    for i, j, band in chosen:
        a, b = sorted((articles[i].id, articles[j].id))
        rows.append((a, b, band))
    return rows


def show(
    articles: dict[str, Article], pairs_path: Path, start: int, count: int, chars: int
) -> None:
    with open(pairs_path, encoding="utf-8") as stream:
        rows = [line.rstrip("\n").split("\t") for line in stream][1:]
    for number, row in enumerate(rows[start : start + count], start):
        print(f"=== pair {number}: {row[0]} {row[1]}")
        for article_id in row[:2]:
            a = articles[article_id]
            body = " ".join(a.body.split())
            print(f"  [{a.source} {a.published:%Y-%m-%d %H:%M}, {len(body)} chars] {a.title}")
            print(f"    {body[:chars]}")
            if len(body) > chars:
                print(f"    ... {body[-chars // 2 :]}")


def scores(articles: list[Article], pairs_path: Path) -> None:
    """Print each pair of a pair file with its stratification scores (after labelling)."""
    index = {a.id: i for i, a in enumerate(articles)}
    vectors, _ = tfidf([lead(a) for a in articles])
    with open(pairs_path, encoding="utf-8") as stream:
        lines = [line.rstrip("\n").split("\t") for line in stream]
    print("\t".join(lines[0][:4] + ["jaccard", "lead_cosine", "days", "same_outlet"]))
    labelled: list[tuple[str, float]] = []
    for row in lines[1:]:
        i, j = index.get(row[0]), index.get(row[1])
        if i is None or j is None:
            print("\t".join(row[:4] + ["", "", "", ""]))
            continue
        a, b = articles[i], articles[j]
        value = jaccard(shingles(a.body), shingles(b.body))
        labelled.append((row[2], value))
        print(
            "\t".join(
                row[:4]
                + [
                    f"{value:.3f}",
                    f"{cosine(vectors[i], vectors[j]):.3f}",
                    str(abs((day(a) - day(b)).days)),
                    str(int(a.source == b.source)),
                ]
            )
        )
    # Within the sample only: the copy bands are over-represented, so these are not
    # corpus-wide figures, but they show where duplicates stop.
    duplicates = sum(1 for label, _ in labelled if label == "duplicate")
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        above = [label for label, value in labelled if value >= threshold]
        hits = above.count("duplicate")
        print(
            f"jaccard >= {threshold}: {len(above)} pairs, {hits} duplicates, "
            f"precision {hits / max(len(above), 1):.3f}, "
            f"share of the sample's duplicates {hits / max(duplicates, 1):.3f}",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CLICK_ID)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--out", type=Path, help="pair file to write (default: stdout)")
    parser.add_argument("--show", type=Path, help="print pairs of this file for labelling")
    parser.add_argument(
        "--scores", type=Path, help="print the pairs of this file with their stratification scores"
    )
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--chars", type=int, default=600)
    args = parser.parse_args(argv)
    if args.show:
        wanted = {a.id: a for a in read_articles(args.corpus) if isinstance(a, Article)}
        show(wanted, args.show, args.start, args.count, args.chars)
        return
    if args.scores:
        scores(load(args.corpus), args.scores)
        return
    rows = draw(load(args.corpus), args.seed)
    text = "id_a\tid_b\tband\n" + "".join("\t".join(row) + "\n" for row in rows)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
