"""The measured phases of one corpus (first ingest, no-change re-ingest, cold ask, warm latency)
and the import times, each in fresh processes."""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

from .processes import Measured, cli, load_average, run_checked, summary
from .worker import WORKER_MARK
from .workload import COLD_QUESTION, FILTER

# the entry point, which also runs the latency worker (``--worker latency``)
BENCH_SCRIPT = Path(__file__).resolve().parents[1] / "bench.py"
# below this many chunks a first ingest is mostly start-up: its ratio to the model alone says
# nothing about the pipeline
CEILING_MIN_CHUNKS = 1000


def run_worker(kind: str, data_dir: Path, *args: str) -> tuple[dict, float]:
    """Run a bench worker in a fresh process: its JSON result and the process's peak RSS."""
    cmd = [sys.executable, str(BENCH_SCRIPT), "--worker", kind, "--data-dir", str(data_dir), *args]
    measured = run_checked(cmd, f"the {kind} worker")
    line = next(ln for ln in reversed(measured.stdout.splitlines()) if ln.startswith(WORKER_MARK))
    return json.loads(line[len(WORKER_MARK):]), measured.peak_rss_mb


def measure_latency(data_dir: Path, corpus_dir: Path, questions: int, baseline: bool) -> dict:
    result, peak = run_worker("latency", data_dir, "--corpus-dir", str(corpus_dir),
                              "--questions", str(questions), *(["--baseline"] if baseline else []))
    result["peak_rss_mb"] = round(peak, 1)
    return result


# ---- phases ------------------------------------------------------------------------------
def measure_imports(runs: int) -> dict[str, Any]:
    """In-process import times in fresh interpreters, and the wall of the whole process."""
    timed = ("import time; t = time.perf_counter(); {stmt}; "
             "print(time.perf_counter() - t)")
    result: dict[str, Any] = {}
    for stmt in ("import se_assistant", "from se_assistant import Assistant"):
        label = stmt
        inner, wall = [], []
        for _ in range(runs):
            m = run_checked([sys.executable, "-c", timed.format(stmt=stmt)], label)
            inner.append(float(m.stdout.strip().splitlines()[-1]))
            wall.append(m.seconds)
        result[label] = {"import_s": summary(inner), "process_wall_s": summary(wall)}
    return result


def ingest_once(corpus_dir: Path, data_dir: Path) -> tuple[Measured, dict]:
    m = run_checked(cli("ingest", "--json", "--data-dir", str(data_dir),
                        "--corpus-dir", str(corpus_dir)), f"ingest of {corpus_dir}")
    return m, json.loads(m.stdout[m.stdout.index("{"):])


