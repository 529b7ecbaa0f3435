"""Stories: the articles about one event, found by single-pass clustering.

As in topic detection and tracking (TDT), articles are taken in time order
and each joins the most similar *active* story, or starts a new one:

- an article is the TF-IDF vector of its title and lead (the first
  ``LEAD_WORDS`` words of the body): stemmed words without stop words, the
  title's counted twice (a headline names the event);
- a story is the sum of its articles' unit vectors (its centroid up to a
  factor); similarity is the cosine of an article with that sum;
- a story is active while its latest article is at most ``window_days`` old;
  an article joins the most similar active story if the cosine is at least
  ``threshold``, else it starts a story whose id is its own id.

IDF comes from the document frequencies of everything clustered so far plus
the current batch (for a rebuild: the whole corpus), so a rebuild is
deterministic. Candidate stories are those holding at least ``MIN_SHARED`` of
the article's ``CANDIDATE_TERMS`` heaviest words that any active story holds
(an inverted list per active story word), at most ``MAX_CANDIDATES`` of them,
which bounds each step's work whatever the number of active stories.
Undated articles are stories of their own: without a time there is no window.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from searcher.stemmer import stem_word
from searcher.stopwords import stop_words
from searcher.tokenizer import words

LEAD_WORDS = 40
THRESHOLD = 0.3
WINDOW_DAYS = 3.0
CANDIDATE_TERMS = 8
MIN_SHARED = 2  # of the CANDIDATE_TERMS: one shared name is not yet one event
MAX_CANDIDATES = 10
TITLE_WEIGHT = 2


def story_terms(title: str, body: str, lead_words: int = LEAD_WORDS) -> Counter:
    """Term counts of an article's title (``TITLE_WEIGHT`` each) and lead."""
    stops = stop_words()
    lead = body[: lead_words * 12]  # enough characters for the lead's words
    counts: Counter = Counter()
    for weight, text, limit in ((TITLE_WEIGHT, title, None), (1, lead, lead_words)):
        for word in words(text)[:limit]:
            if len(word) > 1 and word not in stops:
                counts[stem_word(word)] += weight
    return counts


@dataclass
class _Story:
    label: str  # the id of its first article
    vector: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0
    latest: float = 0.0  # seconds of its latest article
    size: int = 0


