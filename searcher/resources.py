"""Access to the package's linguistic data files (``searcher/data``)."""

from __future__ import annotations

from importlib import resources


def read_lines(name: str) -> list[str]:
    """Non-blank, non-comment lines of a data file, stripped."""
    text = resources.files("searcher").joinpath("data", name).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def read_word_list(name: str) -> list[str]:
    """A word-per-line data file, lowercased."""
    return [line.casefold() for line in read_lines(name)]