def measure_corpus(name: str, corpus_dir: Path, work: Path, *, first_runs: int, runs: int,
                   questions: int, baseline: bool, reuse: Path | None = None) -> dict[str, Any]:
    """First ingest, no-change re-ingest, cold ask and warm latency on one corpus. ``reuse``:
    a data dir already ingested from ``corpus_dir``, copied and measured without a first
    ingest (first ingest throughput is then not measured on this corpus)."""
    result: dict[str, Any] = {"name": name, "load_average_at_start": load_average()}
    firsts, data_dir = [], None
    if reuse is not None:
        data_dir = work / f"{name}-data-reused"
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.copytree(reuse, data_dir)  # re-ingests and questions may write to it
        first_runs = 0
        print(f"  [{name}] first ingest not measured: a copy of {reuse} is used", flush=True)
    for i in range(first_runs):
        data_dir = work / f"{name}-data-{i}"
        shutil.rmtree(data_dir, ignore_errors=True)
        m, report = ingest_once(corpus_dir, data_dir)
        firsts.append((m, report))
        print(f"  [{name}] first ingest {i + 1}/{first_runs}: {report['embedded']} chunks embedded,"
              f" {report['chunks']} in the index, {m.seconds:.1f} s, {m.peak_rss_mb:.0f} MB",
              flush=True)
    if firsts:
        walls = [m.seconds for m, _ in firsts]
        result["chunks"] = firsts[0][1]["chunks"]
        result["first_ingest"] = {
            "wall_s": summary(walls),
            "cpu_s": summary([m.cpu_seconds for m, _ in firsts]),
            "in_process_s": summary([r["seconds"] for _, r in firsts]),
            "embedded": firsts[0][1]["embedded"],
            "chunks_per_s": round(firsts[0][1]["embedded"] / statistics.median(walls), 1),
            "chunks_per_s_in_process": round(
                firsts[0][1]["embedded"] / statistics.median(r["seconds"] for _, r in firsts), 1),
            "peak_rss_mb": round(max(m.peak_rss_mb for m, _ in firsts), 1),
            "runs": first_runs,
        }
    if firsts and result["chunks"] >= CEILING_MIN_CHUNKS:
        # what the whole ingest is judged against: the model alone, on the same chunks
        ceiling, _ = run_worker("embedding", data_dir, "--runs", str(runs))
        ceiling["first_ingest_share"] = round(
            result["first_ingest"]["chunks_per_s"] / ceiling["chunks_per_s"], 2)
        result["first_ingest"]["model_alone"] = ceiling
        print(f"  [{name}] model alone ({ceiling['precision']}, {ceiling['texts']} of these "
              f"chunks): {ceiling['chunks_per_s']} chunks/s; the first ingest reaches "
              f"{ceiling['first_ingest_share']:.0%} of it", flush=True)
    if not firsts:
        result["first_ingest"] = {"reused": str(reuse), "runs": 0}
    re_runs, re_embedded = [], []
    for _ in range(runs):
        m, report = ingest_once(corpus_dir, data_dir)
        if report["embedded"]:  # the files did not change: the code under test did, or a bug
            print(f"  [{name}] WARNING: a no-change re-ingest embedded {report['embedded']} "
                  "chunks", flush=True)
        re_runs.append(m)
        re_embedded.append(report["embedded"])
        result.setdefault("chunks", report["chunks"])
    result["reingest"] = {
        "embedded": re_embedded,
        "wall_s": summary([m.seconds for m in re_runs]),
        "cpu_s": summary([m.cpu_seconds for m in re_runs]),
        "peak_rss_mb": round(max(m.peak_rss_mb for m in re_runs), 1),
    }
    print(f"  [{name}] no-change re-ingest: median {result['reingest']['wall_s']['median']:.2f} s",
          flush=True)
    colds = [run_checked(cli("ask", COLD_QUESTION, "--data-dir", str(data_dir),
                             "--corpus-dir", str(corpus_dir)), "cold ask") for _ in range(runs)]
    result["cold_ask"] = {
        "wall_s": summary([m.seconds for m in colds]),
        "cpu_s": summary([m.cpu_seconds for m in colds]),
        "peak_rss_mb": round(max(m.peak_rss_mb for m in colds), 1),
    }
    print(f"  [{name}] cold ask: median {result['cold_ask']['wall_s']['median']:.2f} s", flush=True)
    result["latency"] = measure_latency(data_dir, corpus_dir, questions, baseline)
    lat = result["latency"]
    line = (f"  [{name}] warm ask: median {lat['ours_ms']['median']:.1f} ms, "
            f"p95 {lat['ours_ms']['p95']:.1f} ms; with {FILTER} ({lat['filter_keeps']} chunks) "
            f"median {lat['filtered_ms']['median']:.1f} ms")
    if baseline:
        line += (f"; baseline median {lat['baseline_ms']['median']:.1f} ms; "
                 f"ours/baseline = {lat['ratio_ours_over_baseline']}")
    print(line, flush=True)
    result["load_average_at_end"] = load_average()
    result["peak_rss_mb"] = round(max(result["first_ingest"].get("peak_rss_mb", 0.0),
                                      result["reingest"]["peak_rss_mb"],
                                      result["cold_ask"]["peak_rss_mb"], lat["peak_rss_mb"]), 1)
    return result


