"""Hybrid retrieval over the chunks that ingestion wrote, in steps with one job each:

- ``catalog``: what the loaded index holds (chunks as passages, subjects, filter values, idf);
- ``embedding_cache``: question and sentence vectors, cached by text;
- ``filters``: a metadata filter as rows of the keyword index (mask, small subsets);
- ``dense`` and ``keyword``: the two searches, checked against Chroma by ``live``;
- ``fusion``: reciprocal rank fusion of their lists;
- ``retriever``: ``HybridRetriever``, which follows the index and composes the steps.
"""

from se_assistant.retrieval.catalog import FILTER_ALIASES, FILTER_KEYS, Catalog, Entity
from se_assistant.retrieval.embedding_cache import CachedEncoder
from se_assistant.retrieval.fusion import fuse
from se_assistant.retrieval.passage import Passage, country_name, places_of
from se_assistant.retrieval.retriever import HybridRetriever

__all__ = [
    "FILTER_ALIASES",
    "FILTER_KEYS",
    "CachedEncoder",
    "Catalog",
    "Entity",
    "HybridRetriever",
    "Passage",
    "country_name",
    "fuse",
    "places_of",
]
