"""Reciprocal rank fusion of ranked passage lists."""

from __future__ import annotations

from se_assistant.retrieval.passage import Passage

RRF_K = 60.0


def fuse(rankings: list[list[Passage]], weights: list[float] | None = None) -> list[Passage]:
    """Reciprocal rank fusion that keeps every list's raw score on the passage.

    llama-index's QueryFusionRetriever fuses the same way but drops the per-retriever scores,
    which the refusal check needs.
    """
    weights = weights or [1.0] * len(rankings)
    merged: dict[str, Passage] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, passage in enumerate(ranking):
            seen = merged.setdefault(passage.node_id, passage)
            if seen is not passage:
                seen.dense = seen.dense if seen.dense is not None else passage.dense
                seen.keyword = seen.keyword if seen.keyword is not None else passage.keyword
            seen.score += weight / (RRF_K + rank + 1)
    return sorted(merged.values(), key=lambda p: p.score, reverse=True)
