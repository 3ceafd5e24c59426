"""Question and sentence embeddings, cached by text: the sentences of the corpus recur across
questions, and embedding them is most of a question's time."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from se_assistant.embedding import Encoder

CAPACITY = 50_000  # texts kept; the oldest go first


class CachedEncoder:
    """An :class:`~se_assistant.embedding.Encoder` whose vectors are cached by text. The
    model behind it is set when the retriever loads an index (``encoder``); the cache
    outlives index generations (a text's vector does not depend on the index)."""

    def __init__(self, encoder: Encoder | None = None, capacity: int = CAPACITY) -> None:
        self.encoder = encoder
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.RLock()

    @property
    def precision(self) -> str:
        return self._model.precision

    @property
    def dimension(self) -> int:
        return self._model.dimension

    @property
    def _model(self) -> Encoder:
        if self.encoder is None:
            raise RuntimeError("no embedding model yet: the retriever sets it when it loads")
        return self.encoder

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors of ``texts``, one row each; only texts not seen before are
        embedded."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            vectors = self._model.embed(missing)
            with self._lock:
                for text, vec in zip(missing, vectors, strict=True):
                    self._vectors[text] = vec
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        return np.stack([self._vectors[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of one text."""
        return self.embed([text])[0]
