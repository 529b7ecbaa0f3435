"""The import graph of the code, read from its imports (function-level ones too): no
circle, and no arrow running back up the layers (#25).

Layers, lowest first: what a module may import is in its own layer or below.

* ``foundation``: errors, data files, bounded caches;
* ``words``: Indonesian words: tokens, stop words, stems and the vocabulary, synonyms;
* ``core``: plain data (articles, results), settings, requests and their validation;
* ``analysis``: the analysis chain and the index schema built on it;
* ``corpus``: reading articles (files, records, the web's pages and feeds);
* ``engine``: queries, matching terms, snippets, results, grouping: what a search
  is, whatever stores the index;
* ``storage``: the Whoosh folder and a Manticore/Sphinx cluster (siblings: neither
  imports the other);
* ``library``: choosing a backend, the package's API, fetching, saved searches;
* ``shells``: the command line (never Whoosh).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "searcher"

LAYERS: dict[str, tuple[str, ...]] = {
    "foundation": ("errors", "resources", "files", "lru", "version"),
    "words": ("tokenizer", "stopwords", "stemmer", "stemtable", "synonyms"),
    "core": (
        "models",
        "dates",
        "ranking",
        "checks",
        "request",
        "categories",
        "duplicates",
        "scoring",
        "evaluation",
        "cleaning",
        "listfiles",
    ),
    "analysis": ("analysis", "schema", "spelling", "stories", "neighbours"),
    "corpus": ("readers", "ingest", "upserts", "fetching"),
    "engine": ("query", "snippets", "results", "grouping", "export", "collect"),
    "storage": ("whoosh", "manticore"),
    "library": ("backends", "", "fetch", "watch", "watchstore", "alertlog", "alerts"),
    "shells": (
        "cli",
        "cli_output",
        "cli_parser",
        "cli_indexing",
        "cli_search",
        "cli_watch",
        "__main__",
    ),
}
ORDER = list(LAYERS)


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of searcher that ``name`` imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] + [node.module or ""]
                module = "searcher." + ".".join(p for p in base if p)
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
        else:
            continue
        for target in targets:
            if target == "searcher" or target.startswith("searcher."):
                short = target.removeprefix("searcher").removeprefix(".")
                if short in known:
                    found.add(short)
                    break  # "from searcher.x import y": y if it is a module, else x
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def layer(name: str) -> str:
    """The layer of module ``name`` (the longest matching prefix decides)."""
    best, found = -1, None
    for layer_name, prefixes in LAYERS.items():
        for prefix in prefixes:
            matches = name == prefix or (prefix and name.startswith(prefix + "."))
            if matches and len(prefix) > best:
                best, found = len(prefix), layer_name
    if found is None:
        raise AssertionError(f"searcher.{name} is in no layer: add it to LAYERS")
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_every_import():
    edges = graph()
    # module level, function level ("from searcher import fetch" in cli_indexing.run_fetch)
    assert "backends" in edges["cli_indexing"] and "fetch" in edges["cli_indexing"]
    assert "stemmer" in edges["analysis"]
    assert "query.parser" in edges["query.plan"]
    assert "" in edges["__main__"] or "cli" in edges["__main__"]


def test_no_circle():
    assert cycles(graph()) == []


def test_no_arrow_runs_back_up():
    upward = [
        f"searcher.{name or '(package)'} ({layer(name)}) imports "
        f"searcher.{other or '(package)'} ({layer(other)})"
        for name, targets in sorted(graph().items())
        for other in sorted(targets)
        if ORDER.index(layer(other)) > ORDER.index(layer(name))
    ]
    assert upward == []


@pytest.mark.parametrize(("one", "other"), [("whoosh", "manticore"), ("manticore", "whoosh")])
def test_storages_are_siblings(one, other):
    borrowed = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        if name.startswith(one + ".") or name == one
        for target in targets
        if target == other or target.startswith(other + ".")
    ]
    assert borrowed == []


def test_the_engine_does_not_import_a_storage():
    """The query parser takes the schema from searcher.schema, not whoosh/storage."""
    assert "schema" in graph()["query.parser"]
    assert "whoosh.storage" not in graph()["query.parser"]


def test_the_command_line_never_imports_whoosh():
    for name, path in modules().items():
        if layer(name) == "shells":
            text = path.read_text(encoding="utf-8")
            assert "import whoosh" not in text and "from whoosh" not in text, name
            assert not any(t.startswith("whoosh") for t in graph()[name]), name


def test_a_circle_and_an_upward_arrow_are_found():
    """The checks can fail: a made-up graph with both."""
    edges = {"a": {"b"}, "b": {"a"}, "c": set()}
    assert cycles(edges) == [["a", "b"]]
    assert layer("query.parser") == "engine" and layer("whoosh.reader") == "storage"
    assert layer("fetching.client") == "corpus" and layer("") == "library"
    assert ORDER.index(layer("whoosh.storage")) > ORDER.index(layer("query.parser"))
