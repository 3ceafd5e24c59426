"""The catalog of the loaded index: its chunks as passages, the subjects (entities) and filter
values they name, and the words it knows with their idf. Learned from the keyword index's
entries and postings on every load of a generation; read by search, chat and answering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from se_assistant.errors import QuestionError
from se_assistant.lexical import QUESTION_WORDS, fold, stem, words
from se_assistant.retrieval.passage import (
    Passage,
    country_name,
    from_record,
    places_of,
    scored,
    split_places,
)

if TYPE_CHECKING:
    from se_assistant.keyword_index import KeywordIndex

FILTER_KEYS = (
    "case", "city", "country", "region", "cluster_type", "source", "kind", "title", "opening",
)
# Other names a filter key goes by: a section's subject is stored as ``case``.
FILTER_ALIASES = {"subject": "case"}


@dataclass
class Entity:
    """Something the material is about (a case), with the names it goes by."""

    name: str
    names: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()  # single words of its names found in no other case
    places: frozenset[str] = frozenset()  # folded place names given with it


class Catalog:
    """What the loaded index holds. One object per retriever, relearned in place (``learn``)
    when it loads another generation, so whoever holds it reads the current one."""

    def __init__(self) -> None:
        self.generation: int | None = None
        self.entities: list[Entity] = []
        self.vocabulary: frozenset[str] = frozenset()
        self.filter_values: dict[str, dict[str, str]] = {}
        self.idf: dict[str, float] = {}
        self.max_idf = 1.0  # the weight of a question word the corpus never uses
        self._corpus: list[dict] = []
        self._rows_by: dict[str, dict[str, list[int]]] = {}
        self._passages: dict[int, Passage] = {}
        self._row_of_id: dict[str, int] | None = None

    def learn(self, index: KeywordIndex | None, generation: int | None) -> None:
        """Learn the chunks of ``index`` (the keyword index of ``generation``; None: no chunks)."""
        corpus = index.corpus if index is not None else []
        bm25 = index.bm25 if index is not None else None
        values: dict[str, dict[str, str]] = {k: {} for k in (*FILTER_KEYS, "place")}
        cases: dict[str, Entity] = {}
        # rows of each filter value, so a filter's mask is a few array writes, not a scan
        rows_by: dict[str, dict[str, list[int]]] = {k: {} for k in FILTER_KEYS}
        for row, entry in enumerate(corpus):
            for key in FILTER_KEYS:
                if entry.get(key):
                    values[key][fold(str(entry[key]))] = str(entry[key])
                    rows_by[key].setdefault(str(entry[key]), []).append(row)
            for place in split_places(entry):
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
        entities = list(cases.values())
        _learn_keywords(entities, corpus, bm25)
        vocabulary = frozenset(bm25.vocab_dict) if bm25 is not None else frozenset()
        # place names said another way ("Spain" for a heading's "ES") are words it knows
        vocabulary |= {stem(w) for name in values["place"] for w in words(name)}
        idf, max_idf = _idf(bm25)
        # all learned: the generation's state replaces the previous one's in one go
        self._corpus, self._passages, self._rows_by = corpus, {}, rows_by
        self._row_of_id: dict[str, int] | None = None
        self.entities, self.filter_values, self.vocabulary = entities, values, vocabulary
        self.idf, self.max_idf, self.generation = idf, max_idf, generation

    # ---- chunks --------------------------------------------------------------------------
    @property
    def chunk_count(self) -> int:
        return len(self._corpus)

    def passage(self, row: int) -> Passage:
        """The chunk at ``row`` of the keyword index (cached: callers copy before scoring)."""
        chunk = self._passages.get(row)
        if chunk is None:
            entry = self._corpus[row]
            chunk = from_record(str(entry["node_id"]), entry)
            self._passages[row] = chunk
        return chunk

    def node_id(self, row: int) -> str:
        return str(self._corpus[row]["node_id"])

    def row_of(self, node_id: str) -> int | None:
        """The row of the chunk ``node_id`` (None when the keyword index does not hold it)."""
        if self._row_of_id is None:  # built on first use, once per generation
            self._row_of_id = {str(e["node_id"]): row for row, e in enumerate(self._corpus)}
        return self._row_of_id.get(node_id)

    def passages(self) -> list[Passage]:
        """Every chunk, as fresh unscored passages."""
        return [scored(self.passage(i)) for i in range(self.chunk_count)]

    def rows_with(self, key: str, value: str) -> list[int]:
        """The rows whose metadata ``key`` is ``value`` as stored."""
        return self._rows_by.get(key, {}).get(value, [])

    # ---- filters -------------------------------------------------------------------------
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


def _idf(bm25: Any) -> tuple[dict[str, float], float]:
    """Inverse document frequency of each stem, from the BM25 index's postings, and the
    largest (1.0 without an index)."""
    idf: dict[str, float] = {}
    if bm25 is None:
        return idf, 1.0
    indptr = np.asarray(bm25.scores["indptr"])
    docs = max(int(bm25.scores.get("num_docs", 1)), 1)
    for token, index in bm25.vocab_dict.items():
        df = int(indptr[index + 1] - indptr[index]) if index + 1 < len(indptr) else 0
        idf[token] = float(np.log(1.0 + docs / max(df, 1)))
    return idf, max(idf.values(), default=1.0)


def _learn_keywords(entities: list[Entity], corpus: list[dict], bm25: Any) -> None:
    """Set each entity's keywords: words of its names that occur in no other subject's chunks
    and only as a name, capitalised ("Sants", "Orca"; not "foundation" of "the foundation")."""
    name_words = {
        e.name: {w for n in e.names for w in words(n) if len(w) >= 4 and w not in QUESTION_WORDS}
        for e in entities
    }
    wanted = set().union(*name_words.values()) if name_words else set()
    # which cases' chunks hold each word: read off the BM25 postings (its tokens are the
    # stems of the chunks' breadcrumb and text), not by re-reading every chunk's text
    cases = [str(entry.get("case", "")) for entry in corpus]
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
    for entity in entities:
        entity.keywords = tuple(
            sorted(w for w in name_words[entity.name] if seen_in[w] <= {entity.name})
        )
