"""Index state, in one home: which generation of the index is committed, what an ingest has in
flight, and who may write.

In the data dir (one machine):

- ``index.json``: the generation this data dir last committed or followed (and the Chroma
  collection it belongs to), its chunk count and when it was ingested;
- ``ingest.journal``: the documents an ingest has in flight; present only while one runs, or
  after one was killed (the next ingest redoes them);
- ``ingest.lock``: a file lock that keeps two ingests of one data dir apart;
- ``files.json``: the fingerprint of every file the committed generation was made from, so
  that an ingest with nothing to do parses no file and reads no docstore;
- ``bm25/gen-<n>``: the keyword index of generation ``n`` (see keyword_index.py).

In Chroma (seen by every machine that uses the same server):

- the collection's metadata: the generation the last completed ingest published. Chat servers
  compare it with the one they loaded and follow it;
- the collection ``<name>.lease``'s metadata: which ingest holds the write lease, and until
  when. It keeps ingests from different machines apart (a file lock cannot).

The write order that makes an ingest crash-safe (ingestion.py): journal, Chroma upserts, stale
deletes, docstore, keyword index folder, ``index.json``, generation in Chroma, journal removed.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from se_assistant.errors import IngestLockedError, SeAssistantError
from se_assistant.settings import Settings

INDEX_FILE = "index.json"
MANIFEST_FILE = "files.json"
JOURNAL_FILE = "ingest.journal"
LOCK_FILE = "ingest.lock"
# keys in the collection's metadata (Chroma replaces the whole dict on modify: write all)
GENERATION_KEY = "se_assistant_generation"
CHUNKS_KEY = "se_assistant_chunks"
INGESTED_AT_KEY = "se_assistant_ingested_at"
LEASE_SUFFIX = ".lease"
# a contender waits this long after writing its claim before reading it back (see Lease)
LEASE_SETTLE_SECONDS = 0.5


@dataclass(frozen=True)
class Version:
    """One committed state of the index: its generation number within a Chroma collection
    (a collection deleted and created again starts a new history)."""

    generation: int
    collection_id: str = ""
    chunks: int = 0
    ingested_at: float | None = None

    def same_as(self, other: Version | None) -> bool:
        return (
            other is not None
            and self.generation == other.generation
            and self.collection_id == other.collection_id
        )


# ---- the data dir -------------------------------------------------------------------------
def local_version(data_dir: Path) -> Version | None:
    """What ``index.json`` says was committed here (None: nothing yet, or unreadable)."""
    try:
        meta = json.loads((data_dir / INDEX_FILE).read_text())
        return Version(
            generation=int(meta.get("generation", 0)),
            collection_id=str(meta.get("collection_id", "")),
            chunks=int(meta.get("chunks", 0)),
            ingested_at=float(meta["ingested_at"]) if meta.get("ingested_at") else None,
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def commit_local(data_dir: Path, version: Version) -> None:
    """Make ``version`` the committed one of this data dir, in one rename: readers switch to
    its keyword index folder, which must be complete before this is called."""
    path = data_dir / INDEX_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({
        "generation": version.generation,
        "collection_id": version.collection_id,
        "chunks": version.chunks,
        "ingested_at": version.ingested_at,
    }))
    os.replace(tmp, path)


def index_file_stamp(data_dir: Path) -> int | None:
    """Changes whenever ``index.json`` is replaced (a cheap 'did an ingest commit here?')."""
    try:
        return (data_dir / INDEX_FILE).stat().st_mtime_ns
    except OSError:
        return None


def read_manifest(data_dir: Path, version: Version) -> dict[str, dict[str, str]] | None:
    """root id -> file -> fingerprint, as written when ``version`` was committed here (None
    when absent or written for another version)."""
    try:
        manifest = json.loads((data_dir / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("generation") != version.generation or manifest.get(
        "collection_id"
    ) != version.collection_id:
        return None
    return manifest.get("roots") or {}


def write_manifest(data_dir: Path, version: Version, roots: dict[str, dict[str, str]]) -> None:
    path = data_dir / MANIFEST_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"generation": version.generation,
                               "collection_id": version.collection_id, "roots": roots}))
    os.replace(tmp, path)


def drop_manifest(data_dir: Path) -> None:
    (data_dir / MANIFEST_FILE).unlink(missing_ok=True)


def read_journal(data_dir: Path) -> set[str]:
    """Document ids an unfinished ingest had in flight (empty when none)."""
    try:
        return set(json.loads((data_dir / JOURNAL_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return set()


def write_journal(data_dir: Path, doc_ids: set[str]) -> None:
    tmp = data_dir / (JOURNAL_FILE + ".tmp")
    tmp.write_text(json.dumps(sorted(doc_ids)))
    os.replace(tmp, data_dir / JOURNAL_FILE)


def clear_journal(data_dir: Path) -> None:
    (data_dir / JOURNAL_FILE).unlink(missing_ok=True)


def ingest_in_flight(data_dir: Path) -> bool:
    """An ingest of this data dir is running or was killed: Chroma may hold chunks the keyword
    index does not, or lack some it names."""
    return (data_dir / JOURNAL_FILE).exists()


@contextmanager
def data_dir_lock(data_dir: Path, wait: float = 1.0) -> Iterator[None]:
    """The file lock of one data dir; raises the one-line refusal when another ingest holds it."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(data_dir / LOCK_FILE))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise IngestLockedError(
            f"another ingest is running on {data_dir}; wait for it to finish, then run again"
        ) from None
    try:
        yield
    finally:
        lock.release()


