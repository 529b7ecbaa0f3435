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
from functools import cache

from searcher.resources import read_lines
from searcher.tokenizer import words

MAX_EXPRESSION_WORDS = 6
_QUERY_PIECE = re.compile(r'"[^"]*"?|\S+')
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_SYNTAX = re.compile(r'[:()"*?~^\[\]{}]|^[-+]')


# The thesaurus files read by default: acronyms and well-known synonyms, and
# the general news thesaurus (data/thesaurus.txt says how it was made).
THESAURUS = ("synonyms.txt", "thesaurus.txt")


@cache
def synonym_groups(files: tuple[str, ...] = THESAURUS
                   ) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Expression (as a word tuple) → the other expressions of its groups (in ``files``)."""
    table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
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


def expand_synonyms(query: str, files: tuple[str, ...] = THESAURUS) -> str:
    """The query string with synonym groups spliced in (unchanged if none apply)."""
    table = synonym_groups(files)
    pieces = query_pieces(query)
    out: list[str] = []
    i = 0
    while i < len(pieces):
        match = None
        for length in range(min(MAX_EXPRESSION_WORDS, len(pieces) - i), 0, -1):
            span = pieces[i : i + length]
            if any(p in _OPERATORS or _SYNTAX.search(p) for p in span):
                continue
            key = tuple(w for p in span for w in words(p))
            if key in table and len(key) == length:
                match = (length, span, table[key])
                break
        if match is None:
            out.append(pieces[i])
            i += 1
            continue
        length, span, others = match
        original = " ".join(span)
        head = f"({original})" if length > 1 else original
        alternatives = [head] + ([f'"{" ".join(words(original))}"'] if length > 1 else [])
        alternatives += [_quote(expr) for expr in others]
        out.append("(" + " OR ".join(alternatives) + ")")
        i += length
    return " ".join(out)
