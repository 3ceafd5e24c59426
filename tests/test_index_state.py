"""Index state: an ingest with nothing to do reads no file (fingerprints of the committed
generation), anything else is read again; the write lease refuses a second holder and frees
itself when its holder stops renewing it (embedded Chroma here; the server in
test_multi_server.py)."""

from __future__ import annotations

import os
import time

import pytest

import se_assistant.ingestion as ingestion
from se_assistant import index_state
from se_assistant.errors import IngestLockedError
from se_assistant.settings import Settings


@pytest.fixture
def settings(tmp_path, corpus_copy):
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus_copy)
    ingestion.ingest(settings, progress=False)
    return settings


@pytest.fixture
def loads(monkeypatch):
    """The files an ingest reads, in order."""
    seen: list[str] = []
    original = ingestion.load_file

    def load_file(path):
        seen.append(path.name)
        return original(path)

    monkeypatch.setattr(ingestion, "load_file", load_file)
    return seen


def test_a_no_change_ingest_reads_no_file(settings, loads):
    report = ingestion.ingest(settings, progress=False)
    assert loads == []
    assert report.embedded == 0 and len(report.unchanged) == 6 and report.chunks > 20
    assert ingestion.index_contents(settings).consistent


def test_a_no_change_ingest_rebuilds_nothing_and_reads_no_docstore(settings, monkeypatch):
    """Matching fingerprints of the committed generation: no docstore read, no keyword index
    built, the same generation (what keeps a no-change re-ingest at 100,000 chunks ~1.5 s)."""
    before = index_state.local_version(settings.data_dir)

    def refuse(*args, **kwargs):
        raise AssertionError("a no-change ingest must not get here")

    monkeypatch.setattr(ingestion, "load_docstore", refuse)
    monkeypatch.setattr(ingestion, "_rebuild_keyword_index", refuse)
    report = ingestion.ingest(settings, progress=False)
    assert report.embedded == 0 and report.chunks == before.chunks
    assert index_state.local_version(settings.data_dir) == before


def test_an_edited_file_is_read_again_and_a_touched_one_is_not(settings, loads):
    corpus = settings.corpus_dir
    touched = corpus / "cases" / "realis.md"
    os.utime(touched, (time.time() + 5, time.time() + 5))
    edited = corpus / "cases" / "coopcity.md"
    edited.write_text(edited.read_text() + "\nCoopcity also runs a zorblat workshop.\n")

    first = ingestion.ingest(settings, progress=False)
    assert first.updated == ["cases/coopcity.md"] and first.embedded >= 1
    assert "cases/realis.md" in first.unchanged
    loads.clear()
    second = ingestion.ingest(settings, progress=False)
    assert loads == [] and second.embedded == 0


def test_a_removed_or_added_file_is_noticed(settings, loads):
    (settings.corpus_dir / "cases" / "realis.md").unlink()
    assert ingestion.ingest(settings, progress=False).removed == ["cases/realis.md"]
    (settings.corpus_dir / "new.md").write_text("# New\n\nA zorblat note about mills.\n")
    assert ingestion.ingest(settings, progress=False).added == ["new.md"]
    assert ingestion.index_contents(settings).consistent


def test_an_ingest_after_a_crash_reads_again_the_files_it_had_in_flight(settings, loads):
    from se_assistant.documents import doc_id

    in_flight = doc_id(ingestion.CORPUS_ROOT, "cases/realis.md", 0)
    index_state.write_journal(settings.data_dir, {in_flight})  # as a killed run leaves it
    report = ingestion.ingest(settings, progress=False)
    assert loads == ["realis.md"] and report.embedded >= 1
    assert not index_state.ingest_in_flight(settings.data_dir)
    assert ingestion.index_contents(settings).consistent


def _client(tmp_path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                     settings=ChromaSettings(anonymized_telemetry=False))


def test_the_lease_refuses_a_second_holder_in_one_line_until_released(tmp_path):
    client = _client(tmp_path)
    holder = index_state.Lease(client, "lease_unit", 30)
    holder.acquire()
    try:
        with pytest.raises(IngestLockedError) as refused:
            index_state.Lease(client, "lease_unit", 30).acquire()
        message = str(refused.value)
        assert "another ingest is running" in message and "\n" not in message
        holder.check()  # still ours
    finally:
        holder.release()
    index_state.Lease(client, "lease_unit", 30).acquire()


def test_a_lease_nobody_renews_expires(tmp_path):
    client = _client(tmp_path)
    lease = client.get_or_create_collection("lease_unit" + index_state.LEASE_SUFFIX)
    # what a killed holder leaves: its claim, renewed for the last time just now
    lease.modify(metadata={"owner": "killed", "expires": time.time() + 1.0, "host": "h",
                           "pid": 1})
    with pytest.raises(IngestLockedError):
        index_state.Lease(client, "lease_unit", 30).acquire()
    time.sleep(1.1)
    taker = index_state.Lease(client, "lease_unit", 30)
    taker.acquire()
    taker.check()
    taker.release()
