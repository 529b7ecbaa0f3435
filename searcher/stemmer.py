"""Indonesian stemming: Sastrawi, one word at a time, behind a cache.

Sastrawi's ``stem(text)`` is meant for sentences: it strips every character
that is not an ASCII letter and splits dates, so we call ``stem_word`` on
single, already-tokenised words instead. Each distinct word is stemmed once
per process (news vocabulary is Zipfian: a few hundred thousand distinct
words cover millions of tokens).

Sastrawi over-stems many proper nouns and a few common words (Bekasi→bekas,
Bali→bal, pemilu→milu, penyelidikan→lidi). Words in ``data/protected.txt``
are returned unchanged.
"""

from __future__ import annotations

from functools import cache, lru_cache

from searcher.resources import read_word_list

# Large enough to hold the vocabulary of a big news corpus; bounded so memory
# does not grow without limit on odd input (random strings, numbers).
STEM_CACHE_SIZE = 500_000


@cache
def protected_words() -> frozenset[str]:
    """Words (lowercase) that are never stemmed."""
    return frozenset(read_word_list("protected.txt"))


@cache
def _sastrawi():
    # Imported lazily: building the stemmer loads a 30k-word dictionary. We
    # use the plain Stemmer (not the factory's CachedStemmer, which caches
    # whole texts and has no per-word entry point); our cache is stem_word's.
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return Stemmer(ArrayDictionary(StemmerFactory().get_words()))


# Particles and possessives that attach to any word, protected names included
# (pemilunya, Bekasilah): they are removed before the protected-word check.
CLITICS = ("nya", "lah", "kah", "pun", "ku", "mu")


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem_word(word: str) -> str:
    """The stem of one lowercase word (protected words and numbers unchanged)."""
    protected = protected_words()
    if word in protected or not word.isalpha() and "-" not in word:
        return word
    for clitic in CLITICS:
        if word.endswith(clitic) and word[: -len(clitic)] in protected:
            return word[: -len(clitic)]
    if "-" in word and any(ch.isdigit() for ch in word):
        return word  # COVID-19, ke-42: codes, not inflected words
    stem = _sastrawi().stem_word(word)
    # Sastrawi returns "" for some inputs; an empty stem would lose the word.
    return stem or word
