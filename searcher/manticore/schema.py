"""The engine's table as we write it: its columns, and index terms in the engine's alphabet.

Text is analysed here by the Whoosh backend's own chain, so both backends
index the same terms; no PyMySQL needed (configuration files use it too).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from datetime import datetime, timedelta, timezone

from searcher.analysis import exact_analyzer, stemming_analyzer

SCHEMES = ("manticore", "sphinx")  # location schemes of this backend
DEFAULT_PORT = 9306
DEFAULT_TABLE = "articles"
TEXT_FIELDS = ("title", "body", "title_exact", "body_exact")
# A field holding one token in every document, so "everything except X"
# (which the engine refuses as a lone NOT) can be written as "ALL -X".
ALL_FIELD, ALL_TOKEN = "everything", "_all_"
COLUMNS = (
    "id",
    *TEXT_FIELDS,
    ALL_FIELD,
    "article_id",
    "title_text",
    "body_text",
    "url",
    "source",
    "category",
    "source_keys",
    "category_keys",
    "published",
    "dated",
    "day",
    "content_hash",
    "title_terms",
    "body_terms",
    "category_raw",
    "author",
    # Duplicate groups and stories (searcher.manticore.grouping).
    "duplicate",
    "story",
    "grouping",
    "grouped",
)
EPOCH = datetime(1970, 1, 1)


# -- terms ---------------------------------------------------------------------
_PLAIN = re.compile(r"[a-z0-9]+")


def encode_term(term: str) -> str:
    """An index term in the engine's alphabet (``covid-19`` → ``covid_2d_19``)."""
    if _PLAIN.fullmatch(term):
        return term
    return "".join(
        ch if ("a" <= ch <= "z" or "0" <= ch <= "9") else f"_{ord(ch):x}_" for ch in term
    )


def encode_pattern(pattern: str) -> str:
    return "".join(ch if ch in "*?" else encode_term(ch) for ch in pattern)


def field_text(text: str, *, stem: bool) -> str:
    """The analysed terms of ``text`` as the engine will index them.

    Compound parts (``covid`` of ``covid-19``) go after the words rather than
    at the same position, which the engine cannot express: they are found,
    but a phrase across them is not.
    """
    analyzer = stemming_analyzer() if stem else exact_analyzer()
    words, parts, last = [], [], None
    for token in analyzer(text, positions=True):
        if token.pos == last:
            parts.append(encode_term(token.text))
        else:
            words.append(encode_term(token.text))
        last = token.pos
    return " ".join(words + parts)


def document_id(article_id: str) -> int:
    """A stable 63-bit, non-zero document id for an article id."""
    digest = hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 1) or 1


def value_keys(value: str) -> list[int]:
    """Filter keys of a source/category: each comma-separated value, lowercased."""
    values = [v.strip().lower() for v in value.split(",")] if value else []
    return sorted({zlib.crc32(v.encode("utf-8", "surrogatepass")) for v in values if v})


def seconds(moment: datetime) -> int:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return int((moment - EPOCH).total_seconds() // 1)


def moment(seconds: int, dated: int) -> datetime | None:
    return EPOCH + timedelta(seconds=seconds) if dated else None