def try_data_dir_lock(data_dir: Path) -> Any | None:
    """The data dir's file lock if it is free now (release it when done), else None."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(data_dir / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return None
    return lock


# ---- Chroma -------------------------------------------------------------------------------
def shared_version(client: Any, name: str) -> Version | None:
    """The generation the last completed ingest published in the collection's metadata, read
    afresh from Chroma (None: no collection, or no ingest has published one yet)."""
    try:
        collection = client.get_collection(name)
    except Exception as exc:
        if _is_not_found(exc):
            return None
        raise
    return version_of(collection)


def version_of(collection: Any) -> Version | None:
    """The generation in a collection object's metadata (as fetched; see shared_version)."""
    meta = collection.metadata or {}
    if GENERATION_KEY not in meta:
        return None
    stamp = meta.get(INGESTED_AT_KEY)
    return Version(
        generation=int(meta[GENERATION_KEY]),
        collection_id=str(collection.id),
        chunks=int(meta.get(CHUNKS_KEY, 0)),
        ingested_at=float(stamp) if stamp else None,
    )


def publish(collection: Any, version: Version) -> None:
    """Announce ``version`` to every chat server that reads this collection."""
    collection.modify(metadata={
        GENERATION_KEY: version.generation,
        CHUNKS_KEY: version.chunks,
        INGESTED_AT_KEY: float(version.ingested_at or time.time()),
    })


def next_version(collection: Any, data_dir: Path, chunks: int) -> Version:
    """The version an ingest that holds the write lease commits next: above both the shared
    and the local generation, so that every reader sees a change."""
    shared = version_of(collection)
    local = local_version(data_dir)
    generation = max(shared.generation if shared else 0, local.generation if local else 0) + 1
    return Version(generation, str(collection.id), chunks, time.time())


class Lease:
    """The write lease of one collection, held in the metadata of a small collection beside it
    (``<name>.lease``: owner, host, pid, expiry), renewed by a thread while the ingest runs.

    Chroma has no compare-and-set, so claiming is write-then-read-back: a contender that finds
    the lease free (or expired) writes its claim, waits ``LEASE_SETTLE_SECONDS``, and reads it
    back; only the one whose claim survived goes on. Race window: two contenders whose claims
    reach the server more than the settle time apart from their read-back (a server stalled for
    half a second between two requests) can both believe they won. Expiry uses the machines'
    wall clocks: keep them in sync (NTP) and the lease well above any clock skew.
    """

    def __init__(self, client: Any, name: str, seconds: float):
        self.name = f"{name}{LEASE_SUFFIX}"
        self.seconds = seconds
        self.owner = uuid.uuid4().hex
        self._client = client
        self._collection: Any = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = False

    def acquire(self) -> None:
        """Claim the lease or raise the one-line :class:`IngestLockedError`."""
        try:
            self._collection = self._client.get_or_create_collection(self.name)
        except Exception:  # two first contenders creating it at once: the loser just reads it
            self._collection = self._client.get_collection(self.name)
        holder = self._read()
        if self._held_by_other(holder):
            raise self._refusal(holder)
        self._write(time.time() + self.seconds)
        time.sleep(LEASE_SETTLE_SECONDS)
        holder = self._read()
        if holder.get("owner") != self.owner:
            raise self._refusal(holder)
        self._renewer = threading.Thread(target=self._renew, name="ingest-lease", daemon=True)
        self._renewer.start()

    def check(self) -> None:
        """Raise when the lease was lost (this ingest stalled past its expiry and another took
        over): the caller must not publish."""
        if self.lost or self._read().get("owner") != self.owner:
            self.lost = True
            raise SeAssistantError(
                f"this ingest lost its write lease on '{self.name}' (it stalled for more than "
                f"{self.seconds:.0f} s and another ingest took over); run it again"
            )

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=10)
        try:
            if self._read().get("owner") == self.owner:
                self._collection.modify(metadata={"owner": "", "expires": 0.0})
        except Exception:  # noqa: BLE001 - an unreleased lease expires on its own
            pass

    def _renew(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                if self._read().get("owner") != self.owner:
                    self.lost = True
                    return
                self._write(time.time() + self.seconds)
            except Exception:  # noqa: BLE001 - a missed renewal is retried; check() decides
                continue

    def _read(self) -> dict:
        return dict(self._client.get_collection(self.name).metadata or {})

    def _write(self, expires: float) -> None:
        self._collection.modify(metadata={
            "owner": self.owner, "expires": expires, "host": socket.gethostname(),
            "pid": os.getpid(),
        })

    def _held_by_other(self, holder: dict) -> bool:
        return bool(holder.get("owner")) and holder.get("owner") != self.owner and float(
            holder.get("expires", 0)) > time.time()

    def _refusal(self, holder: dict) -> IngestLockedError:
        left = max(0.0, float(holder.get("expires", 0)) - time.time())
        who = f"{holder.get('host', '?')} pid {holder.get('pid', '?')}"
        return IngestLockedError(
            f"another ingest is running on collection '{self.name.removesuffix(LEASE_SUFFIX)}' "
            f"(held by {who}, lease renewed until {left:.0f} s from now); wait for it to finish, "
            "then run again"
        )


@contextmanager
def write_lease(settings: Settings, data_dir: Path) -> Iterator[Lease | None]:
    """Everything an ingest must hold to write: the data dir's file lock and, with a Chroma
    server, the collection's lease (yielded, so that the ingest checks it before publishing)."""
    with data_dir_lock(data_dir):
        if not settings.uses_chroma_server:
            yield None
            return
        from se_assistant.store import open_client

        lease = Lease(open_client(settings), settings.collection, settings.ingest_lease_seconds)
        lease.acquire()
        try:
            yield lease
        finally:
            lease.release()


def _is_not_found(exc: Exception) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(exc, NotFoundError) or "does not exist" in str(exc)
