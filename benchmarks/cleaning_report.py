"""What cleaning at ingest changes in a corpus, and what it costs (issues #12, #14).

    python -m benchmarks.cleaning_report [CORPUS.jsonl(.gz)] [--examples N] [--whole-ftfy]

Reads the raw titles and bodies (the readers' field aliases), runs
:func:`searcher.cleaning.clean_text` on each and reports how many changed, by kind
(surrogate, control, mojibake, nfc, empty-comma; a text can change in several
ways), and the time cleaning takes over the whole corpus (one process, first run:
ftfy's cache of repaired runs starts empty), wall and CPU. ``--whole-ftfy`` also
times (CPU) ftfy's ``fix_text`` over every whole non-ASCII text, the cost cleaning
avoids by repairing run by run.
Default corpus: ``../shared/data/news/clickid-2019.jsonl.gz``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import Counter
from pathlib import Path

from searcher.cleaning import KINDS, changes, clean_text
from searcher.ingest import FIELD_ALIASES

SHARED = Path(__file__).resolve().parents[2] / "shared"
CLICK_ID = SHARED / "data" / "news" / "clickid-2019.jsonl.gz"


def _field(record: dict, name: str) -> str:
    lowered = {str(key).strip().lower(): value for key, value in record.items()}
    for alias in FIELD_ALIASES[name]:
        value = lowered.get(alias)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def read_texts(path: Path) -> list[tuple[str, str]]:
    """(title, body) of every record of a JSON Lines file."""
    opener = gzip.open if path.name.endswith(".gz") else open
    texts = []
    with opener(path, "rt", encoding="utf-8-sig") as stream:
        for line in stream:
            if line.strip():
                record = json.loads(line)
                texts.append((_field(record, "title"), _field(record, "body")))
    return texts


def report(texts: list[tuple[str, str]], examples: int = 0) -> dict:
    """Counts of changed titles, bodies and articles, by kind, and the cleaning time."""
    started, cpu = time.perf_counter(), time.process_time()
    for title, body in texts:
        clean_text(title)
        clean_text(body)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    kinds: dict[str, Counter] = {"title": Counter(), "body": Counter()}
    changed = Counter()
    shown: dict[str, list] = {kind: [] for kind in KINDS}
    for title, body in texts:
        article_changed = False
        for field, text in (("title", title), ("body", body)):
            found = changes(text)
            if found:
                changed[field] += 1
                article_changed = True
                kinds[field].update(found)
                for kind in found:
                    if len(shown[kind]) < examples:
                        shown[kind].append(_example(text, clean_text(text)))
        changed["article"] += article_changed
    return {
        "articles": len(texts),
        "changed": {
            "articles": changed["article"],
            "titles": changed["title"],
            "bodies": changed["body"],
        },
        "by_kind": {field: {kind: kinds[field][kind] for kind in KINDS} for field in kinds},
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "ms_per_article": round(seconds * 1000 / max(1, len(texts)), 3),
        **({"examples": shown} if examples else {}),
    }


def _example(before: str, after: str) -> tuple[str, str]:
    """The first 60 characters around the first difference."""
    start = next(
        (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
        min(len(before), len(after)),
    )
    start = max(0, start - 20)
    return before[start : start + 60], after[start : start + 60]


def whole_ftfy_seconds(texts: list[tuple[str, str]]) -> float:
    import ftfy

    from searcher.cleaning import _FTFY

    started = time.process_time()
    for title, body in texts:
        for text in (title, body):
            if not text.isascii():
                ftfy.fix_text(text, _FTFY)
    return round(time.process_time() - started, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cleaning_report", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("corpus", nargs="?", default=str(CLICK_ID))
    parser.add_argument("--examples", type=int, default=0, help="examples shown per kind")
    parser.add_argument(
        "--whole-ftfy", action="store_true", help="also time ftfy over every whole text"
    )
    args = parser.parse_args(argv)
    texts = read_texts(Path(args.corpus))
    result = report(texts, args.examples)
    if args.whole_ftfy:
        result["whole_ftfy_cpu_seconds"] = whole_ftfy_seconds(texts)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