class StoryClusters:
    """Single-pass clustering; ``add`` articles in (published, id) order."""

    def __init__(
        self,
        threshold: float = THRESHOLD,
        window_days: float = WINDOW_DAYS,
        candidate_terms: int = CANDIDATE_TERMS,
        max_candidates: int = MAX_CANDIDATES,
    ):
        self.threshold = threshold
        self.window = window_days * 86_400
        self.candidate_terms = candidate_terms
        self.max_candidates = max_candidates
        self.frequency: Counter = Counter()  # document frequency of each term
        self.documents = 0
        self._idf: dict[str, float] = {}  # remembered until the frequencies change
        self.story: list[str] = []  # per article: the id of its story's first article
        self._active: dict[str, _Story] = {}
        self._postings: dict[str, set[str]] = {}  # term -> active stories holding it
        self._order: deque[tuple[float, str]] = deque()  # (latest, story) to expire, lazily

    def count(self, terms: Iterable[Counter]) -> None:
        """Add articles' terms to the document frequencies (before clustering them)."""
        for counts in terms:
            self.frequency.update(counts.keys())
            self.documents += 1
        self._idf.clear()

    def _unit(self, counts: Counter) -> dict[str, float]:
        idf = self._idf
        vector = {}
        for term, count in counts.items():
            weight = idf.get(term)
            if weight is None:
                weight = idf[term] = math.log((self.documents + 1) / (1 + self.frequency[term]))
            if weight > 0:
                vector[term] = (1 + math.log(count)) * weight
        norm = math.sqrt(sum(w * w for w in vector.values()))
        return {t: w / norm for t, w in vector.items()} if norm else {}

    def _expire(self, now: float) -> None:
        while self._order and self._order[0][0] < now - self.window:
            latest, label = self._order.popleft()
            story = self._active.get(label)
            if story is None or story.latest != latest:
                continue  # it has grown since: a later entry stands for it
            del self._active[label]
            for term in story.vector:
                holders = self._postings.get(term)
                if holders is not None:
                    holders.discard(label)
                    if not holders:
                        del self._postings[term]

    def add(
        self, doc_id: str, counts: Counter, seconds: float | None, story: str | None = None
    ) -> str:
        """Cluster one article (``seconds``: its time, None if undated); return its
        story's id (the id of the story's first article). ``story`` restores a
        known assignment (reloading saved state) instead of looking for one."""
        if seconds is None:
            self.story.append(story or doc_id)
            return self.story[-1]
        self._expire(seconds)
        vector = self._unit(counts)
        found = self._active.get(story) if story is not None else None
        best_dot = 0.0
        if story is None:
            story, best = doc_id, self.threshold
            postings = self._postings
            held = [t for t in vector if t in postings]  # words some active story has
            rare = heapq.nsmallest(self.candidate_terms, held, key=lambda t: (-vector[t], t))
            shared: Counter = Counter()
            for term in rare:
                shared.update(postings[term])
            # Stories sharing at least MIN_SHARED of those words, those sharing most first.
            candidates = heapq.nsmallest(
                self.max_candidates, [(-n, label) for label, n in shared.items() if n >= MIN_SHARED]
            )
            items = list(vector.items())
            for _, label in sorted(candidates, key=lambda x: x[1]):
                active = self._active[label]
                weights = active.vector
                dot = sum(w * weights.get(t, 0.0) for t, w in items)
                score = dot / math.sqrt(active.norm2) if active.norm2 else 0.0
                if score > best or score == best and story == doc_id:
                    story, best, best_dot, found = label, score, dot, active
        elif found is not None:
            best_dot = sum(w * found.vector.get(t, 0.0) for t, w in vector.items())
        self.story.append(story)
        if found is None:  # a new story (or one restored after it had expired)
            found = self._active[story] = _Story(story)
        for term, weight in vector.items():
            if term not in found.vector:
                found.vector[term] = 0.0
                self._postings.setdefault(term, set()).add(story)
            found.vector[term] += weight
        found.norm2 += 2 * best_dot + (1.0 if vector else 0.0)
        found.latest = max(found.latest, seconds)
        found.size += 1
        self._order.append((found.latest, story))
        return story


def representative(members: list[Counter]) -> int:
    """The position of the article nearest its story's centre (0 for one or two).

    Each article is the unit vector of its story words (:func:`story_terms`, log
    term frequency); the centre is the sum of the others' vectors (leave one out, so
    an article does not pull the centre towards itself), and the representative is
    the article with the highest cosine to it: the headline that shares most of
    what the story's articles say, rather than its first article's wording. Ties go
    to the earlier position (articles are given oldest first).
    """
    if len(members) < 3:
        return 0  # two articles are equally near each other's centre
    units = []
    for counts in members:
        vector = {term: 1 + math.log(count) for term, count in counts.items() if count > 0}
        norm = math.sqrt(sum(w * w for w in vector.values()))
        units.append({t: w / norm for t, w in vector.items()} if norm else {})
    total: dict[str, float] = {}
    for unit in units:
        for term, weight in unit.items():
            total[term] = total.get(term, 0.0) + weight
    total2 = sum(w * w for w in total.values())
    best, best_score = 0, -1.0
    for position, unit in enumerate(units):
        if not unit:
            continue
        others = {t: total[t] - w for t, w in unit.items()}
        rest2 = total2 - sum(total[t] ** 2 - others[t] ** 2 for t in unit)
        dot = sum(w * others[t] for t, w in unit.items())
        score = dot / math.sqrt(rest2) if rest2 > 1e-12 else 0.0
        if score > best_score + 1e-12:
            best, best_score = position, score
    return best
