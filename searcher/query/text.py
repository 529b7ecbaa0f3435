"""The user's query string made regular before parsing (the query's lexer).

Control characters and typographic dashes out, a dash between spaces is
punctuation ("JAKARTA - Presiden"), field names in any case, a question mark
ending a word is punctuation; date clauses (``tanggal:2019-09``) are taken
out as a date range, and a query of only exclusions is recognised.
"""

from __future__ import annotations

import re

from whoosh import query

from searcher.dates import DateError, parse_user_date
from searcher.errors import QueryError
from searcher.request import MAX_NESTING, MAX_QUERY_CHARS
from searcher.synonyms import query_pieces

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FIELD_PREFIX = re.compile(r"(?<![\w\"'])(\w+):")  # any word: only known fields stay fields
QUERY_FIELDS = {
    "title",
    "judul",
    "body",
    "source",
    "sumber",
    "category",
    "kategori",
    "published",
    "tanggal",
    "date",
}


def _field_prefix(match) -> str:
    """Known field names in any case (TITLE:, Sumber:); any other "word:" is plain text."""
    name = match.group(1).lower()
    return f"{name}:" if name in QUERY_FIELDS else f"{match.group(1)} "


_QUESTION_MARK = re.compile(r"\?+(?=[\s)\"]|$)")


# Dashes: "-" and "+" are operators only attached to what follows ("-kpk",
# "+kpk", -"frasa", -(a OR b)), as in web search engines; a dash between spaces
# is punctuation ("JAKARTA - Presiden", "15 - 16 Desember"), and so are the
# typographic dashes (#12).
_TYPOGRAPHIC_DASH = re.compile(r"[\u2012-\u2015\u2212\ufe58\ufe63\uff0d]")  # not hyphens (e‐KTP)
# A sign after an opening bracket counts as after a space: "(+)", "(a -)" (#24).
_LONE_SIGNS = re.compile(r"(?<![^\s(])[-+]+(?![\w\"(])")
_SIGN_RUN = re.compile(r"(?<![^\s(])[-+]+(?=[-+][\w\"(])")
_DOUBLE_NOT = re.compile(r"(?<!\S)(?:NOT\s+NOT(?:\s+|$))+")


def clean_query(text: str) -> str:
    if not isinstance(text, str):
        raise QueryError("q: the query must be text")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"q: the query is too long ({len(text)} characters, at most {MAX_QUERY_CHARS})"
        )
    text = _CONTROL.sub(" ", text)
    text = _TYPOGRAPHIC_DASH.sub(" ", text)
    text = _SIGN_RUN.sub("", _LONE_SIGNS.sub(" ", text))
    text = _DOUBLE_NOT.sub("", text)  # NOT NOT a is a (249 NOTs broke Whoosh's parser)
    _check_nesting(text)
    text = _FIELD_PREFIX.sub(_field_prefix, text)
    # A question mark ending a word is punctuation ("siapa presiden RI?"), not
    # the one-character wildcard; inside a word ("ko?upsi") it stays a wildcard.
    text = _QUESTION_MARK.sub("", text)
    return " ".join(text.split())


def _check_nesting(text: str) -> None:
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    if deepest > MAX_NESTING:
        raise QueryError(
            f"q: too many brackets inside brackets ({deepest} levels, at most {MAX_NESTING})"
        )


def only_negations(text: str) -> str | None:
    """For a query made only of exclusions ("-a NOT b"), the excluded words."""
    pieces = query_pieces(text)
    excluded, negate_next = [], False
    for piece in pieces:
        if piece == "NOT":
            negate_next = True
        elif negate_next:
            excluded.append(piece)
            negate_next = False
        elif piece.startswith("-") and len(piece) > 1:
            excluded.append(piece[1:])
        else:
            return None
    return " OR ".join(excluded) or None


_DATE_CLAUSE = re.compile(
    r"(?<![\w\"])(?:published|tanggal|date):(?:\[(?P<range>[^\]]*)\]?|(?P<single>\S+))",
    re.IGNORECASE,
)
_RANGE_SPLIT = re.compile(r"\s*\b(?:to|sampai|hingga|s/d)\b\s*", re.IGNORECASE)


def extract_dates(text: str):
    """Take ``tanggal:[2019-09-01 TO 2019-09-30]`` / ``tanggal:2019-09`` out of the query.

    Returns the rest of the query and a required date-range clause (or None).
    Dates are read like the CLI's --since/--until (ISO, Indonesian, year or
    month alone); either end of a range may be left empty.
    """
    since = until = None
    found = False

    def take(match):
        nonlocal since, until, found
        found = True
        if match.group("range") is not None:
            parts = _RANGE_SPLIT.split(match.group("range").strip(), maxsplit=1)
            start, end = (parts + [""])[:2] if len(parts) > 1 else (parts[0], parts[0])
        else:
            start = end = match.group("single")
        try:
            if start.strip():
                since = max(filter(None, [since, parse_user_date(start.strip())]))
            if end.strip():
                until = min(filter(None, [until, parse_user_date(end.strip(), end=True)]))
        except DateError as error:
            raise QueryError(f"q: tanggal: {error}") from None
        return " "

    text = _DATE_CLAUSE.sub(take, text)
    if not found or (since is None and until is None):
        return text, None
    return text, query.DateRange("published", since, until)
