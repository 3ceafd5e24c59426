"""Keyword search: BM25 (bm25s) scores of the question's stems over the keyword index."""

from __future__ import annotations

import numpy as np

from se_assistant.keyword_index import KeywordIndex
from se_assistant.lexical import stem, words
from se_assistant.retrieval.catalog import Catalog
from se_assistant.retrieval.filters import Filter, FilterRows
from se_assistant.retrieval.live import LiveCheck
from se_assistant.retrieval.passage import Passage


class KeywordSearch:
    """Ranks chunks by BM25; ``Passage.keyword`` holds the score. ``index`` None: nothing is
    indexed and every search finds nothing."""

    def __init__(
        self, index: KeywordIndex | None, catalog: Catalog, filters: FilterRows, live: LiveCheck
    ) -> None:
        self.index = index
        self.catalog = catalog
        self.filters = filters
        self.live = live

    def search(self, query: str, flt: Filter, k: int) -> list[Passage]:
        """The ``k`` best-scoring chunks among those ``flt`` keeps (all when empty); chunks
        sharing no stem with ``query`` are never returned."""
        if self.index is None:
            return []
        import bm25s.stopwords

        stop = set(bm25s.stopwords.STOPWORDS_EN)
        tokens = [stem(w) for w in words(query) if w not in stop]
        tokens = [t for t in tokens if t in self.catalog.vocabulary]
        if not tokens:
            return []
        bm25 = self.index.bm25
        subset = self.filters.subset(flt) if flt else None
        if subset is not None:
            # a small filter: score everything (1 ms at 100,000 chunks), keep its rows; bm25s's
            # weight mask costs 5 ms there
            rows = subset[0]
            scores = np.zeros(len(self.index.corpus), dtype=np.float32)
            scores[rows] = bm25.get_scores(tokens)[rows]
        else:
            mask = self.filters.mask(flt) if flt else None
            scores = bm25.get_scores(tokens, weight_mask=mask)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = [int(i) for i in top[np.argsort(-scores[top])] if scores[i] > 0]
        return self.live.scored([self.catalog.passage(i) for i in top],
                                [float(scores[i]) for i in top], "keyword")
