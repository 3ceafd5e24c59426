"""The benchmark script still works: quick mode writes its reports, the generator writes
loadable files of every format. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def generate_corpus(monkeypatch):
    """The bench's corpus generator, imported as ``python evals/bench.py`` imports it."""
    monkeypatch.syspath_prepend(str(REPO / "evals"))
    from benchmark.corpus import generate_corpus

    return generate_corpus


@pytest.mark.slow
def test_quick_mode_through_the_cli_writes_json_markdown_and_png(tmp_path):
    out = tmp_path / "reports"
    cli = Path(sys.executable).parent / "se-assistant"
    done = subprocess.run([str(cli), "bench", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]

    data = json.loads((out / "bench-quick.json").read_text())
    assert {"meta", "imports", "corpora", "targets", "generated"} <= set(data)
    assert data["meta"]["quick"] is True
    assert [c["name"] for c in data["corpora"]] == ["bundled"]
    bundled = data["corpora"][0]
    assert bundled["chunks"] > 0
    assert bundled["first_ingest"]["embedded"] == bundled["chunks"]
    for phase in ("first_ingest", "reingest", "cold_ask"):
        assert bundled[phase]["wall_s"]["median"] > 0
        assert bundled[phase]["peak_rss_mb"] > 0
    latency = bundled["latency"]
    assert latency["questions"] == latency["ours_ms"]["n"] > 1
    assert latency["baseline_ms"]["n"] == latency["questions"]
    assert latency["ratio_ours_over_baseline"] > 0
    assert {"import se_assistant", "from se_assistant import Assistant"} <= set(data["imports"])
    names = {t["name"] for t in data["targets"]}
    assert "warm question median, bundled corpus" in names
    assert "`import se_assistant`" in names
    not_run = {t["name"] for t in data["targets"] if t["measured"] is None}
    assert not_run == {"warm question median, 100,000 chunks", "peak memory at 100,000 chunks",
                       "no-change re-ingest, 100,000 chunks",
                       "filtered question median (country=Italy), 100,000 chunks"}
    assert latency["filtered_ms"]["n"] > 0 and latency["filter_keeps"] > 0

    markdown = (out / "bench-quick.md").read_text()
    assert "## Targets" in markdown and "baseline" in markdown
    assert (out / "bench-quick.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_generated_corpus_has_every_format_and_one_section_per_requested_chunk(
        tmp_path, generate_corpus):
    from se_assistant.loaders import load_file

    info = generate_corpus(tmp_path, 70)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert {p.suffix for p in files} == {".md", ".txt", ".html"}
    assert info["files"] == len(files) and info["sections"] == 70
    sections = [s for p in files for s in load_file(p).sections]
    assert len(sections) == 70
    assert len({s.text for s in sections}) == 70  # texts differ
    markdown = next(p for p in files if p.suffix == ".md")
    assert load_file(markdown).metadata.get("city")  # front matter was read


def test_generated_corpus_is_the_same_for_the_same_seed(tmp_path, generate_corpus):
    generate_corpus(tmp_path / "a", 25, seed=3)
    generate_corpus(tmp_path / "b", 25, seed=3)
    a = {p.relative_to(tmp_path / "a"): p.read_text() for p in (tmp_path / "a").rglob("*.*")}
    b = {p.relative_to(tmp_path / "b"): p.read_text() for p in (tmp_path / "b").rglob("*.*")}
    assert a == b


def test_the_wheel_does_not_carry_the_benchmark():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert not any("evals" in p or "bench" in p for p in wheel["packages"])
    assert not any("bench" in k or "evals" in k for k in wheel.get("force-include", {}))


def test_bench_help_runs_from_the_script_path():
    done = subprocess.run([sys.executable, str(REPO / "evals" / "bench.py"), "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--with-100k" in done.stdout


@pytest.mark.slow
def test_the_model_alone_worker_embeds_the_index_own_chunks_as_the_ingest_did(ingested_dir):
    """The ceiling the first-ingest throughput is reported against: the chunk encoder alone on
    chunks read back from the index, in a fresh process."""
    done = subprocess.run([sys.executable, str(REPO / "evals" / "bench.py"), "--worker",
                           "embedding", "--data-dir", str(ingested_dir), "--runs", "2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("BENCH-JSON "))
    result = json.loads(line.removeprefix("BENCH-JSON "))
    from se_assistant import Assistant

    assistant = Assistant(data_dir=ingested_dir)
    assistant.subjects()  # loads the index
    assert result["texts"] == assistant.retriever.chunk_count > 0
    assert result["precision"] == "int8" and result["wall_s"]["n"] == 2
    assert result["chunks_per_s"] > 0


def test_the_report_sets_the_first_ingest_against_the_model_alone(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "evals"))
    from benchmark.report import write_markdown

    seconds = {"median": 1.0}
    corpus = {
        "name": "gen-10000", "chunks": 10031, "peak_rss_mb": 700.0,
        "load_average_at_start": [1.0],
        "first_ingest": {"wall_s": seconds, "cpu_s": seconds, "chunks_per_s": 112.3,
                         "model_alone": {"precision": "int8", "chunks_per_s": 158.6,
                                         "first_ingest_share": 0.71}},
        "reingest": {"wall_s": seconds, "cpu_s": seconds},
        "cold_ask": {"wall_s": seconds, "cpu_s": seconds},
        "latency": {"ours_ms": {"median": 19.0, "p95": 120.0}, "ours_cpu_ms": {"median": 30.0},
                    "filtered_ms": {"median": 2.0}, "filter_keeps": 165},
    }
    results = {"meta": {"quick": False, "date": "today", "cpus": 2, "python": "3.11",
                        "runs": 3, "load_average": [1.0], "omp_num_threads": None},
               "targets": [], "corpora": [corpus], "imports": {}}
    write_markdown(results, tmp_path / "bench.md")
    assert "| gen-10000 | int8 | 158.6 | 112.3 | 71% |" in (tmp_path / "bench.md").read_text()
