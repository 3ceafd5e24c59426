"""What the rest of the code needs of an embedding model (``Encoder``), and a stand-in that
implements it without a model (``FakeEncoder``) for fast unit tests of the answering rules."""

from __future__ import annotations

import hashlib
from typing import Protocol

import numpy as np

from se_assistant.lexical import content_terms


class Encoder(Protocol):
    """What the rest of the code needs of a model: unit-length float32 vectors for texts."""

    precision: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class FakeEncoder:
    """A deterministic :class:`Encoder` with no model: each text is the bag of its content
    word stems, hashed into ``dimension`` buckets and scaled to unit length. Texts sharing
    words are close, texts sharing none are orthogonal (unless two stems share a bucket); a
    text without content words is the zero vector. For tests of rules, not of retrieval
    quality."""

    precision = "float32"

    def __init__(self, dimension: int = 512) -> None:
        self.dimension = dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in content_terms(text):
                vectors[row, self._bucket(term)] += 1.0
            norm = float(np.linalg.norm(vectors[row]))
            if norm:
                vectors[row] /= norm
        return vectors

    def _bucket(self, term: str) -> int:
        digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.dimension
