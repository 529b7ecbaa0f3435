"""Category labels normalised to canonical Indonesian names (``data/categories.txt``).

Outlets label the same section differently ("Ekbis", "Economy", "Bisnis"):
facets and filters use the canonical name (``ekonomi``), and the outlet's
own label is kept beside it. A comma-separated label is several categories,
each normalised; a label the table does not know stays as it is, lowercased
with its whitespace collapsed.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from whoosh.analysis import Filter

DATA_FILE = "categories.txt"


class CategoryTableError(ValueError):
    """A line of the categories file that cannot be used (names the file and line)."""


def parse_table(lines: list[str], name: str = DATA_FILE) -> dict[str, str]:
    """label → canonical name, from the lines of a categories file."""
    table: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        canonical, colon, labels = line.partition(":")
        canonical = _plain(canonical)
        if not colon or not canonical:
            raise CategoryTableError(
                f"{name}:{number}: expected 'canonical: label, label', got {raw.strip()!r}"
            )
        for label in [canonical, *(_plain(part) for part in labels.split(","))]:
            if not label:
                continue
            if table.get(label, canonical) != canonical:
                raise CategoryTableError(
                    f"{name}:{number}: {label!r} is already a label of {table[label]!r}"
                )
            table[label] = canonical
    return table


@cache
def category_table() -> dict[str, str]:
    """The package's table (read once per process)."""
    text = resources.files("searcher").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return parse_table(text.splitlines())


def _plain(label: str) -> str:
    return " ".join(label.split()).lower()


def normalize_label(label: str) -> str:
    """One label's canonical name (``"Ekbis"`` → ``"ekonomi"``)."""
    plain = _plain(label)
    return category_table().get(plain, plain)


def normalize_category(value: str) -> str:
    """A category value with each comma-separated label normalised (duplicates dropped)."""
    labels = (normalize_label(part) for part in value.split(",")) if value else ()
    return ", ".join(dict.fromkeys(label for label in labels if label))


class CategoryFilter(Filter):
    """Whoosh filter: each token (one label) becomes its canonical name, so a query's
    ``kategori:Ekbis`` finds articles indexed as ``ekonomi``."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = normalize_label(token.text)
            yield token
