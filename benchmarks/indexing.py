"""Indexing alone, ours against the plain reference, in one run (issue 22).

    python -m benchmarks.indexing --workdir /tmp/bulk-run [--limit N] [--procs P] [--keep]

Each engine indexes the corpus in a fresh child process (the same child as
:mod:`benchmarks.run`'s, :func:`benchmarks.harness.index_child`): wall time,
CPU time of every process, size on disk, and the size of each kind of file
(by extension: what the index's bytes are). No queries.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
from pathlib import Path

from benchmarks.corpora import DEFAULT_CORPUS
from benchmarks.harness import run_child
from benchmarks.measures import MB, directory_size


def sizes_by_kind(folder: Path) -> dict[str, int]:
    """Bytes per file extension (``.cpp``, ``.trm``, ...) of an index folder."""
    kinds: collections.Counter = collections.Counter()
    for path in folder.rglob("*"):
        if path.is_file():
            kinds[path.suffix or path.name] += path.stat().st_size
    return dict(kinds.most_common())


def measure(engine: str, args: argparse.Namespace) -> dict:
    index_dir = args.workdir / engine
    shutil.rmtree(index_dir, ignore_errors=True)
    spec = {
        "task": "index",
        "engine": engine,
        "corpus": [str(args.corpus)],
        "scale": 1,
        "limit": args.limit,
        "index_dir": str(index_dir),
        "procs": args.procs,
        "stem_cache": False,
        "result_cache": False,
        "posting_cache": True,
    }
    result = run_child(spec, args.workdir)
    result["size_bytes"] = directory_size(index_dir)
    result["kinds"] = sizes_by_kind(index_dir)
    if not args.keep:
        shutil.rmtree(index_dir, ignore_errors=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.indexing", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the indexes in --workdir")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    engines = ["ours"] if args.skip_reference else ["reference", "ours"]
    results = {}
    for engine in engines:
        r = results[engine] = measure(engine, args)
        print(
            f"{engine}: {r['articles']:,} articles, wall {r['seconds']:.1f} s, "
            f"CPU {r['cpu_seconds']:.1f} s, size {r['size_bytes'] / MB:.1f} MB",
            flush=True,
        )
        for kind, size in r["kinds"].items():
            print(f"    {kind:12} {size / MB:8.1f} MB")
    if len(results) == 2:
        ours, ref = results["ours"], results["reference"]
        print(
            f"ours/reference: throughput {ref['seconds'] / ours['seconds']:.2f}x, "
            f"CPU {ours['cpu_seconds'] / ref['cpu_seconds']:.2f}x, "
            f"size {ours['size_bytes'] / ref['size_bytes']:.2f}x"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
