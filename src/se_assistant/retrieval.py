"""Hybrid retrieval: dense (Chroma) and BM25 (bm25s) ranked lists fused by reciprocal rank,
with metadata filters, over the chunks that ingestion wrote."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from se_assistant import index_state
from se_assistant.errors import IndexNotReadyError, QuestionError
from se_assistant.lexical import fold, stem, words
from se_assistant.settings import Settings

_RECORD_KEYS = frozenset({"document_id", "doc_id", "ref_doc_id", "node_id", "text"})
FILTER_KEYS = (
    "case", "city", "country", "region", "cluster_type", "source", "kind", "title", "opening",
)
# Other names a filter key goes by: a section's subject is stored as ``case``.
FILTER_ALIASES = {"subject": "case"}
PLACE_KEYS = ("city", "country", "region", "places")
RRF_K = 60.0
SMALL_FILTER = 5000  # chunks a filter may keep for its dense search to run in-process


@dataclass
class Passage:
    """A retrieved chunk with the evidence for it: dense cosine, BM25 score, fused score."""

    node_id: str
    text: str
    metadata: dict[str, Any]
    score: float = 0.0
    dense: float | None = None
    keyword: float | None = None

    @property
    def case(self) -> str:
        """The subject the passage is about ("" when its headings name none)."""
        return str(self.metadata.get("case", ""))

    @property
    def places(self) -> set[str]:
        """The places the passage's metadata names (front matter or heading), folded, with
        the countries their ISO codes stand for."""
        return places_of(self.metadata)

    @property
    def places_as_written(self) -> list[str]:
        """The places as the material writes them ("Brussels", "BE")."""
        return _split_places(self.metadata)

    @property
    def ref_doc_id(self) -> str:
        return str(self.metadata.get("document_id") or self.metadata.get("doc_id") or "")


@dataclass
class Entity:
    """Something the material is about (a case), with the names it goes by."""

    name: str
    names: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()  # single words of its names found in no other case
    places: frozenset[str] = frozenset()  # folded place names given with it


class HybridRetriever:
    """Loads the index from a data dir (or Chroma server) and answers ``search`` calls."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.RLock()
        self._generation: int | None = None
        self._version: index_state.Version | None = None
        self._reload_lock = threading.Lock()
        self._client: Any = None  # the Chroma server's client (server mode)
        self._checked: tuple[index_state.Version | None, float, int | None] | None = None
        self._bm25: Any = None
        self._collection: Any = None
        self._nodes: dict[int, Passage] = {}
        self._masks: dict[str, np.ndarray] = {}
        self._subsets: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
        self._rows_by: dict[str, dict[str, list[int]]] = {}
        self._embeddings: OrderedDict[str, np.ndarray] = OrderedDict()
        self.entities: list[Entity] = []
        self.vocabulary: frozenset[str] = frozenset()
        self.filter_values: dict[str, dict[str, str]] = {}
        self.idf: dict[str, float] = {}
        self.max_idf = 1.0  # the weight of a question word the corpus never uses

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
        from se_assistant.store import chroma_unreachable, open_client

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
        checked against Chroma (``_live``); embedded, they wait for the quick load."""
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
        from se_assistant import keyword_index
        from se_assistant.embedding import load_encoder
        from se_assistant.store import open_collection

        data_dir = self.settings.data_dir
        if self.settings.uses_chroma_server:
            collection = open_collection(self.settings, client=self._client)
            bm25, state = keyword_index.load(data_dir, version.generation)
            if not version.same_as(index_state.local_version(data_dir)) or state.get(
                "generation"
            ) != version.generation:
                # published by another machine (or pruned here): build it from Chroma
                bm25 = keyword_index.follow(collection, data_dir, version)
        else:
            try:
                bm25, _state = keyword_index.load(data_dir, version.generation)
            except (OSError, ValueError):  # a newer ingest pruned it while we read: take that
                version = index_state.local_version(data_dir) or version
                bm25, _state = keyword_index.load(data_dir, version.generation)
            # fresh: see the writes another process's ingest made (store.py explains)
            collection = open_collection(self.settings, fresh=True)
        self._encoder = load_encoder(self.settings)
        self._collection = collection
        self._bm25 = bm25
        self._nodes = {}
        self._masks = {}
        self._subsets = {}
        self._learn_corpus()
        self._version = version
        self._generation = version.generation

    def _learn_corpus(self) -> None:
        corpus = self._bm25.corpus if self._bm25 is not None else []
        self.vocabulary = frozenset(self._bm25.bm25.vocab_dict) if self._bm25 else frozenset()
        values: dict[str, dict[str, str]] = {k: {} for k in (*FILTER_KEYS, "place")}
        cases: dict[str, Entity] = {}
        # rows of each filter value, so a filter's mask is a few array writes, not a scan
        rows_by: dict[str, dict[str, list[int]]] = {k: {} for k in FILTER_KEYS}
        for row, entry in enumerate(corpus):
            for key in FILTER_KEYS:
                if entry.get(key):
                    values[key][fold(str(entry[key]))] = str(entry[key])
                    rows_by[key].setdefault(str(entry[key]), []).append(row)
            for place in _split_places(entry):
                values["place"][fold(place)] = place
                country = country_name(place)
                if country:
                    values["place"][fold(country)] = place
            name = entry.get("case")
            if name and name not in cases:
                aliases = [a.strip() for a in str(entry.get("aliases", "")).split(",") if a.strip()]
                fields = {k: str(entry[k]) for k in ("city", "country", "region") if entry.get(k)}
                cases[name] = Entity(
                    name=name, names=tuple(dict.fromkeys([name, *aliases])), fields=fields
                )
            elif name:
                ent = cases[name]
                for alias in str(entry.get("aliases", "")).split(","):
                    if alias.strip() and alias.strip() not in ent.names:
                        ent.names = (*ent.names, alias.strip())
                for k in ("city", "country", "region"):
                    if entry.get(k) and k not in ent.fields:
                        ent.fields[k] = str(entry[k])
            if name:
                cases[name].places = cases[name].places | places_of(entry)
        self.entities = list(cases.values())
        self.filter_values = values
        # place names said another way ("Spain" for a heading's "ES") are words it knows
        self.vocabulary = self.vocabulary | {
            stem(w) for name in values["place"] for w in words(name)
        }
        self._rows_by = rows_by
        self._learn_keywords(corpus)
        self._learn_idf()

    def _learn_idf(self) -> None:
        """Inverse document frequency of each stem, from the BM25 index's postings."""
        self.idf: dict[str, float] = {}
        self.max_idf = 1.0
        if self._bm25 is None:
            return
        bm25 = self._bm25.bm25
        indptr = np.asarray(bm25.scores["indptr"])
        docs = max(int(bm25.scores.get("num_docs", 1)), 1)
        for token, index in bm25.vocab_dict.items():
            df = int(indptr[index + 1] - indptr[index]) if index + 1 < len(indptr) else 0
            self.idf[token] = float(np.log(1.0 + docs / max(df, 1)))
        self.max_idf = max(self.idf.values(), default=1.0)

    def _learn_keywords(self, corpus: list[dict]) -> None:
        """Words of a subject's names that occur in no other subject's chunks and only as a
        name, capitalised ("Sants", "Orca"; not "foundation" of "the foundation")."""
        from se_assistant.lexical import QUESTION_WORDS

        name_words = {
            e.name: {w for n in e.names for w in words(n) if len(w) >= 4 and w not in QUESTION_WORDS}
            for e in self.entities
        }
        wanted = set().union(*name_words.values()) if name_words else set()
        # which cases' chunks hold each word: read off the BM25 postings (its tokens are the
        # stems of the chunks' breadcrumb and text), not by re-reading every chunk's text
        cases = [str(entry.get("case", "")) for entry in corpus]
        bm25 = self._bm25.bm25 if self._bm25 is not None else None
        seen_in: dict[str, set[str]] = {w: set() for w in wanted}
        if bm25 is not None:
            indptr, indices = bm25.scores["indptr"], bm25.scores["indices"]
            for w in wanted:
                column = bm25.vocab_dict.get(stem(w))
                if column is not None and column + 1 < len(indptr):
                    rows = indices[int(indptr[column]) : int(indptr[column + 1])]
                    seen_in[w] = {cases[int(r)] for r in rows}
                    lower = re.compile(rf"(?<!\w){re.escape(w)}(?!\w)")
                    if w.isdigit() or any(lower.search(str(corpus[int(r)].get("text", ""))) for r in rows):
                        seen_in[w].add("")  # a common word ("the foundation"), not a name
        for entity in self.entities:
            entity.keywords = tuple(
                sorted(w for w in name_words[entity.name] if seen_in[w] <= {entity.name})
            )

    @property
    def chunk_count(self) -> int:
        return len(self._bm25.corpus) if self._bm25 is not None else 0

    # ---- embedding -----------------------------------------------------------------------
    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings, cached by text (sentences of the corpus recur across questions)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._embeddings]
        if missing:
            vectors = self._encoder.embed(missing)
            with self._lock:
                for text, vec in zip(missing, vectors, strict=True):
                    self._embeddings[text] = vec
                while len(self._embeddings) > 50_000:
                    self._embeddings.popitem(last=False)
        return np.stack([self._embeddings[t] for t in texts])

    # ---- search --------------------------------------------------------------------------
    def normalise_filters(self, filters: dict[str, Any] | None) -> dict[str, list[str]]:
        """Check filter keys and map values to the spelling stored in the index."""
        if not filters:
            return {}
        clean: dict[str, list[str]] = {}
        for key, value in filters.items():
            key = FILTER_ALIASES.get(key, key)
            if key not in FILTER_KEYS:
                raise QuestionError(
                    f"unknown filter '{key}'; use one of: {', '.join((*FILTER_KEYS, *FILTER_ALIASES))}"
                )
            raw = value if isinstance(value, list | tuple | set) else [value]
            known = self.filter_values.get(key, {})
            clean[key] = [known.get(fold(str(v)), str(v)) for v in raw if str(v).strip()]
        return {k: v for k, v in clean.items() if v}

    def search(
        self, query: str, filters: dict[str, Any] | None = None, top_k: int | None = None
    ) -> list[Passage]:
        """The top passages for ``query``: dense and BM25 lists fused by reciprocal rank."""
        self.ensure_loaded()
        flt = self.normalise_filters(filters)
        k = top_k or self.settings.top_k
        depth = max(2 * k, 12)
        dense = self._dense(query, flt, depth)
        keyword = self._keyword(query, flt, depth)
        return fuse([dense, keyword])[:k]

    def _dense(self, query: str, flt: dict[str, list[str]], k: int) -> list[Passage]:
        subset = self._subset(flt) if flt else None
        if subset is not None:
            rows, vectors = subset
            if not len(rows):
                return []
            cosine = vectors @ self.embed_query(query)
            top = np.argsort(-cosine)[:k]
            hits = [self._chunk(int(rows[i])) for i in top]
            return self._live(hits, [float(cosine[i]) for i in top], "dense")
        # Chroma is queried directly: the records llama-index's ChromaVectorStore wrote carry
        # everything a Passage needs, and skipping its node objects keeps start-up light.
        clauses = [{key: {"$in": vals}} for key, vals in flt.items()]
        where = None if not clauses else clauses[0] if len(clauses) == 1 else {"$and": clauses}
        got = self._collection.query(
            query_embeddings=[self.embed_query(query).tolist()],
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
            passages.append(_record(node_id, meta, text, dense=1.0 - float(distance)))
        return passages

    def _keyword(self, query: str, flt: dict[str, list[str]], k: int) -> list[Passage]:
        if self._bm25 is None:
            return []
        import bm25s.stopwords

        stop = set(bm25s.stopwords.STOPWORDS_EN)
        tokens = [stem(w) for w in words(query) if w not in stop]
        tokens = [t for t in tokens if t in self.vocabulary]
        if not tokens:
            return []
        subset = self._subset(flt) if flt else None
        if subset is not None:
            # a small filter: score everything (1 ms at 100,000 chunks), keep its rows; bm25s's
            # weight mask costs 5 ms there
            rows = subset[0]
            scores = np.zeros(len(self._bm25.corpus), dtype=np.float32)
            scores[rows] = self._bm25.bm25.get_scores(tokens)[rows]
        else:
            mask = self._mask(flt) if flt else None
            scores = self._bm25.bm25.get_scores(tokens, weight_mask=mask)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = [int(i) for i in top[np.argsort(-scores[top])] if scores[i] > 0]
        return self._live([self._chunk(i) for i in top], [float(scores[i]) for i in top])

    def _subset(self, flt: dict[str, list[str]]) -> tuple[np.ndarray, np.ndarray] | None:
        """The chunks a filter keeps (their keyword-index rows and vectors), when they are few.
        Chroma's filtered query scans its metadata on every call (70 ms at 100,000 chunks for
        six matches); these vectors are read once per filter and index generation."""
        if self._bm25 is None:
            return None
        key = _filter_key(flt)
        if key not in self._subsets:
            rows = np.flatnonzero(self._mask(flt))
            subset = None
            if len(rows) <= SMALL_FILTER:
                ids = [str(self._bm25.corpus[int(r)]["node_id"]) for r in rows]
                got = self._collection.get(ids=ids, include=["embeddings"]) if ids else None
                stored = dict(zip(got["ids"], got["embeddings"], strict=True)) if got else {}
                kept = [(r, i) for r, i in zip(rows, ids, strict=True) if i in stored]
                vectors = np.array([stored[i] for _, i in kept], dtype=np.float32)
                subset = (np.array([r for r, _ in kept], dtype=np.int64), vectors)
            if len(self._subsets) > 64:
                self._subsets.clear()
            self._subsets[key] = subset
        return self._subsets[key]

    def _live(self, hits: list[Passage], scores: list[float], kind: str = "keyword") -> list[Passage]:
        """Hits from the keyword index as Chroma holds them now: a chunk deleted since the
        keyword index was built (an ingest running, or killed, in another process) is never
        cited. ``kind`` names the score (keyword or dense)."""
        from se_assistant.store import existing_chunks

        settled = not index_state.ingest_in_flight(self.settings.data_dir)
        if settled and not self.settings.uses_chroma_server:
            # no ingest running or crashed here: Chroma holds exactly what BM25 was built from
            return [_scored(p, **{kind: s}) for p, s in zip(hits, scores, strict=True)]
        live = existing_chunks(self._collection, [p.node_id for p in hits])
        passages = []
        for hit, score in zip(hits, scores, strict=True):
            if hit.node_id in live:
                text, meta = live[hit.node_id]
                passages.append(_record(hit.node_id, meta, text, **{kind: score}))
        return passages

    def _mask(self, flt: dict[str, list[str]]) -> np.ndarray:
        key = _filter_key(flt)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.ones(len(self._bm25.corpus), dtype=float)
            for field_name, vals in flt.items():
                keep = np.zeros_like(mask)
                for value in vals:
                    keep[self._rows_by.get(field_name, {}).get(value, [])] = 1.0
                mask *= keep
            if len(self._masks) > 256:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def _chunk(self, index: int) -> Passage:
        chunk = self._nodes.get(index)
        if chunk is None:
            entry = self._bm25.corpus[index]
            chunk = _record(str(entry["node_id"]), entry)
            self._nodes[index] = chunk
        return chunk

    def all_chunks(self) -> list[Passage]:
        """Every chunk in the keyword index (the same set as Chroma after an ingest)."""
        self.ensure_loaded()
        return [_scored(self._chunk(i)) for i in range(self.chunk_count)]


def _split_places(meta: dict[str, Any]) -> list[str]:
    found = [str(meta[k]) for k in ("city", "country", "region") if meta.get(k)]
    found += [p.strip() for p in str(meta.get("places", "")).split(",") if p.strip()]
    return found


def places_of(meta: dict[str, Any]) -> set[str]:
    """Folded place names of a chunk's metadata: front-matter fields and heading places,
    with the country an ISO code stands for ("ES" is also "spain")."""
    found = {fold(p) for p in _split_places(meta)}
    return found | {fold(c) for c in map(country_name, _split_places(meta)) if c}


@lru_cache(maxsize=4096)
def country_name(place: str) -> str:
    """The English name of the country a two-letter ISO 3166 code ("BE") names, else ""."""
    if len(place) != 2 or not place.isupper() or not place.isalpha():
        return ""
    import pycountry

    country = pycountry.countries.get(alpha_2=place)
    return str(getattr(country, "common_name", None) or country.name) if country else ""


def _filter_key(flt: dict[str, list[str]]) -> str:
    """The same filter, whatever the order of its keys and values."""
    return repr(sorted((k, sorted(v)) for k, v in flt.items()))


def _record(node_id: str, meta: dict[str, Any], text: str | None = None, **scores: Any) -> Passage:
    """A Passage from a stored record: Chroma's metadata (or a BM25 corpus entry), which holds
    the node as llama-index serialised it under ``_node_content``."""
    content = json.loads(meta.get("_node_content") or "{}")
    metadata = dict(content.get("metadata") or {
        k: v for k, v in meta.items() if not k.startswith("_") and k not in _RECORD_KEYS
    })
    metadata.setdefault("document_id", meta.get("document_id") or meta.get("ref_doc_id") or "")
    body = text if text is not None else str(meta.get("text") or content.get("text", ""))
    return Passage(node_id=node_id, text=body, metadata=metadata, **scores)


def _scored(p: Passage, **scores: Any) -> Passage:
    """A fresh copy of a cached passage (fusion adds to scores in place)."""
    return Passage(p.node_id, p.text, p.metadata, **scores)


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
