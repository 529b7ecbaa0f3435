"""The load test (benchmarks/load.py) runs cleanly on a small index (issue 5).

Moved from test_hardening.py (#25).
"""

from __future__ import annotations


def test_the_load_test_runs_cleanly_on_a_small_index(sample_index):
    from benchmarks.load import format_table, run_load

    result = run_load(
        str(sample_index),
        clients=2,
        seconds=1.5,
        queries=["banjir", "perdagangan orang", "TPPO"],
        seed=1,
    )
    assert result["requests"] > 0 and result["errors"] == 0, result["statuses"]
    assert result["statuses"] == {"200": result["requests"]}
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert "memory did not climb" in format_table(result)
