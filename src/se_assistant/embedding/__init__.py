"""The embedding model, loaded once per process and never from a hub.

Questions and answer sentences are always embedded in float32; chunks at ingest use
``index_precision`` (int8 by default: the same model quantized; 190 against 100 chunks a
second measured on 2 cores).
``embed_backend`` picks ONNX Runtime (default: no PyTorch at start-up) or sentence-transformers
in PyTorch. Both run the same weights; tests hold them to the same vectors."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from se_assistant.embedding.encoder import Encoder, FakeEncoder
from se_assistant.embedding.model_path import resolve_model_path
from se_assistant.embedding.onnx_encoder import OnnxEncoder
from se_assistant.embedding.onnx_export import ExportError, export_folder
from se_assistant.embedding.torch_encoder import TorchEncoder
from se_assistant.errors import SettingsError

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from se_assistant.settings import Settings

__all__ = ["Encoder", "FakeEncoder", "load_embed_model", "load_encoder", "resolve_model_path"]

_lock = threading.Lock()


def load_encoder(settings: Settings, precision: str = "float32", bulk: bool = False) -> Encoder:
    """The encoder for ``settings`` at ``precision`` (float32 for questions, the
    ``index_precision`` for chunks), tuned for many texts at a time when ``bulk``; one per
    process and combination."""
    path = resolve_model_path(settings.embed_model)
    with _lock:
        return _load(path, settings.embed_backend, precision, bulk, settings.model_cache_dir)


def load_embed_model(settings: Settings, precision: str | None = None) -> BaseEmbedding:
    """The chunk encoder (``index_precision`` unless given) as a llama-index embedding."""
    from se_assistant.embedding.llama_adapter import EncoderEmbedding  # imports llama-index

    encoder = load_encoder(settings, precision or settings.index_precision, bulk=True)
    return EncoderEmbedding(encoder, settings.embed_model)


@lru_cache(maxsize=8)
def _load(model_path: str, backend: str, precision: str, bulk: bool, cache_dir: Path) -> Any:
    if backend == "torch":
        return _torch(model_path)  # one model serves questions and ingest alike
    try:
        folder = export_folder(model_path, cache_dir)
    except ExportError as exc:
        raise SettingsError(
            f"setting 'embed_backend': cannot run {model_path!r} with onnx ({exc}); "
            "set --embed-backend torch or SE_ASSISTANT_EMBED_BACKEND=torch"
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"setting 'model_cache_dir': cannot write {cache_dir} ({exc.strerror or exc}); "
            "choose another with --model-cache-dir or SE_ASSISTANT_MODEL_CACHE_DIR"
        ) from None
    return OnnxEncoder(folder, precision, bulk)


@lru_cache(maxsize=4)
def _torch(model_path: str) -> Any:
    return TorchEncoder(model_path)
