"""An ingest killed with SIGKILL at any point leaves an index that answers with citations of
chunks Chroma holds, and the next ingest leaves Chroma, docstore and BM25 naming the same
chunks, none twice, none missing."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import assert_cites_only_committed_or_in_flight, assert_faithful

from se_assistant import Assistant
from se_assistant.errors import IndexNotReadyError
from se_assistant.ingestion import index_contents, ingest
from se_assistant.settings import Settings

pytestmark = pytest.mark.slow

NOTES = 24  # generated files on top of the bundled corpus

# Runs an ingest that stops (prints "AT <point>", then sleeps until killed) at one point of
# the write sequence; small batches so that "mid-write" falls between two Chroma writes.
CHILD = r"""
import sys, time
import se_assistant.ingestion as ing, se_assistant.keyword_index as kw, se_assistant.store as st
from se_assistant.settings import Settings

point, data_dir, corpus = sys.argv[1:4]
calls = {"upsert": 0}

def halt(name):
    if name == point:
        print("AT", name, flush=True)
        time.sleep(600)

def wrap(module, attr, name, after=False):
    original = getattr(module, attr)
    def wrapper(*args, **kwargs):
        if attr == "upsert_nodes":
            calls["upsert"] += 1
            if calls["upsert"] == 3:
                halt(name)
        elif not after:
            halt(name)
        result = original(*args, **kwargs)
        if after:
            halt(name)
        return result
    setattr(module, attr, wrapper)

ing.DOCUMENT_BATCH = 4
ing.NODE_BATCH = 4
wrap(st, "upsert_nodes", "mid-write")
wrap(ing, "_delete_stale", "before-stale-delete")
wrap(ing, "_persist_docstore", "before-docstore")
wrap(ing, "_rebuild_keyword_index", "before-keyword-index")
wrap(kw, "save", "before-commit", after=True)
ing.ingest(Settings.load(data_dir=data_dir, corpus_dir=corpus), progress=False)
print("DONE", flush=True)
"""


def _note(n: int, version: int = 1) -> str:
    if version == 2:  # edited: new wording, one section fewer (its chunks become stale)
        return f"# Note {n}\n\n## Plans\n\nThe renewed{n} cluster in Ghent now trains cooks.\n"
    return (
        f"# Note {n}\n\n## Plans\n\nThe zorblat{n} cluster in Ghent restores old mills. "
        f"It employs twelve people and sells flour to bakeries.\n\n"
        f"## Funding\n\nThe quimbly{n} fund lent the zorblat{n} cluster forty thousand euros "
        f"in 2016, repaid over ten years.\n"
    )


def _write_notes(corpus: Path, numbers: range) -> None:
    (corpus / "notes").mkdir(exist_ok=True)
    for n in numbers:
        (corpus / "notes" / f"note-{n}.md").write_text(_note(n), encoding="utf-8")


def _change(corpus: Path) -> None:
    """Edit five notes (fewer sections), delete five, add eight."""
    for n in range(5):
        (corpus / "notes" / f"note-{n}.md").write_text(_note(n, 2), encoding="utf-8")
    for n in range(5, 10):
        (corpus / "notes" / f"note-{n}.md").unlink()
    _write_notes(corpus, range(NOTES, NOTES + 8))


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A corpus (bundled + generated notes), a pristine copy of it, and a data dir holding it,
    ingested once. Roots are keyed by absolute path, so each test restores the corpus in place."""
    root = tmp_path_factory.mktemp("crash-base")
    corpus = root / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[1] / "corpus", corpus)
    _write_notes(corpus, range(NOTES))
    shutil.copytree(corpus, root / "pristine")
    ingest(Settings.load(data_dir=root / "data", corpus_dir=corpus), progress=False)
    return root


def _kill_at(point: str, settings: Settings) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, point, str(settings.data_dir), str(settings.corpus_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == f"AT {point}", f"ingest did not reach {point}: {child.stderr.read()}"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


QUESTIONS = [
    "how was Pfefferwerk funded?",
    "Which fund lent money to the zorblat7 cluster?",  # a deleted note
    "What does the quimbly2 fund do?",  # a section the edit removed
    "Who restores old mills in Ghent?",
    "What does the renewed3 cluster do?",  # the edited note
    "zorblat30 cluster flour",  # a note the killed run added
]


def _assert_answers_cite_live_chunks(settings: Settings) -> None:
    assistant = Assistant(settings=settings)
    answers = [assistant.ask(question) for question in QUESTIONS]
    hits = [hit for question in QUESTIONS for hit in assistant.search(question, top_k=12)]
    assert assert_cites_only_committed_or_in_flight(settings, answers, hits)
    pfefferwerk = answers[0]
    assert_faithful(pfefferwerk)
    assert pfefferwerk.citations[0].source == "cases/pfefferwerk.md"


def _assert_complete_and_consistent(settings: Settings) -> None:
    contents = index_contents(settings)
    assert contents.consistent, "Chroma, docstore and BM25 must name the same chunks, once each"
    assert len(contents.chroma) == len(contents.docstore) == len(contents.keyword)
    sources = {i.split(":", 1)[1].rsplit("#", 1)[0] for i in contents.chroma}
    on_disk = {p.relative_to(settings.corpus_dir).as_posix()
               for p in settings.corpus_dir.rglob("*.md")}
    assert sources == on_disk, "every file has chunks, deleted files have none"
    assert not (settings.data_dir / "ingest.journal").exists()
    texts = " ".join(
        hit.quote for n in range(5) for hit in Assistant(settings=settings).search(f"renewed{n}")
    )
    assert all(f"renewed{n}" in texts for n in range(5))


@pytest.mark.parametrize(
    "point",
    ["mid-write", "before-stale-delete", "before-docstore", "before-keyword-index",
     "before-commit"],
)
def test_ingest_killed_mid_way_keeps_answering_and_next_ingest_repairs(tmp_path, base, point):
    shutil.rmtree(base / "corpus")
    shutil.copytree(base / "pristine", base / "corpus")
    shutil.copytree(base / "data", tmp_path / "data")
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=base / "corpus")
    before = len(index_contents(settings).chroma)
    _change(settings.corpus_dir)

    _kill_at(point, settings)

    _assert_answers_cite_live_chunks(settings)
    # a note the killed run was adding is deleted before the next run: only the journal
    # tells that run its chunks may be in Chroma
    (settings.corpus_dir / "notes" / f"note-{NOTES}.md").unlink()
    report = ingest(settings, progress=False)
    assert report.chunks == len(index_contents(settings).chroma) != before
    _assert_complete_and_consistent(settings)
    _assert_answers_cite_live_chunks(settings)


def test_first_ingest_killed_mid_way_leaves_nothing_half_visible(tmp_path, corpus_copy):
    _write_notes(corpus_copy, range(NOTES))
    settings = Settings.load(data_dir=tmp_path / "data", corpus_dir=corpus_copy)

    _kill_at("mid-write", settings)

    with pytest.raises(IndexNotReadyError):
        Assistant(settings=settings).ask("how was Pfefferwerk funded?")
    ingest(settings, progress=False)
    _assert_complete_and_consistent_first(settings)


def _assert_complete_and_consistent_first(settings: Settings) -> None:
    contents = index_contents(settings)
    assert contents.consistent and contents.chroma
    answer = Assistant(settings=settings).ask("how was Pfefferwerk funded?")
    assert_faithful(answer)
    assert answer.citations[0].source == "cases/pfefferwerk.md"
