"""Hits as Chroma holds them now: a chunk deleted since the keyword index was built (an
ingest running, or killed, in another process) is never cited."""

from __future__ import annotations

from typing import Any

from se_assistant import index_state
from se_assistant.retrieval.passage import Passage, from_record, scored
from se_assistant.settings import Settings
from se_assistant.store import existing_chunks


class LiveCheck:
    """Checks hits against the Chroma ``collection`` of the loaded generation."""

    def __init__(self, settings: Settings, collection: Any) -> None:
        self.settings = settings
        self.collection = collection

    def scored(self, hits: list[Passage], scores: list[float], kind: str) -> list[Passage]:
        """Fresh copies of the ``hits`` that Chroma still holds, each with its score (``kind``:
        "keyword" or "dense")."""
        settled = not index_state.ingest_in_flight(self.settings.data_dir)
        if settled and not self.settings.uses_chroma_server:
            # no ingest running or crashed here: Chroma holds exactly what BM25 was built from
            return [scored(p, **{kind: s}) for p, s in zip(hits, scores, strict=True)]
        live = existing_chunks(self.collection, [p.node_id for p in hits])
        passages = []
        for hit, score in zip(hits, scores, strict=True):
            if hit.node_id in live:
                text, meta = live[hit.node_id]
                passages.append(from_record(hit.node_id, meta, text, **{kind: score}))
        return passages
