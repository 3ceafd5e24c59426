"""The Chroma collection behind the index: embedded (PersistentClient under the data dir) or
a Chroma server (HttpClient) when ``chroma_host`` is set.

Reading while another process writes: Chroma keeps one in-memory ``System`` per path and
process, whose vector index never sees writes made by other processes. ``open_client(...,
fresh=True)`` builds a new one (the retriever does so when an ingest finished), and the
retriever drops hits whose chunk was deleted meanwhile. What the index's generation is, and
who may write, lives in index_state.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from se_assistant.errors import IndexNotReadyError, SeAssistantError
from se_assistant.settings import Settings


def chroma_path(settings: Settings) -> Path:
    return settings.data_dir / "chroma"


def open_client(settings: Settings, fresh: bool = False) -> Any:
    """A Chroma client: HttpClient for a server, PersistentClient under the data dir otherwise.
    Raises a one-line error when the server is down or the data dir cannot be used. ``fresh``
    makes the embedded client load the store afresh, so that writes made by other processes
    are seen."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.uses_chroma_server:
            _probe_server(settings)
            client = chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                settings=chroma_settings,
            )
            client.heartbeat()
            return client
        path = chroma_path(settings)
        path.mkdir(parents=True, exist_ok=True)
        if fresh:
            # Chroma keeps one System per path and process, whose vector index never sees
            # other processes' writes. Its public cache reset forgets every cached System
            # without stopping any (clients already open keep theirs, so queries in flight
            # finish); the client made next loads the store from disk.
            from chromadb.api.client import Client as ChromaClient

            ChromaClient.clear_system_cache()
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except SeAssistantError:
        raise
    except Exception as exc:
        if settings.uses_chroma_server:
            raise chroma_unreachable(settings, exc) from None
        raise SeAssistantError(
            f"cannot open the index in {chroma_path(settings)} ({_first_line(exc)}); "
            "check that the data dir is writable or choose another with --data-dir"
        ) from None


def chroma_unreachable(settings: Settings, exc: BaseException) -> SeAssistantError:
    """The one-line error for a Chroma server that did not answer."""
    return SeAssistantError(
        f"cannot reach the Chroma server at {settings.chroma_address} "
        f"({_first_line(exc)}); start it with `chroma run --port {settings.chroma_port}` "
        "or fix SE_ASSISTANT_CHROMA_HOST/PORT"
    )


def open_collection(
    settings: Settings, create: bool = True, fresh: bool = False, client: Any = None
) -> Any:
    """The Chroma collection (cosine space) of ``settings.collection``, through ``client``
    (a new one from :func:`open_client` when None). Raises a one-line error when it cannot be
    opened, or :class:`IndexNotReadyError` when ``create`` is False and it does not exist."""
    client = client if client is not None else open_client(settings, fresh=fresh)
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


def upsert_nodes(collection: Any, nodes: list[Any], embeddings: Any) -> None:
    """Write nodes and their embeddings (one row each) under their ids in one upsert per
    batch, so a chunk is replaced in place and never missing in between
    (ChromaVectorStore.add ignores existing ids). The records are ChromaVectorStore's."""
    from llama_index.core.schema import MetadataMode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    if not nodes:
        return
    # Chroma's upsert merges metadata into an existing row: a key the chunk no longer has (a
    # subject its headings stopped naming) is removed by writing None for it
    ids = [n.node_id for n in nodes]
    before = collection.get(ids=ids, include=["metadatas"])
    old_keys = {i: set(m or {}) for i, m in zip(before["ids"], before["metadatas"], strict=True)}
    metadatas = []
    for node in nodes:
        meta = node_to_metadata_dict(node, remove_text=True, flat_metadata=True)
        row = {k: ("" if v is None else v) for k, v in meta.items()}
        row.update(dict.fromkeys(old_keys.get(node.node_id, set()) - set(row)))
        metadatas.append(row)
    collection.upsert(
        ids=[n.node_id for n in nodes],
        embeddings=embeddings,
        metadatas=metadatas,
        documents=[n.get_content(metadata_mode=MetadataMode.NONE) for n in nodes],
    )


def existing_chunks(collection: Any, ids: list[str]) -> dict[str, tuple[str, dict]]:
    """id -> (text, metadata) for those of ``ids`` that Chroma holds now."""
    if not ids:
        return {}
    got = collection.get(ids=list(dict.fromkeys(ids)), include=["documents", "metadatas"])
    return {
        i: (text, meta)
        for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        if text
    }


def _probe_server(settings: Settings, timeout: float = 5.0) -> None:
    # chromadb's HttpClient waits without a timeout; a short probe turns a server that is down
    # or unreachable into a prompt one-line error.
    import httpx

    url = f"{settings.chroma_address}/api/v2/heartbeat"
    try:
        httpx.get(url, timeout=timeout).raise_for_status()
    except httpx.HTTPStatusError as exc:
        raise SeAssistantError(
            f"{settings.chroma_address} answered {exc.response.status_code} and is not a Chroma "
            "server (v1.x); fix SE_ASSISTANT_CHROMA_HOST/PORT"
        ) from None
    except httpx.HTTPError as exc:
        raise SeAssistantError(
            f"cannot reach the Chroma server at {settings.chroma_address} "
            f"({_first_line(exc) or type(exc).__name__}); start it with `chroma run --path "
            f"./chroma-data --host {settings.chroma_host} --port {settings.chroma_port}` "
            "or fix SE_ASSISTANT_CHROMA_HOST/PORT"
        ) from None


def _where(settings: Settings) -> str:
    return settings.chroma_address if settings.uses_chroma_server else str(chroma_path(settings))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
