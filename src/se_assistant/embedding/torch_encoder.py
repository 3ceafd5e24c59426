"""The model run by sentence-transformers in PyTorch: the reference the ONNX copy is checked
against, and the backend for models the ONNX export cannot handle."""

from __future__ import annotations

from typing import Any

import numpy as np

from se_assistant.embedding.model_path import cannot_load, offline
from se_assistant.errors import extra_needed

# what the torch backend and the one-time ONNX export need beyond the core install
EXPORT_EXTRA = ("export", "the PyTorch model (the one-time ONNX export or embed_backend torch)")
EXPORT_MODULES = ("torch", "transformers", "sentence_transformers", "onnx")


def load_sentence_transformer(model_path: str, **model_kwargs: Any) -> Any:
    """A ``SentenceTransformer`` on the CPU, loaded offline and quietly."""
    offline()
    with extra_needed(*EXPORT_EXTRA, *EXPORT_MODULES):
        import transformers
        from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()

    try:
        return SentenceTransformer(model_path, device="cpu", model_kwargs=model_kwargs or None)
    except Exception as exc:
        raise cannot_load(model_path, exc) from None


class TorchEncoder:
    """Normalised float32 embeddings from sentence-transformers."""

    precision = "float32"

    def __init__(self, model_path: str) -> None:
        self.model = load_sentence_transformer(model_path)
        self.dimension = int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(
            list(texts),
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32, copy=False)
