"""Questions keep being answered while an ingest runs in another process; a second ingest on
the same data dir is refused with a clear message; the running app then sees the new index."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import assert_cites_only_committed_or_in_flight, assert_faithful

from se_assistant import Assistant
from se_assistant.errors import IngestLockedError
from se_assistant.ingestion import index_contents, ingest
from se_assistant.settings import Settings

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

# An ingest that pauses after its first Chroma write until the test creates the "go" file.
CHILD = r"""
import sys, time
from pathlib import Path
import se_assistant.ingestion as ing, se_assistant.store as store
from se_assistant.settings import Settings

data_dir, notes, go = sys.argv[1:4]
original, calls = store.upsert_nodes, [0]
def upsert(collection, nodes, embeddings):
    original(collection, nodes, embeddings)
    calls[0] += 1
    if calls[0] == 1:
        print("WRITING", flush=True)
        while not Path(go).exists():
            time.sleep(0.05)
store.upsert_nodes = upsert
ing.DOCUMENT_BATCH = 4
report = ing.ingest(Settings.load(data_dir=data_dir), [Path(notes)], progress=False)
print("DONE", report.embedded, flush=True)
"""


def _notes(folder: Path, count: int = 12) -> Path:
    folder.mkdir()
    for n in range(count):
        (folder / f"note-{n}.md").write_text(
            f"# Note {n}\n\n## Work\n\nThe plonkett{n} cooperative in Lyon repairs bicycles and "
            f"trains {n + 3} young mechanics every year.\n", encoding="utf-8")
    return folder


def test_questions_are_answered_during_an_ingest_and_a_second_ingest_is_refused(
    tmp_path, ingested_dir
):
    data_dir = tmp_path / "data"
    shutil.copytree(ingested_dir, data_dir)
    settings = Settings.load(data_dir=data_dir, corpus_dir=CORPUS)
    notes = _notes(tmp_path / "notes")
    assistant = Assistant(settings=settings)
    assert assistant.ask("how was Pfefferwerk funded?").grounded  # the app is up before

    go = tmp_path / "go"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), str(notes), str(go)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "WRITING", child.stderr.read()
        # mid-ingest: the lock is held and Chroma is half-written
        with pytest.raises(IngestLockedError) as info:
            ingest(settings, [notes], progress=False)
        assert "another ingest is running" in str(info.value)
        second = subprocess.run(
            [sys.executable, "-m", "se_assistant.cli", "ingest", str(notes), "--data-dir",
             str(data_dir)], capture_output=True, text=True, timeout=600)
        assert second.returncode == 2 and "another ingest is running" in second.stderr
        assert second.stderr.strip().count("\n") == 0

        questions = ("how was Pfefferwerk funded?", "Where is Coopcity?",
                     "Who repairs bicycles?", "What does the plonkett0 cooperative do?")
        # the app that was up before, and one started mid-ingest (a new process would be)
        for asker in (assistant, Assistant(settings=settings)):
            during = [asker.ask(q) for q in questions]
            assert_faithful(during[0])
            assert during[0].citations[0].source == "cases/pfefferwerk.md"
            hits = [h for q in questions for h in asker.search(q, top_k=12)]
            assert assert_cites_only_committed_or_in_flight(settings, during, hits)
        # nothing of the paused ingest is committed (BM25 is rebuilt when it ends)
        assert not any("note-" in chunk for chunk in index_contents(settings).keyword)
        go.touch()
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0 and "DONE 12" in out, err
    finally:
        go.touch()
        if child.poll() is None:
            child.kill()
            child.wait()

    # the same Assistant picks up the generation the other process committed
    answer = assistant.ask("What does the plonkett5 cooperative do?")
    assert_faithful(answer)
    assert any(c.source == "note-5.md" for c in answer.citations), answer.text
    passages = assistant.retriever.search("plonkett5 cooperative repairs bicycles in Lyon")
    assert any(p.metadata["source"] == "note-5.md" and p.dense is not None for p in passages), \
        "the dense side must see the chunks another process wrote"
    assert index_contents(settings).consistent
