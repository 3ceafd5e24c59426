"""Metadata filters as rows of the keyword index: a mask over every chunk, and, for a filter
that keeps few chunks, those chunks' rows with their vectors (shared by both searches)."""

from __future__ import annotations

from typing import Any

import numpy as np

from se_assistant.retrieval.catalog import Catalog

SMALL_FILTER = 5000  # chunks a filter may keep for its dense search to run in-process

Filter = dict[str, list[str]]  # normalised: key -> values as stored (Catalog.normalise_filters)


def filter_key(flt: Filter) -> str:
    """The same filter, whatever the order of its keys and values."""
    return repr(sorted((k, sorted(v)) for k, v in flt.items()))


class FilterRows:
    """The chunks a filter keeps, for one loaded generation (``collection`` is its Chroma
    collection; results are cached per filter)."""

    def __init__(self, catalog: Catalog, collection: Any) -> None:
        self.catalog = catalog
        self.collection = collection
        self._masks: dict[str, np.ndarray] = {}
        self._subsets: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}

    def mask(self, flt: Filter) -> np.ndarray:
        """1.0 for each row the filter keeps, 0.0 elsewhere."""
        key = filter_key(flt)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.ones(self.catalog.chunk_count, dtype=float)
            for field_name, vals in flt.items():
                keep = np.zeros_like(mask)
                for value in vals:
                    keep[self.catalog.rows_with(field_name, value)] = 1.0
                mask *= keep
            if len(self._masks) > 256:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def subset(self, flt: Filter) -> tuple[np.ndarray, np.ndarray] | None:
        """The chunks a filter keeps (their keyword-index rows and vectors), when they are few.
        Chroma's filtered query scans its metadata on every call (70 ms at 100,000 chunks for
        six matches); these vectors are read once per filter and index generation."""
        if not self.catalog.chunk_count:
            return None
        key = filter_key(flt)
        if key not in self._subsets:
            rows = np.flatnonzero(self.mask(flt))
            subset = None
            if len(rows) <= SMALL_FILTER:
                ids = [self.catalog.node_id(int(r)) for r in rows]
                got = self.collection.get(ids=ids, include=["embeddings"]) if ids else None
                stored = dict(zip(got["ids"], got["embeddings"], strict=True)) if got else {}
                kept = [(r, i) for r, i in zip(rows, ids, strict=True) if i in stored]
                vectors = np.array([stored[i] for _, i in kept], dtype=np.float32)
                subset = (np.array([r for r, _ in kept], dtype=np.int64), vectors)
            if len(self._subsets) > 64:
                self._subsets.clear()
            self._subsets[key] = subset
        return self._subsets[key]
