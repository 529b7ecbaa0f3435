"""benchmarks/indexing.py: both engines index the same articles in one run, and the
size is told by kind of file (what an index's bytes are)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import indexing

SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "sample.jsonl"


def test_indexing_benchmark_measures_both_engines_and_their_files(tmp_path, capsys):
    out = tmp_path / "result.json"
    argv = ["--corpus", str(SAMPLE), "--workdir", str(tmp_path / "work"), "--limit", "20"]
    assert indexing.main([*argv, "--procs", "2", "--keep", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert set(results) == {"ours", "reference"}
    for engine, result in results.items():
        assert result["articles"] == 20, engine
        assert sum(result["kinds"].values()) == result["size_bytes"], engine
        assert result["cpu_seconds"] > 0
    assert {".cpi", ".cpt", ".trm"} <= set(results["ours"]["kinds"])  # our codec's files
    assert ".cpi" not in results["reference"]["kinds"]
    assert "ours/reference: throughput" in capsys.readouterr().out
