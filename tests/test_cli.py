"""The command line: output, JSON shapes and exit codes (searcher.cli)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from searcher.cli import build_parser, main
from tests.support import ROOT, SAMPLE, TRAFFICKING, article

QUERY_KEYS = {"query", "total", "page", "per_page", "sort", "hits", "suggestion"}
HIT_KEYS = {"id", "title", "url", "source", "published", "score", "snippet"}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """A real ``python -m searcher`` process, from the repository root."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "100"}
    env.pop("SEARCHER_INDEX", None)
    return subprocess.run(
        [sys.executable, "-m", "searcher", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def eval_files(tmp_path):
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tkolam retensi\nq2\tzzzqqq tidakada\nq3\tbanjir\n", encoding="utf-8")
    qrels = tmp_path / "qrels.txt"
    # q1: the only article about the retention pond, found first; q2: nothing is found;
    # q3 has no judgments and is not counted
    qrels.write_text("q1 0 sample-012 1\nq2 0 sample-001 1\n", encoding="utf-8")
    return queries, qrels


# -- index -----------------------------------------------------------------------------
def test_index_prints_a_summary_and_exits_0(tmp_path, capsys):
    assert main(["index", str(SAMPLE), "--index", str(tmp_path / "ix"), "--procs", "1"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("44 added, 0 updated, 0 unchanged, 0 rejected in ")
    assert out.rstrip().endswith(f"({tmp_path / 'ix'})")
    assert err == ""
    assert main(["index", str(SAMPLE), "--index", str(tmp_path / "ix"), "--procs", "1"]) == 0
    assert capsys.readouterr().out.startswith("0 added, 0 updated, 44 unchanged, 0 rejected")


def test_index_with_a_broken_line_reports_it_and_exits_1(tmp_path, tiny_corpus, capsys):
    path = tiny_corpus.jsonl("a.jsonl", article("a"), "{broken", article("b"))
    assert main(["index", str(path), "--index", str(tmp_path / "ix"), "--procs", "1"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("2 added, 0 updated, 0 unchanged, 1 rejected")
    [line] = err.splitlines()
    assert f"{path}:2: broken JSON" in line


def test_index_reports_duplicate_ids_on_stderr(tmp_path, tiny_corpus, capsys):
    path = tiny_corpus.jsonl("a.jsonl", article("a"), article("a", "lain"))
    assert main(["index", str(path), "--index", str(tmp_path / "ix"), "--procs", "1"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert f"{path}:2: duplicate id 'a'" in line


def test_index_of_a_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["index", str(tmp_path / "nope.jsonl"), "--index", str(tmp_path / "ix")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "no such file or folder" in line


def test_index_rejects_procs_below_one(tmp_path, capsys):
    assert main(["index", str(SAMPLE), "--index", str(tmp_path / "ix"), "--procs", "0"]) == 2
    assert "--procs" in capsys.readouterr().err


def test_real_index_process_reports_rejected_lines_and_exits_1(tmp_path, tiny_corpus):
    path = tiny_corpus.jsonl("a.jsonl", article("a"), "{broken", "[1]", article("b"))
    done = run_cli("index", str(path), "--index", str(tmp_path / "ix"), "--procs", "1")
    assert done.returncode == 1
    assert done.stdout.startswith("2 added, 0 updated, 0 unchanged, 2 rejected")
    rejected = done.stderr.splitlines()
    assert len(rejected) == 2
    assert f"{path}:2: broken JSON" in rejected[0]
    assert f"{path}:3: expected a JSON object, got list" in rejected[1]


# -- query -----------------------------------------------------------------------------
def test_query_prints_a_readable_ranked_list(sample_index, capsys):
    assert main(["query", "perdagangan orang", "--index", str(sample_index), "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "\033" not in out
    lines = out.splitlines()
    assert lines[0].startswith("1. ")
    assert lines[1].strip().startswith(("Warta Nusantara", "Harian Merdeka Raya", "Kabar Kota"))
    assert " · 20" in lines[1] and "https://" in lines[1]  # source · date · URL
    assert "<mark>" not in out
    assert [line[:3] for line in lines if line[:1].isdigit() and line[1:3] == ". "] == [
        "1. ",
        "2. ",
        "3. ",
    ]
    assert lines[-1].startswith("1-3 of 6 results for 'perdagangan orang'")


def test_query_with_nothing_found_exits_1(sample_index, capsys):
    assert main(["query", "zzzqqq", "--index", str(sample_index)]) == 1
    assert capsys.readouterr().out.startswith("no results for 'zzzqqq'")


def test_a_query_without_words_finds_nothing_and_says_why(sample_index, capsys):
    assert main(["query", "!!!!", "--index", str(sample_index)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("no results for '!!!!'")
    assert (
        err == "note: q: the query has no words to search for (only punctuation or very "
        "common words); type a word, or * for every article\n"
    )


def test_query_shows_the_suggestion(sample_index, capsys):
    # An absent word is searched as its far more frequent spelling, and said (#21)...
    assert main(["query", "pwrdagangan", "--index", str(sample_index)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "showing results for 'perdagangan'; search 'pwrdagangan' as typed with --as-typed"
    )
    # ...or, as typed, suggested.
    assert main(["query", "pwrdagangan", "--as-typed", "--index", str(sample_index)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "did you mean: perdagangan"


def test_query_says_which_words_were_left_out(sample_index, capsys):
    assert main(["query", "perdagangan orang zzzqqq", "--index", str(sample_index)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "without the word(s) 'zzzqqq': too few articles hold every word"
    )


def test_query_json_has_exactly_the_documented_keys(sample_index, capsys):
    assert main(["query", "dagang", "--index", str(sample_index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == QUERY_KEYS
    assert (data["query"], data["page"], data["per_page"], data["sort"]) == (
        "dagang",
        1,
        10,
        "relevance",
    )
    assert data["total"] == 10 and len(data["hits"]) == 10
    assert data["suggestion"] is None
    for hit in data["hits"]:
        assert set(hit) >= HIT_KEYS
        assert "<mark>" in hit["snippet"]
        assert isinstance(hit["score"], float)


def test_query_json_filters_sort_and_pages(sample_index, capsys):
    args = [
        "query",
        "*",
        "--index",
        str(sample_index),
        "--json",
        "--source",
        "Kabar Kota",
        "--since",
        "2024-01",
        "--until",
        "2024",
        "--sort",
        "oldest",
        "--limit",
        "2",
        "--page",
        "2",
    ]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["total"], data["page"], data["per_page"], data["sort"]) == (4, 2, 2, "oldest")
    # Kabar Kota in 2024: 011 (Jan), 014 (Feb), 012 (May), 004 (Sep)
    assert [h["id"] for h in data["hits"]] == ["sample-012", "sample-004"]
    assert [h["published"] for h in data["hits"]] == ["2024-05-21T10:00:00", "2024-09-12T09:30:00"]


def test_query_with_a_bad_since_is_a_usage_error(sample_index, capsys):
    assert main(["query", "banjir", "--index", str(sample_index), "--since", "kemarin"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "since" in line


@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "1000"], ["--page", "0"]])
def test_query_with_bad_paging_is_a_usage_error(sample_index, capsys, args):
    assert main(["query", "banjir", "--index", str(sample_index), *args]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_query_with_a_bad_query_is_a_usage_error(sample_index, capsys):
    assert main(["query", "a*", "--index", str(sample_index)]) == 2
    assert capsys.readouterr().err.startswith("error: ")


@pytest.mark.parametrize(
    "command",
    [["query", "banjir"], ["stats"], ["eval", "--queries", "q.tsv", "--qrels", "qrels.txt"]],
)
def test_a_missing_index_is_a_one_line_message_and_exit_2(tmp_path, capsys, monkeypatch, command):
    (tmp_path / "q.tsv").write_text("q1\tbanjir\n")
    (tmp_path / "qrels.txt").write_text("q1 0 a 1\n")
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--index", str(tmp_path / "nope")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert "python -m searcher index" in line


def test_real_query_process_prints_plain_text_without_colour(sample_index):
    done = run_cli("query", "perdagangan orang", "--index", str(sample_index))
    assert done.returncode == 0, done.stderr
    assert "\033" not in done.stdout
    assert done.stdout.splitlines()[0].startswith("1. ")
    assert "of 6 results for 'perdagangan orang'" in done.stdout


def test_real_query_process_json(sample_index):
    done = run_cli(
        "query", "perdagangan orang", "--index", str(sample_index), "--json", "--limit", "5"
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == QUERY_KEYS
    assert {h["id"] for h in data["hits"]} == TRAFFICKING
    assert all("<mark>" in h["snippet"] for h in data["hits"])


def test_real_process_with_a_missing_index_exits_2(tmp_path):
    done = run_cli("query", "banjir", "--index", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert "python -m searcher index" in line


def test_real_query_process_with_nothing_found_exits_1(sample_index):
    assert run_cli("query", "zzzqqq", "--index", str(sample_index)).returncode == 1


# -- stats -----------------------------------------------------------------------------
def test_stats_json(sample_index, capsys):
    assert main(["stats", "--index", str(sample_index), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["documents"] == 44
    assert sum(data["sources"].values()) == 44
    assert (data["earliest"], data["latest"]) == ("2023-01-24T09:00:00", "2025-06-03T18:45:00")


def test_stats_text(sample_index, capsys):
    assert main(["stats", "--index", str(sample_index)]) == 0
    out = capsys.readouterr().out
    assert "documents:  44" in out
    assert "2023-01-24 to 2025-06-03" in out


# -- eval ------------------------------------------------------------------------------
def test_eval_json_on_a_known_ranking(sample_index, eval_files, capsys):
    queries, qrels = eval_files
    assert (
        main(
            [
                "eval",
                "--queries",
                str(queries),
                "--qrels",
                str(qrels),
                "--index",
                str(sample_index),
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {"MRR@10", "nDCG@10", "R@100", "queries"} <= set(data)
    assert (data["MRR@10"], data["nDCG@10"], data["R@100"], data["queries"]) == (0.5, 0.5, 0.5, 2)


def test_eval_text(sample_index, eval_files, capsys):
    queries, qrels = eval_files
    assert (
        main(
            ["eval", "--queries", str(queries), "--qrels", str(qrels), "--index", str(sample_index)]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "MRR@10   0.5000" in out
    assert "queries  2 (0 failed)" in out


def test_eval_per_query_prints_each_judged_query(sample_index, eval_files, capsys):
    queries, qrels = eval_files
    assert (
        main(
            [
                "eval",
                "--queries",
                str(queries),
                "--qrels",
                str(qrels),
                "--index",
                str(sample_index),
                "--per-query",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split() for line in lines[1:3]}
    assert set(rows) == {"q1", "q2"}  # q3 has no judgments
    assert rows["q1"][1:4] == ["1.0000", "1.0000", "1.0000"]
    assert rows["q2"][1:4] == ["0.0000", "0.0000", "0.0000"]
    assert lines[1].endswith("kolam retensi")


def test_eval_per_query_json(sample_index, eval_files, capsys):
    queries, qrels = eval_files
    assert (
        main(
            [
                "eval",
                "--queries",
                str(queries),
                "--qrels",
                str(qrels),
                "--index",
                str(sample_index),
                "--json",
                "--per-query",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert [(q["qid"], q["nDCG@10"]) for q in data["per_query"]] == [("q1", 1.0), ("q2", 0.0)]


def test_eval_with_a_malformed_qrels_line_is_a_usage_error(sample_index, eval_files, capsys):
    queries, qrels = eval_files
    qrels.write_text("q1 sample-012 1\n")
    assert (
        main(
            ["eval", "--queries", str(queries), "--qrels", str(qrels), "--index", str(sample_index)]
        )
        == 2
    )
    assert f"{qrels}:1" in capsys.readouterr().err


# -- help and usage ----------------------------------------------------------------------
def subcommands() -> list[str]:
    parser = build_parser()
    [action] = [a for a in parser._actions if a.dest == "command"]
    return sorted(action.choices)


def test_the_documented_subcommands_exist():
    assert {"index", "fetch", "delete", "query", "stats", "eval"} <= set(subcommands())


@pytest.mark.parametrize("command", subcommands())
def test_every_subcommand_has_help_text(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m searcher " + command)
    assert "--index" in out
    assert len(out.splitlines()) > 3


def test_top_level_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(command in out for command in subcommands())


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["query"],
        ["query", "x", "--sort", "date"],
        ["nope"],
        ["query", "x", "--limit", "sepuluh"],
    ],
)
def test_bad_arguments_exit_2(args, capsys):
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_delete_without_ids_is_a_usage_error(tmp_path, capsys):
    assert main(["delete", "--index", str(tmp_path / "ix")]) == 2
    assert capsys.readouterr().err == "error: delete: give at least one ID or --ids-from FILE\n"


def test_delete_with_an_unreadable_ids_file_names_it(tmp_path, capsys):
    missing = tmp_path / "ids.txt"
    assert main(["delete", "--ids-from", str(missing), "--index", str(tmp_path / "ix")]) == 2
    assert capsys.readouterr().err == (
        f"error: --ids-from: cannot read {missing}: No such file or directory\n"
    )


def test_delete_without_an_index_is_a_usage_error(tmp_path, capsys):
    assert main(["delete", "x", "--index", str(tmp_path / "ix")]) == 2
    assert capsys.readouterr().err.startswith(f"error: no index in {tmp_path / 'ix'}")
