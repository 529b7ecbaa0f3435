"""The curated Indonesian stop-word list.

The list lives in ``data/stopwords.txt`` (one word per line, ``#`` comments)
so linguists can review it without reading code. It starts from the Tala list
used by Lucene's Indonesian analyzer, minus content words that news readers
search for ("orang", "baru", "kasus", ...), plus question words so that
questions ("siapakah ...", "dimanakah ...") search on their content words.
"""

from __future__ import annotations

from functools import cache

from searcher.resources import read_word_list


@cache
def stop_words() -> frozenset[str]:
    """All stop words, lowercase."""
    return frozenset(read_word_list("stopwords.txt"))


def is_stop_word(word: str) -> bool:
    """True if the (lowercase) ``word`` carries no meaning for search."""
    return word in stop_words()
