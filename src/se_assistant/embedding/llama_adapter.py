"""Any encoder as a llama-index embedding, so ingestion and the llama-index baseline embed
nodes the way llama-index does (``MetadataMode.EMBED`` text, its batching)."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr


class EncoderEmbedding(BaseEmbedding):
    """A llama-index ``BaseEmbedding`` over an encoder with ``embed(texts) -> ndarray``."""

    _encoder: Any = PrivateAttr()

    def __init__(self, encoder: Any, model_name: str, embed_batch_size: int = 64) -> None:
        super().__init__(model_name=model_name, embed_batch_size=embed_batch_size)
        self._encoder = encoder

    @classmethod
    def class_name(cls) -> str:
        return "EncoderEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encoder.embed([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encoder.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encoder.embed(texts).tolist()
