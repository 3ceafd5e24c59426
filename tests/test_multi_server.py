"""Several machines, one Chroma server: a real `chroma run` on loopback, two `se-assistant ui`
chat servers with their own data dirs, and ingests from other data dirs (child processes).

Chat servers follow the generation an ingest publishes in Chroma; ingests from different data
dirs are kept apart by the write lease held in Chroma. Run with -s to see the timings."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from helpers import LOAD_QUESTIONS
from processes import REPO, chat_server, chroma_env, chroma_run, cli_ingest, free_port

from se_assistant import Assistant
from se_assistant.errors import IngestLockedError
from se_assistant.index_state import LEASE_SUFFIX
from se_assistant.ingestion import index_contents, ingest
from se_assistant.settings import Settings

pytestmark = [pytest.mark.server, pytest.mark.slow]

FOLLOW_SECONDS = Settings.model_fields["follow_seconds"].default
NEW_NOTE = "notes/mills.md"
NOTE_QUESTION = "Who restores old mills in Ghent?"

# An ingest that stops after its second Chroma write (prints "AT mid-write") until the file
# named by its third argument exists (or it is killed): it holds the write lease meanwhile.
HALTING_INGEST = r"""
import sys, time
from pathlib import Path
import se_assistant.ingestion as ing, se_assistant.store as st
from se_assistant.settings import Settings

data_dir, corpus, go = sys.argv[1:4]
original, calls = st.upsert_nodes, []

def upsert(*args, **kwargs):
    original(*args, **kwargs)
    calls.append(1)
    if len(calls) == 2:
        print("AT mid-write", flush=True)
        deadline = time.monotonic() + 600
        while not Path(go).exists() and time.monotonic() < deadline:
            time.sleep(0.1)

