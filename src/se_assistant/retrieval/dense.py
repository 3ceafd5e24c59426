"""Dense search: the chunks whose vectors are closest to the question's, from Chroma or, for
a filter that keeps few chunks, from those chunks' vectors in-process."""

from __future__ import annotations

from typing import Any

import numpy as np

from se_assistant.retrieval.catalog import Catalog
from se_assistant.retrieval.embedding_cache import CachedEncoder
from se_assistant.retrieval.filters import Filter, FilterRows
from se_assistant.retrieval.live import LiveCheck
from se_assistant.retrieval.passage import Passage, from_record


class DenseSearch:
    """Ranks chunks by cosine to the query; ``Passage.dense`` holds the cosine."""

    def __init__(
        self, encoder: CachedEncoder, catalog: Catalog, collection: Any, filters: FilterRows,
        live: LiveCheck,
    ) -> None:
        self.encoder = encoder
        self.catalog = catalog
        self.collection = collection
        self.filters = filters
        self.live = live

    def search(self, query: str, flt: Filter, k: int) -> list[Passage]:
        """The ``k`` chunks closest to ``query`` among those ``flt`` keeps (all when empty)."""
        subset = self.filters.subset(flt) if flt else None
        if subset is not None:
            rows, vectors = subset
            if not len(rows):
                return []
            cosine = vectors @ self.encoder.embed_query(query)
            top = np.argsort(-cosine)[:k]
            hits = [self.catalog.passage(int(rows[i])) for i in top]
            return self.live.scored(hits, [float(cosine[i]) for i in top], "dense")
        # Chroma is queried directly: the records llama-index's ChromaVectorStore wrote carry
        # everything a Passage needs, and skipping its node objects keeps start-up light.
        clauses = [{key: {"$in": vals}} for key, vals in flt.items()]
        where = None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
        got = self.collection.query(
            query_embeddings=[self.encoder.embed_query(query).tolist()],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        passages = []
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0],
                   strict=True)
        for node_id, text, meta, distance in rows:
            if not text or not meta:  # deleted since this process loaded the vector index
                continue
            passages.append(from_record(node_id, meta, text, dense=1.0 - float(distance)))
        return passages
