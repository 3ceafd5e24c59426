"""The Chroma collection behind the index: embedded (PersistentClient under the data dir) or
a Chroma server (HttpClient) when ``chroma_host`` is set."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from se_assistant.errors import IndexNotReadyError, SeAssistantError
from se_assistant.settings import Settings

if TYPE_CHECKING:
    from llama_index.vector_stores.chroma import ChromaVectorStore


def chroma_path(settings: Settings) -> Path:
    return settings.data_dir / "chroma"


def open_collection(settings: Settings, create: bool = True) -> Any:
    """The Chroma collection (cosine space). Raises a one-line error when the server is down
    or the data dir cannot be used."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.uses_chroma_server:
            client = chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                settings=chroma_settings,
            )
            client.heartbeat()
        else:
            path = chroma_path(settings)
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except SeAssistantError:
        raise
    except Exception as exc:
        if settings.uses_chroma_server:
            raise SeAssistantError(
                f"cannot reach the Chroma server at {settings.chroma_address} "
                f"({_first_line(exc)}); start it with `chroma run --port {settings.chroma_port}` "
                "or fix SE_ASSISTANT_CHROMA_HOST/PORT"
            ) from None
        raise SeAssistantError(
            f"cannot open the index in {chroma_path(settings)} ({_first_line(exc)}); "
            "check that the data dir is writable or choose another with --data-dir"
        ) from None
    try:
        if create:
            return client.get_or_create_collection(
                settings.collection, metadata={"hnsw:space": "cosine"}
            )
        return client.get_collection(settings.collection)
    except Exception as exc:
        if not create:
            raise IndexNotReadyError(
                f"no index in {_where(settings)}; run `se-assistant ingest` first"
            ) from None
        raise SeAssistantError(
            f"cannot open the Chroma collection '{settings.collection}' in {_where(settings)} "
            f"({_first_line(exc)})"
        ) from None


def vector_store(collection: Any) -> ChromaVectorStore:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    return ChromaVectorStore(chroma_collection=collection)


def _where(settings: Settings) -> str:
    return settings.chroma_address if settings.uses_chroma_server else str(chroma_path(settings))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