st.upsert_nodes = upsert
ing.DOCUMENT_BATCH = ing.NODE_BATCH = 4
report = ing.ingest(Settings.load(data_dir=data_dir, corpus_dir=corpus), progress=False)
print("DONE", report.chunks, flush=True)
"""


def _note(n: int | str) -> str:
    return (
        f"# Mills {n}\n\n## Plans\n\nThe zorblat{n} cluster in Ghent restores old mills. It "
        f"employs twelve people and sells flour to bakeries.\n\n## Funding\n\nThe quimbly{n} "
        f"fund lent the zorblat{n} cluster forty thousand euros in 2016.\n"
    )


def _write_notes(corpus: Path, names: list[str]) -> None:
    (corpus / "notes").mkdir(exist_ok=True)
    for name in names:
        (corpus / "notes" / f"{name}.md").write_text(_note(name), encoding="utf-8")


def _ask(url: str, question: str) -> dict:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, "", api_name="/ask")


def _sources(answer: dict) -> set[str]:
    return {c["source"] for c in [*answer["citations"], *answer["related"]]}


@dataclass
class Deployment:
    root: Path
    corpus: Path
    chroma: tuple[str, int]
    servers: list[str]

    @property
    def writer(self) -> Path:
        return self.root / "writer"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    with chroma_run(tmp_path_factory.mktemp("chroma")) as address:
        yield address


@pytest.fixture(scope="module")
def deployment(chroma, tmp_path_factory):
    """The bundled corpus ingested by a writer process, then two chat servers on their own
    (empty) data dirs reading the same Chroma server."""
    root = tmp_path_factory.mktemp("deployment")
    corpus = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    first = cli_ingest(root / "writer", corpus, chroma)
    assert first.returncode == 0, first.stderr
    with (
        chat_server(root / "chat-a", chroma, root / "chat-a.log") as a,
        chat_server(root / "chat-b", chroma, root / "chat-b.log") as b,
    ):
        yield Deployment(root, corpus, chroma, [a, b])


def test_both_chat_servers_cite_a_new_file_and_stop_citing_it_once_removed(deployment):
    for url in deployment.servers:
        assert NEW_NOTE not in _sources(_ask(url, NOTE_QUESTION))

    (deployment.corpus / "notes").mkdir()
    (deployment.corpus / NEW_NOTE).write_text(_note("mill"), encoding="utf-8")
    added = cli_ingest(deployment.writer, deployment.corpus, deployment.chroma)
    assert added.returncode == 0 and NEW_NOTE in added.stdout, added.stderr
    finished = time.monotonic()
    time.sleep(FOLLOW_SECONDS)  # the chat servers ask Chroma at most this often
    for url in deployment.servers:
        answer = _ask(url, NOTE_QUESTION)
        print(f"\n{url}: cites the new file {time.monotonic() - finished:.2f} s after the ingest")
        assert answer["grounded"] and answer["citations"][0]["source"] == NEW_NOTE
    health = [httpx.get(url + "healthz", timeout=60).json() for url in deployment.servers]
    assert health[0]["ok"] and health[0]["generation"] == health[1]["generation"] >= 2
    assert health[0]["chunks"] == health[1]["chunks"] > 31

    (deployment.corpus / NEW_NOTE).unlink()
    removed = cli_ingest(deployment.writer, deployment.corpus, deployment.chroma)
    assert removed.returncode == 0, removed.stderr
    time.sleep(FOLLOW_SECONDS)
    for url in deployment.servers:
        assert NEW_NOTE not in _sources(_ask(url, NOTE_QUESTION))
        assert NEW_NOTE not in _sources(_ask(url, "zorblatmill cluster flour bakeries"))
        pfefferwerk = _ask(url, "how was Pfefferwerk funded?")
        assert pfefferwerk["citations"][0]["source"] == "cases/pfefferwerk.md"


def _start_halting_ingest(data_dir: Path, corpus: Path, go: Path, env: dict) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", HALTING_INGEST, str(data_dir), str(corpus), str(go)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    line = child.stdout.readline()
    if line.strip() != "AT mid-write":
        child.kill()
        pytest.fail(f"the ingest did not reach its halt: {child.stderr.read()[-2000:]}")
    return child


def test_a_second_ingest_from_another_data_dir_is_refused_while_one_runs(chroma, tmp_path,
                                                                          corpus_copy):
    go = tmp_path / "go"
    first = _start_halting_ingest(tmp_path / "one", corpus_copy, go,
                                  chroma_env(chroma, collection="lease_test"))
    try:
        second = cli_ingest(tmp_path / "two", corpus_copy, chroma, collection="lease_test")
        refusal = second.stderr.strip()
        assert second.returncode == 2 and "\n" not in refusal, refusal
        assert "another ingest is running" in refusal and "lease_test" in refusal
    finally:
        go.touch()
        out, err = first.communicate(timeout=600)
    assert first.returncode == 0 and "DONE" in out, err

    again = cli_ingest(tmp_path / "two", corpus_copy, chroma, collection="lease_test")
    assert again.returncode == 0, again.stderr
    settings = Settings.load(data_dir=tmp_path / "two", corpus_dir=corpus_copy,
                             chroma_host=chroma[0], chroma_port=chroma[1],
                             collection="lease_test")
    contents = index_contents(settings)
    assert contents.consistent and len(contents.chroma) == len(set(contents.chroma)) > 20


def test_two_claims_at_once_leave_one_holder(chroma):
    import chromadb

    from se_assistant.index_state import Lease

    client = chromadb.HttpClient(host=chroma[0], port=chroma[1])
    leases = [Lease(client, "race_test", 30) for _ in range(2)]

    def claim(lease: Lease) -> bool:
        try:
            lease.acquire()
            return True
        except IngestLockedError:
            return False

    with ThreadPoolExecutor(2) as pool:
        won = list(pool.map(claim, leases))
    try:
        assert won.count(True) == 1
    finally:
        for lease, held in zip(leases, won, strict=True):
            if held:
                lease.release()
    assert claim(Lease(client, "race_test", 30)), "a released lease is free at once"


def _lease_expiry(chroma: tuple[str, int], collection: str) -> float:
    import chromadb

    client = chromadb.HttpClient(host=chroma[0], port=chroma[1])
    return float(client.get_collection(collection + LEASE_SUFFIX).metadata.get("expires", 0))


def test_a_killed_ingests_lease_expires_and_the_next_ingest_completes_without_duplicates(
    chroma, tmp_path, corpus_copy
):
    lease_seconds = 6
    killed_dir, other_dir = tmp_path / "killed", tmp_path / "other"

    def settings(data_dir: Path) -> Settings:
        return Settings.load(data_dir=data_dir, corpus_dir=corpus_copy, chroma_host=chroma[0],
                             chroma_port=chroma[1], collection="killed_test",
                             ingest_lease_seconds=lease_seconds)

    ingest(settings(killed_dir), progress=False)
    _write_notes(corpus_copy, [f"note{n}" for n in range(12)])
    child = _start_halting_ingest(killed_dir, corpus_copy, tmp_path / "never",
                                  chroma_env(chroma, collection="killed_test",
                                             ingest_lease_seconds=lease_seconds))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)

    with pytest.raises(IngestLockedError, match="another ingest is running"):
        ingest(settings(other_dir), progress=False)

    # meanwhile a chat server on another data dir answers, citing only chunks that exist
    reader = Assistant(settings=settings(other_dir))
    live = set(index_contents(settings(killed_dir)).chroma)
    for question in ("how was Pfefferwerk funded?", "zorblat3 cluster flour", NOTE_QUESTION):
        for citation in [*(answer := reader.ask(question)).citations, *answer.related]:
            assert citation.chunk_id in live
    assert reader.ask("how was Pfefferwerk funded?").grounded

    wait = _lease_expiry(chroma, "killed_test") - time.time()
    assert 0 < wait <= lease_seconds, "the killed ingest's lease is still held, then expires"
    time.sleep(wait + 0.2)

    report = ingest(settings(killed_dir), progress=False)
    contents = index_contents(settings(killed_dir))
    assert contents.consistent and len(set(contents.chroma)) == len(contents.chroma)
    assert report.chunks == len(contents.chroma)
    assert {f"notes/note{n}.md" for n in range(12)} <= {i.split(":", 1)[1].rsplit("#", 1)[0]
                                                         for i in contents.chroma}
    time.sleep(FOLLOW_SECONDS)
    answer = reader.ask("Which fund lent money to the zorblatnote7 cluster?")
    assert any(c.source == "notes/note7.md" for c in answer.citations), answer.text


MIXED_QUESTIONS = [
    *LOAD_QUESTIONS,
    NOTE_QUESTION,
    "Which fund lent money to the zorblatload3 cluster?",
]


def test_400_questions_from_40_clients_over_both_servers_while_an_ingest_runs(deployment):
    from gradio_client import Client

    clients, per_client = 40, 10
    _write_notes(deployment.corpus, [f"load{n}" for n in range(150)])
    writer = subprocess.Popen(
        [sys.executable, "-m", "se_assistant.cli", "ingest", "--data-dir",
         str(deployment.writer), "--corpus-dir", str(deployment.corpus)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=chroma_env(deployment.chroma),
    )
    journal = deployment.writer / "ingest.journal"
    deadline = time.monotonic() + 300
    while not journal.exists() and writer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)  # start asking once the ingest writes
    assert writer.poll() is None, "the ingest must still run when the questions start"

    def one_client(index: int) -> list[tuple[float, str | None]]:
        url = deployment.servers[index % len(deployment.servers)]
        results: list[tuple[float, str | None]] = []
        # 2 cores serve 40 clients, two chat servers, Chroma and the ingest: a question may
        # wait its turn in a queue for many seconds, which is not an error
        client = Client(url, verbose=False, httpx_kwargs={"timeout": 600})
        for turn in range(per_client):
            question = MIXED_QUESTIONS[(index + turn) % len(MIXED_QUESTIONS)]
            started = time.perf_counter()
            try:
                answer = client.predict(question, "", api_name="/ask")
                error = None if answer["text"].strip() else "empty answer"
            except Exception as exc:  # noqa: BLE001 - counted and shown
                error = f"{type(exc).__name__}: {exc}"
            results.append((time.perf_counter() - started, error))
        return results

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        runs = [r for rs in pool.map(one_client, range(clients)) for r in rs]
    wall = time.perf_counter() - started
    ingest_running_after = writer.poll() is None
    out, err = writer.communicate(timeout=600)

    latencies = np.array([seconds for seconds, _ in runs])
    errors = [e for _, e in runs if e]
    print(
        f"\nload: {len(runs)} questions from {clients} clients over {len(deployment.servers)} "
        f"chat servers in {wall:.1f} s, ingest {'still running' if ingest_running_after else 'done'}"
        f" at the end; latency p50 {np.percentile(latencies, 50):.2f} s, p95 "
        f"{np.percentile(latencies, 95):.2f} s, max {latencies.max():.2f} s; errors {len(errors)}"
    )
    assert writer.returncode == 0, err
    assert len(runs) == clients * per_client
    assert not errors, errors[:3]
    time.sleep(FOLLOW_SECONDS)
    for url in deployment.servers:
        answer = _ask(url, "Which fund lent money to the zorblatload3 cluster?")
        assert answer["citations"][0]["source"] == "notes/load3.md"


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_the_deployment_recipe_runs_on_loopback():
    import tempfile

    # nginx's workers run as another user: the scratch folder must be reachable for them
    scratch = Path(tempfile.mkdtemp(prefix="se-assistant-deploy-", dir="/tmp"))
    scratch.chmod(0o755)
    try:
        _run_recipe(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_recipe(scratch: Path) -> None:
    ports = {name: str(free_port()) for name in
             ("CHROMA_PORT", "CHAT_PORT_1", "CHAT_PORT_2", "PROXY_PORT")}
    env = {**os.environ, **ports, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run([str(REPO / "deploy" / "try-on-loopback.sh"), str(scratch)],
                            capture_output=True, text=True, env=env, timeout=900)
    print(result.stdout[-1500:])
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"ok":true' in result.stdout and "no login:    HTTP 401" in result.stdout
    assert "with login:  HTTP 200" in result.stdout
    assert "cases/pfefferwerk.md cited" in result.stdout
