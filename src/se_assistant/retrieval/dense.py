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
from se_assistant.store import existing_chunks


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
        # Chroma gives ids and distances only; the chunks come from the keyword index, which
        # holds the same records (reading documents and metadata back from Chroma was 3-4 ms
        # of a 5 ms query at 100,000 chunks)
        clauses = [{key: {"$in": vals}} for key, vals in flt.items()]
        where = None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
        got = self.collection.query(
            query_embeddings=[self.encoder.embed_query(query).tolist()],
            n_results=k,
            where=where,
            include=["distances"],
        )
        ids = got["ids"][0]
        cosines = [1.0 - float(d) for d in got["distances"][0]]
        rows = [self.catalog.row_of(node_id) for node_id in ids]
        if None in rows:  # written since the keyword index was built: read as Chroma holds it
            return self._as_stored(ids, cosines)
        hits = [self.catalog.passage(row) for row in rows if row is not None]
        return self.live.scored(hits, cosines, "dense")

    def _as_stored(self, ids: list[str], cosines: list[float]) -> list[Passage]:
        """The chunks ``ids`` as Chroma holds them now (a chunk deleted meanwhile is left out)."""
        stored = existing_chunks(self.collection, ids)
        return [
            from_record(node_id, stored[node_id][1], stored[node_id][0], dense=cosine)
            for node_id, cosine in zip(ids, cosines, strict=True)
            if node_id in stored
        ]
