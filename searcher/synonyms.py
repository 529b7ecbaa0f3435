"""Query-time expansion of acronyms and synonyms (``data/synonyms.txt`` and
``data/thesaurus.txt``).

Each line of the data files is a group of equivalent expressions, e.g.
``tppo, tindak pidana perdagangan orang, perdagangan orang``. A query that
contains one of them also searches for the others:

    perdagangan orang  →  ((perdagangan orang) OR "perdagangan orang" OR tppo OR ...)

The user's own words stay in the query unquoted, so documents that contain
only some of them are still found; the expansions only add matches. Words
inside quotes, after a field prefix or an operator are left alone.
Expansion happens at query time only, so editing the file needs no re-index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from searcher.resources import read_lines
from searcher.tokenizer import words

MAX_EXPRESSION_WORDS = 6
_QUERY_PIECE = re.compile(r'"[^"]*"?|\S+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE"})
_SYNTAX = re.compile(r'[:()"*?~^\[\]{}]|^[-+]')
Groups = dict[tuple[str, ...], tuple[tuple[str, ...], ...]]  # expression -> the others


# The thesaurus files read by default: acronyms and well-known synonyms, and
# the general news thesaurus (data/thesaurus.txt says how it was made).
THESAURUS = ("synonyms.txt", "thesaurus.txt")


@cache
def synonym_groups(files: tuple[str, ...] = THESAURUS) -> Groups:
    """Expression (as a word tuple) → the other expressions of its groups (in ``files``)."""
    table: Groups = {}
    for line in (line for name in files for line in read_lines(name)):
        group = [tuple(words(expr)) for expr in line.split(",")]
        group = [expr for expr in group if expr]
        for expr in group:
            others = tuple(other for other in group if other != expr)
            table[expr] = tuple(dict.fromkeys(table.get(expr, ()) + others))
    return table


def query_pieces(query: str) -> list[str]:
    """A query string's pieces: quoted phrases (an unclosed quote runs to the end) and
    the whitespace-separated rest, operators and field prefixes included."""
    return _QUERY_PIECE.findall(query)


def _quote(expr: tuple[str, ...]) -> str:
    return expr[0] if len(expr) == 1 else '"' + " ".join(expr) + '"'


def is_plain(piece: str) -> bool:
    """True for a query piece that is just a word (no operator or syntax)."""
    return piece not in _OPERATORS and not _SYNTAX.search(piece)


def longest_expression(
    tokens: Sequence[str | None], start: int, table: Groups
) -> tuple[int, tuple[tuple[str, ...], ...]] | None:
    """``(length, other expressions)`` of the longest expression of ``table`` that
    begins at ``tokens[start]``, or None; a ``None`` token (an operator, syntax)
    is never part of an expression."""
    for length in range(min(MAX_EXPRESSION_WORDS, len(tokens) - start), 0, -1):
        key = tuple(tokens[start : start + length])
        if None not in key and key in table:
            return length, table[key]
    return None


def expand_synonyms(query: str, files: tuple[str, ...] = THESAURUS) -> str:
    """The query string with synonym groups spliced in (unchanged if none apply)."""
    table = synonym_groups(files)
    pieces = query_pieces(query)
    tokens = []  # each piece's one word, or None (syntax, or not exactly one word)
    for piece in pieces:
        found = words(piece) if is_plain(piece) else []
        tokens.append(found[0] if len(found) == 1 else None)
    out: list[str] = []
    i = 0
    while i < len(pieces):
        match = longest_expression(tokens, i, table)
        if match is None:
            out.append(pieces[i])
            i += 1
            continue
        length, others = match
        span = pieces[i : i + length]
        original = " ".join(span)
        head = f"({original})" if length > 1 else original
        alternatives = [head] + ([f'"{" ".join(words(original))}"'] if length > 1 else [])
        alternatives += [_quote(expr) for expr in others]
        out.append("(" + " OR ".join(alternatives) + ")")
        i += length
    return " ".join(out)
