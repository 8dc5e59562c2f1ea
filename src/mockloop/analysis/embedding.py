"""Sentence similarity for the offline scorer: WordLlama if it loads, else lexical cosine."""

from __future__ import annotations

import math
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path

from mockloop.analysis.text import content_stems
from mockloop.ports import Similarity as Similarity  # re-exported: the port its adapters meet


class LexicalSimilarity:
    """Cosine of stemmed content-word counts: no model, always available."""

    name = "lexical"

    def similarity(self, a: str, b: str) -> float:
        """Cosine of the two texts' content-word bags."""
        return _bag_cosine(Counter(content_stems(a)), Counter(content_stems(b)))

    def best(self, query: str, candidates: list[str]) -> tuple[int, float]:
        """Closest candidate by bag-of-words cosine."""
        return _argmax(self.scores(query, candidates))

    def scores(self, query: str, candidates: list[str]) -> list[float]:
        """Bag-of-words cosine to each candidate."""
        bag = Counter(content_stems(query))
        return [_bag_cosine(bag, Counter(content_stems(c))) for c in candidates]


class WordLlamaSimilarity:
    """Static-embedding similarity from WordLlama's weights, which ship inside its wheel."""

    name = "wordllama"

    def __init__(self) -> None:
        import wordllama  # imported here: it pulls numpy and costs ~0.2 s

        self._model = wordllama.WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )

    def similarity(self, a: str, b: str) -> float:
        """Cosine of the two texts' embeddings."""
        if not a.strip() or not b.strip():
            return 0.0
        return float(self._model.similarity(a, b))

    def best(self, query: str, candidates: list[str]) -> tuple[int, float]:
        """Closest candidate by embedding cosine, in one batch."""
        return _argmax(self.scores(query, candidates))

    def scores(self, query: str, candidates: list[str]) -> list[float]:
        """Embedding cosine to each candidate, in one batch."""
        if not candidates or not query.strip():
            return [0.0] * len(candidates)
        vectors = self._model.embed([query, *candidates], norm=True)
        return [float(x) for x in vectors[1:] @ vectors[0]]

    def matrix(self, queries: list[str], candidates: list[str]) -> list[list[float]]:
        """Cosine of every query to every candidate; empty texts score 0."""
        texts = [t if t.strip() else "-" for t in (*queries, *candidates)]
        vectors = self._model.embed(texts, norm=True)
        grid = vectors[: len(queries)] @ vectors[len(queries) :].T
        empty = [not c.strip() for c in candidates]
        return [
            [0.0 if empty[j] or not q.strip() else float(v) for j, v in enumerate(row)]
            for q, row in zip(queries, grid, strict=True)
        ]


def _bag_cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[word] for word, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _argmax(scores: list[float]) -> tuple[int, float]:
    if not scores:
        return -1, 0.0
    index = max(range(len(scores)), key=scores.__getitem__)
    return index, scores[index]


class LazySimilarity:
    """The default similarity, chosen and loaded on first use (or by `warm_up`).

    Loading WordLlama imports numpy and reads its weights (~0.5 s): nothing needs it before the
    first answer, so the first question is shown without waiting for it.
    """

    def __init__(self) -> None:
        self._impl: Similarity | None = None
        self._lock = threading.Lock()

    def _get(self) -> Similarity:
        with self._lock:
            if self._impl is None:
                self._impl = _choose_similarity()
            return self._impl

    def warm_up(self) -> None:
        """Load in the background, e.g. while a person types their first answer."""
        if self._impl is None:
            threading.Thread(target=self._get, name="mockloop-similarity").start()

    @property
    def name(self) -> str:
        """`wordllama` or `lexical` (loads the model to know which)."""
        return self._get().name

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts."""
        return self._get().similarity(a, b)

    def best(self, query: str, candidates: list[str]) -> tuple[int, float]:
        """Index and similarity of the closest candidate."""
        return self._get().best(query, candidates)

    def scores(self, query: str, candidates: list[str]) -> list[float]:
        """Similarity of `query` to each candidate."""
        return self._get().scores(query, candidates)


@lru_cache(maxsize=1)
def default_similarity() -> LazySimilarity:
    """The process-wide similarity: WordLlama if it loads offline, else the lexical cosine."""
    return LazySimilarity()


def _choose_similarity() -> Similarity:
    """WordLlama when it is installed and loads offline; the lexical cosine otherwise."""
    from mockloop.config import current

    if current().similarity == "lexical":
        return LexicalSimilarity()
    try:
        return WordLlamaSimilarity()
    except Exception:  # any failure to load weights means: fall back, and say so in reports
        return LexicalSimilarity()


def similarity_matrix(
    sim: Similarity, queries: list[str], candidates: list[str]
) -> list[list[float]]:
    """Similarity of every query to every candidate, embedding each text once where possible."""
    if not queries or not candidates:
        return [[0.0] * len(candidates) for _ in queries]
    impl = sim._get() if isinstance(sim, LazySimilarity) else sim
    if isinstance(impl, WordLlamaSimilarity):
        return impl.matrix(queries, candidates)
    return [sim.scores(query, candidates) for query in queries]
