"""What retrieval returns: a ``Passage`` (a stored chunk with its scores), read from a Chroma
record or a keyword-index entry, and the places its metadata names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from se_assistant.lexical import fold

# keys of a stored record that are the record's own, not the chunk's metadata
_RECORD_KEYS = frozenset({"document_id", "doc_id", "ref_doc_id", "node_id", "text"})


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
        return split_places(self.metadata)

    @property
    def ref_doc_id(self) -> str:
        return str(self.metadata.get("document_id") or self.metadata.get("doc_id") or "")


def split_places(meta: dict[str, Any]) -> list[str]:
    """The places of a chunk's metadata as written: front-matter fields, then heading places."""
    found = [str(meta[k]) for k in ("city", "country", "region") if meta.get(k)]
    found += [p.strip() for p in str(meta.get("places", "")).split(",") if p.strip()]
    return found


def places_of(meta: dict[str, Any]) -> set[str]:
    """Folded place names of a chunk's metadata: front-matter fields and heading places,
    with the country an ISO code stands for ("ES" is also "spain")."""
    found = {fold(p) for p in split_places(meta)}
    return found | {fold(c) for c in map(country_name, split_places(meta)) if c}


@lru_cache(maxsize=4096)
def country_name(place: str) -> str:
    """The English name of the country a two-letter ISO 3166 code ("BE") names, else ""."""
    if len(place) != 2 or not place.isupper() or not place.isalpha():
        return ""
    import pycountry

    country = pycountry.countries.get(alpha_2=place)
    return str(getattr(country, "common_name", None) or country.name) if country else ""


def from_record(
    node_id: str, meta: dict[str, Any], text: str | None = None, **scores: Any
) -> Passage:
    """A Passage from a stored record: Chroma's metadata (or a BM25 corpus entry), which holds
    the node as llama-index serialised it under ``_node_content``."""
    content = json.loads(meta.get("_node_content") or "{}")
    metadata = dict(content.get("metadata") or {
        k: v for k, v in meta.items() if not k.startswith("_") and k not in _RECORD_KEYS
    })
    metadata.setdefault("document_id", meta.get("document_id") or meta.get("ref_doc_id") or "")
    body = text if text is not None else str(meta.get("text") or content.get("text", ""))
    return Passage(node_id=node_id, text=body, metadata=metadata, **scores)


def scored(p: Passage, **scores: Any) -> Passage:
    """A fresh copy of a cached passage (fusion adds to scores in place)."""
    return Passage(p.node_id, p.text, p.metadata, **scores)
