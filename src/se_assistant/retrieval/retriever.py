"""The hybrid retriever: follows the index (``index_state``) and, for each loaded generation,
composes the retrieval steps: dense and keyword search over the same filter rows, fused by
reciprocal rank."""

from __future__ import annotations

import threading
import time
from typing import Any

from se_assistant import index_state, keyword_index
from se_assistant.embedding import load_encoder
from se_assistant.errors import IndexNotReadyError
from se_assistant.retrieval.catalog import Catalog, Entity
from se_assistant.retrieval.dense import DenseSearch
from se_assistant.retrieval.embedding_cache import CachedEncoder
from se_assistant.retrieval.filters import FilterRows
from se_assistant.retrieval.fusion import fuse
from se_assistant.retrieval.keyword import KeywordSearch
from se_assistant.retrieval.live import LiveCheck
from se_assistant.retrieval.passage import Passage
from se_assistant.settings import Settings
from se_assistant.store import chroma_unreachable, open_client, open_collection


class HybridRetriever:
    """Loads the index from a data dir (or Chroma server) and answers ``search`` calls.

    Its parts, each usable on its own: ``catalog`` (what the loaded index holds), ``encoder``
    (embeddings cached by text), and, once loaded, ``dense`` and ``keyword`` (the searches)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.catalog = Catalog()
        self.encoder = CachedEncoder()
        self.dense: DenseSearch | None = None
        self.keyword: KeywordSearch | None = None
        self._version: index_state.Version | None = None
        self._reload_lock = threading.Lock()
        self._client: Any = None  # the Chroma server's client (server mode)
        self._checked: tuple[index_state.Version | None, float, int | None] | None = None

    # ---- loading -------------------------------------------------------------------------
    def index_generation(self) -> int | None:
        """The generation to answer from (None: nothing ingested): the one committed in the
        data dir or, with a Chroma server, the one the last ingest anywhere published."""
        version = self._current_version()
        return version.generation if version is not None else None

    @property
    def version(self) -> index_state.Version | None:
        """The index state loaded now (None before the first load)."""
        return self._version

    def _current_version(self) -> index_state.Version | None:
        data_dir = self.settings.data_dir
        if not self.settings.uses_chroma_server:
            return index_state.local_version(data_dir)
        # Chroma is asked at most every follow_seconds, and at once after an ingest here
        stamp = index_state.index_file_stamp(data_dir)
        now = time.monotonic()
        checked = self._checked
        if checked is not None and checked[2] == stamp and now - checked[1] < self.settings.follow_seconds:
            return checked[0]
        try:
            if self._client is None:
                self._client = open_client(self.settings)
            shared = index_state.shared_version(self._client, self.settings.collection)
        except Exception as exc:
            raise chroma_unreachable(self.settings, exc) from None
        # a server an older version wrote publishes no generation: the data dir's own
        version = shared or index_state.local_version(data_dir)
        self._checked = (version, now, stamp)
        return version

    def ensure_loaded(self) -> None:
        """Load the index, or follow it to a newer generation (an ingest here or, with a
        Chroma server, anywhere). With a server, while one thread follows (a rebuild from
        Chroma), the others answer from the generation loaded before, whose chunks are
        checked against Chroma (``LiveCheck``); embedded, they wait for the quick load."""
        version = self._current_version()
        if version is None:
            raise IndexNotReadyError(
                f"nothing is ingested in {self.settings.data_dir}; run `se-assistant ingest` first"
            )
        if version.same_as(self._version):
            return
        wait = self._version is None or not self.settings.uses_chroma_server
        if not self._reload_lock.acquire(blocking=wait):
            return
        try:
            if not version.same_as(self._version):
                self._load(version)
        finally:
            self._reload_lock.release()

    def _load(self, version: index_state.Version) -> None:
        data_dir = self.settings.data_dir
        if self.settings.uses_chroma_server:
            collection = open_collection(self.settings, client=self._client)
            index, state = keyword_index.load(data_dir, version.generation)
            if not version.same_as(index_state.local_version(data_dir)) or state.get(
                "generation"
            ) != version.generation:
                # published by another machine (or pruned here): build it from Chroma
                index = keyword_index.follow(collection, data_dir, version)
        else:
            try:
                index, _state = keyword_index.load(data_dir, version.generation)
            except (OSError, ValueError):  # a newer ingest pruned it while we read: take that
                version = index_state.local_version(data_dir) or version
                index, _state = keyword_index.load(data_dir, version.generation)
            # fresh: see the writes another process's ingest made (store.py explains)
            collection = open_collection(self.settings, fresh=True)
        self.encoder.encoder = load_encoder(self.settings)
        self.catalog.learn(index, version.generation)
        filters = FilterRows(self.catalog, collection)
        live = LiveCheck(self.settings, collection)
        self.dense = DenseSearch(self.encoder, self.catalog, collection, filters, live)
        self.keyword = KeywordSearch(index, self.catalog, filters, live)
        self._version = version

    # ---- what the loaded index holds (see Catalog) ---------------------------------------
    @property
    def chunk_count(self) -> int:
        return self.catalog.chunk_count

    @property
    def entities(self) -> list[Entity]:
        return self.catalog.entities

    @property
    def vocabulary(self) -> frozenset[str]:
        return self.catalog.vocabulary

    @property
    def filter_values(self) -> dict[str, dict[str, str]]:
        return self.catalog.filter_values

    def normalise_filters(self, filters: dict[str, Any] | None) -> dict[str, list[str]]:
        """Check filter keys and map values to the spelling stored in the index."""
        return self.catalog.normalise_filters(filters)

    def all_chunks(self) -> list[Passage]:
        """Every chunk in the keyword index (the same set as Chroma after an ingest)."""
        self.ensure_loaded()
        return self.catalog.passages()

    # ---- search --------------------------------------------------------------------------
    def search(
        self, query: str, filters: dict[str, Any] | None = None, top_k: int | None = None
    ) -> list[Passage]:
        """The top passages for ``query``: dense and BM25 lists fused by reciprocal rank."""
        self.ensure_loaded()
        assert self.dense is not None and self.keyword is not None  # set by the load
        flt = self.catalog.normalise_filters(filters)
        k = top_k or self.settings.top_k
        depth = max(2 * k, 12)
        dense = self.dense.search(query, flt, depth)
        keyword = self.keyword.search(query, flt, depth)
        return fuse([dense, keyword])[:k]
