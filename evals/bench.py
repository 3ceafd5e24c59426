"""Benchmarks of se-assistant, measured side by side, written as JSON + Markdown + a PNG plot.

    python evals/bench.py --quick                 # seconds: bundled corpus, one run each (CI)
    python evals/bench.py                         # bundled + generated 1,000 and 10,000 chunks
    python evals/bench.py --with-100k             # ... and 100,000 chunks (about 20 minutes more)
    python evals/bench.py --sizes 1000 --runs 5 --out /tmp/bench
    se-assistant bench --quick                    # the same script through the CLI

What is measured (medians of ``--runs`` runs unless said otherwise):

* warm question latency of ``Assistant.ask`` (median, p95) after warm-up, over a list of
  distinct questions across all five cases, and on the bundled corpus the plain llama-index
  baseline (``VectorStoreIndex.from_documents`` with default splitting,
  ``as_retriever(similarity_top_k=3).retrieve``) with the same embedding model object,
  interleaved question by question in the same process;
* cold start: wall time of ``se-assistant ask "how was Pfefferwerk funded?"`` as a fresh
  process on an ingested index, and the import time of ``se_assistant``;
* ingestion: chunks per second of a first ingest and wall time of a no-change re-ingest, each
  a fresh ``se-assistant ingest`` process, on the bundled corpus and on generated corpora;
* peak memory (max RSS of the measured process, from ``os.wait4``) of every process.

Start-up and ingestion are whole fresh processes; warm latency runs in one worker process
per corpus. ``SE_ASSISTANT_*`` variables are ignored so the defaults are what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

COLD_QUESTION = "how was Pfefferwerk funded?"
WORKER_MARK = "BENCH-JSON "

# Asked once each to warm the model, the index and the caches; never measured.
WARMUP_QUESTIONS = (
    "what is a social economy cluster?",
    "which clusters does the REVES presentation describe?",
    "what is on the wish list?",
)
# Measured questions: distinct (the retriever caches embeddings by text), across all cases.
QUESTIONS = (
    "who launched Pfefferwerk?",
    "what are the objectives of the Pfefferwerk project?",
    "what did Pfefferwerk create?",
    "where is the Pfefferwerk Foundation based?",
    "which type of cluster is Pfefferwerk?",
    "what was the capital of the Pfefferwerk Foundation?",
    "what programmes does Coopcity run?",
    "who are the partners of Coopcity?",
    "what is the SEEDS programme for?",
    "which organisation does Coopcity cooperate with?",
    "what is the objective of Coopcity?",
    "in which region does Coopcity promote cooperative entrepreneurship?",
    "who set up REALIS?",
    "what does REALIS combine?",
    "what is the objective of REALIS?",
    "in which region is REALIS?",
    "which social economy organisations cooperate in REALIS?",
    "does REALIS include a management school?",
    "who is involved in Fondazione Horcynus Orca?",
    "what did Horcynus Orca create?",
    "what is the objective of Fondazione Horcynus Orca?",
    "which universities take part in Horcynus Orca?",
    "where is Horcynus Orca located?",
    "what festival did Horcynus Orca create?",
    "how many structures does Impuls Cooperatiu de Sants involve?",
    "what activities does Impuls Cooperatiu de Sants carry out?",
    "what is Coòpolis?",
    "what is the objective of Impuls Cooperatiu de Sants?",
    "which fields do the structures of Impuls Cooperatiu work in?",
    "in which city is Impuls Cooperatiu de Sants?",
    "which clusters were promoted by public authorities?",
    "which clusters came from citizen initiatives?",
    "what role do regions play in scaling up social economy?",
    "which clusters are in Italy or Germany?",
    "what kinds of cluster processes does the presentation distinguish?",
    "how do social economy clusters create jobs?",
    "which cluster works with art and culture?",
    "what is the European Day of Social Economy Enterprises?",
    "which cases are of type II?",
    "how is social cohesion promoted in Messina?",
)
QUICK_QUESTIONS = 8
# A filter that keeps thousands of chunks at 100,000 (the generated corpora's Markdown files
# carry a country; Italy is one of twelve); asked with the first FILTERED_QUESTIONS questions.
FILTER = {"country": "Italy"}
FILTERED_QUESTIONS = 10

# name -> (limit, unit, "max" when the measured value must stay at or below the limit)
TARGETS = {
    "warm question median, bundled corpus": (25.0, "ms", "max"),
    "warm question median, 100,000 chunks": (40.0, "ms", "max"),
    "filtered question median (country=Italy), 100,000 chunks": (60.0, "ms", "max"),
    "cold `se-assistant ask`": (6.0, "s", "max"),
    "`import se_assistant`": (0.5, "s", "max"),
    "no-change re-ingest, bundled corpus": (2.0, "s", "max"),
    "no-change re-ingest, 100,000 chunks": (5.0, "s", "max"),
    "first ingest throughput": (150.0, "chunks/s", "min"),
    "peak memory at 100,000 chunks": (2500.0, "MB", "max"),
}


# ---- processes ---------------------------------------------------------------------------
@dataclass
class Measured:
    """One fresh process: its wall time, peak RSS and output."""

    seconds: float
    cpu_seconds: float  # user + system: less sensitive than wall time to a busy machine
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SE_ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return env


def run_process(cmd: list[str]) -> Measured:
    """Run ``cmd`` to its end; wall time and the max RSS of that process alone.

    ``os.wait4`` gives the rusage of exactly this child (RUSAGE_CHILDREN would mix all)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=_env())
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Measured(seconds, cpu, usage.ru_maxrss / 1024, proc.returncode, out.read(),
                        err.read())


def run_checked(cmd: list[str], what: str) -> Measured:
    measured = run_process(cmd)
    if measured.returncode != 0:
        tail = "\n".join(measured.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"bench: {what} failed (exit {measured.returncode}):\n{tail}")
    return measured


def _load() -> list[float]:
    """1, 5 and 15 minute load averages: wall times mean little on a busy machine."""
    return [round(v, 2) for v in os.getloadavg()]


def cli(*args: str) -> list[str]:
    """The ``se-assistant`` command as users run it (the console script of this Python)."""
    script = Path(sys.executable).parent / "se-assistant"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "se_assistant.cli", *args]


def summary(values: list[float], scale: float = 1.0) -> dict[str, float | int]:
    """median, p95, min, max, mean of ``values`` (times ``scale``)."""
    xs = sorted(v * scale for v in values)
    if not xs:
        return {"n": 0}
    p95 = xs[min(len(xs) - 1, max(0, round(0.95 * len(xs) + 0.5) - 1))]  # nearest rank
    return {
        "n": len(xs), "median": round(statistics.median(xs), 4), "p95": round(p95, 4),
        "min": round(xs[0], 4), "max": round(xs[-1], 4), "mean": round(statistics.fmean(xs), 4),
    }


# ---- generated corpora -------------------------------------------------------------------
_SUBJECTS = ("The cooperative", "A local association", "The regional council", "Each member",
             "The foundation", "A network of social enterprises", "The municipality",
             "A young founder", "The incubator", "A group of citizens", "The mutual society",
             "A volunteer", "The consortium", "A workers' cooperative", "The town hall")
_VERBS = ("supports", "finances", "trains", "connects", "hosts", "evaluates", "promotes",
          "organises", "rebuilds", "shares", "invests in", "coordinates", "documents", "mentors",
          "welcomes", "negotiates with", "designs", "maintains")
_OBJECTS = ("community gardens", "repair cafés", "affordable housing", "care services",
            "renewable energy projects", "a solidarity grocery", "training courses",
            "cultural festivals", "recycling workshops", "shared workspaces", "social loans",
            "short food supply chains", "a mobility scheme", "local currencies",
            "youth employment programmes", "a cooperative bank", "digital inclusion classes")
_PLACES = ("in the old harbour district", "across three villages", "near the railway station",
           "in the former textile mill", "along the river", "in the northern suburbs",
           "on the university campus", "in the market square", "throughout the valley",
           "in a restored brewery", "beside the public library", "in the mountain towns")
_TIMES = ("since 2009", "every spring", "during the winter months", "after the crisis",
          "for more than a decade", "twice a year", "on weekends", "since the last election",
          "in its first five years", "each quarter")
_ADDS = ("with public funding", "with the help of a social bank", "together with schools",
         "without any subsidy", "through crowdfunding", "with support from the region",
         "in partnership with trade unions", "with a grant from a foundation",
         "alongside private companies", "through membership fees")
_RESULTS = ("More than {n} people took part.", "It created {n} jobs.",
            "The budget reached {n} thousand euros.", "About {n} households benefited.",
            "{n} new members joined.", "It trained {n} apprentices.")
_CITIES = (("Lyon", "France"), ("Ghent", "Belgium"), ("Bologna", "Italy"), ("Leipzig", "Germany"),
           ("Valencia", "Spain"), ("Porto", "Portugal"), ("Tampere", "Finland"),
           ("Kraków", "Poland"), ("Cork", "Ireland"), ("Graz", "Austria"), ("Brno", "Czechia"),
           ("Utrecht", "Netherlands"))
_TOPICS = ("Governance", "Funding", "Members", "Activities", "Results", "Partners", "History",
           "Training", "Housing", "Energy", "Food", "Culture", "Mobility", "Care", "Outlook")
_SYLLABLES = ("ka", "lo", "mer", "vi", "tan", "so", "ri", "del", "bu", "no", "sta", "fen", "al",
              "ro", "mi", "ter", "ga", "lu")
SECTIONS_PER_FILE = 20
SECTION_CHARS = 780


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:
        return rng.choice(_RESULTS).format(n=rng.randint(3, 900))
    subject = rng.choice(_SUBJECTS)
    if kind < 0.35:
        subject = f"{subject} {_name(rng)}"
    parts = [subject, rng.choice(_VERBS), rng.choice(_OBJECTS), rng.choice(_PLACES)]
    if rng.random() < 0.6:
        parts.append(rng.choice(_TIMES))
    if rng.random() < 0.5:
        parts.append(rng.choice(_ADDS))
    return " ".join(parts) + "."


def _section_text(rng: random.Random) -> list[str]:
    """Two paragraphs of 780-920 characters in all: one chunk under the 256-token default with
    its breadcrumb, and long enough that the text loader keeps each paragraph a section."""
    sentences: list[str] = []
    while sum(len(x) + 1 for x in sentences) < SECTION_CHARS:
        sentences.append(_sentence(rng))
    half = len(sentences) // 2
    return [" ".join(sentences[:half]), " ".join(sentences[half:])]


def generate_corpus(folder: Path, sections: int, seed: int = 8) -> dict[str, Any]:
    """Write about ``sections`` sections (one chunk each) as Markdown with front matter and
    headings, plain text and HTML files under ``folder``; returns what was written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {"md": 0, "txt": 0, "html": 0}
    written = 0
    index = 0
    while written < sections:
        fmt = ("md", "txt", "html")[index % 3]
        n = min(SECTIONS_PER_FILE, sections - written)
        city, country = rng.choice(_CITIES)
        title = f"{_name(rng)} {rng.choice(('Cooperative', 'Network', 'Foundation', 'Hub'))}"
        topics = rng.sample(_TOPICS, k=min(n, len(_TOPICS)))
        heads = [topics[i] if i < len(topics) else f"{rng.choice(_TOPICS)} {i}" for i in range(n)]
        bodies = [_section_text(rng) for _ in range(n)]
        sub = folder / f"part-{index // 500:03d}"
        sub.mkdir(exist_ok=True)
        path = sub / f"doc-{index:06d}.{fmt}"
        if fmt == "md":
            front = (f'---\ntitle: "{title}"\nkind: report\ncity: "{city}"\n'
                     f'country: "{country}"\n---\n')
            blocks = [f"## {h}\n\n" + "\n\n".join(b) for h, b in zip(heads, bodies, strict=True)]
            path.write_text(front + f"# {title}\n\n" + "\n\n".join(blocks) + "\n", "utf-8")
        elif fmt == "txt":
            # one paragraph a section, longer than half the text loader's grouping limit
            path.write_text("\n\n".join(" ".join(b) for b in bodies) + "\n", "utf-8")
        else:
            blocks = [f"<h2>{h}</h2>\n" + "".join(f"<p>{p}</p>\n" for p in b)
                      for h, b in zip(heads, bodies, strict=True)]
            path.write_text(
                f"<!doctype html>\n<html><head><title>{title}</title>"
                "<style>p{margin:0}</style></head>\n"
                f"<body><h1>{title}</h1>\n{''.join(blocks)}</body></html>\n", "utf-8")
        counts[fmt] += 1
        written += n
        index += 1
    return {"files": index, "sections": written, "formats": counts}


# ---- the latency worker (runs in its own process) ----------------------------------------
def worker_latency(data_dir: Path, corpus_dir: Path, questions: int, baseline: bool) -> dict:
    """Warm latency of ``Assistant.ask`` (and the llama-index baseline) in this process."""
    from se_assistant import Assistant
    from se_assistant.embedding import load_embed_model

    assistant = Assistant(data_dir=data_dir, corpus_dir=corpus_dir)
    retrieve = None
    if baseline:
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

        # the float32 encoder object our questions use (the baseline embeds its chunks with it too)
        embed_model = load_embed_model(assistant.settings, precision="float32")
        docs = SimpleDirectoryReader(str(corpus_dir), recursive=True).load_data()
        index = VectorStoreIndex.from_documents(docs, embed_model=embed_model)
        retrieve = index.as_retriever(similarity_top_k=3).retrieve
        baseline_nodes = len(index.docstore.docs)
    for q in WARMUP_QUESTIONS:
        assistant.ask(q)
        if retrieve:
            retrieve(q)
    ours: list[float] = []
    ours_cpu: list[float] = []
    theirs: list[float] = []
    grounded = 0
    for q in QUESTIONS[:questions]:
        # interleaved, so that load from elsewhere on the machine hits both alike
        started, cpu = time.perf_counter(), time.process_time()
        answer = assistant.ask(q)
        ours.append(time.perf_counter() - started)
        ours_cpu.append(time.process_time() - cpu)
        grounded += answer.grounded
        if retrieve:
            started = time.perf_counter()
            retrieve(q)
            theirs.append(time.perf_counter() - started)
    assistant.ask(WARMUP_QUESTIONS[0], filters=FILTER)  # reads the filter's vectors once
    filtered: list[float] = []
    for q in QUESTIONS[: min(questions, FILTERED_QUESTIONS)]:
        started = time.perf_counter()
        assistant.ask(q, filters=FILTER)
        filtered.append(time.perf_counter() - started)
    kept = sum(1 for p in assistant.retriever.all_chunks()
               if all(p.metadata.get(k) == v for k, v in FILTER.items()))
    result: dict[str, Any] = {
        "questions": len(ours), "grounded": grounded, "ours_ms": summary(ours, 1000),
        "ours_cpu_ms": summary(ours_cpu, 1000),
        "chunks": assistant.retriever.chunk_count,
        "filtered_ms": summary(filtered, 1000), "filter": FILTER, "filter_keeps": kept,
    }
    if retrieve:
        result["baseline_ms"] = summary(theirs, 1000)
        result["baseline_chunks"] = baseline_nodes
        result["ratio_ours_over_baseline"] = round(
            statistics.median(ours) / statistics.median(theirs), 2)
    return result


def measure_latency(data_dir: Path, corpus_dir: Path, questions: int, baseline: bool) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "latency",
           "--data-dir", str(data_dir), "--corpus-dir", str(corpus_dir),
           "--questions", str(questions)] + (["--baseline"] if baseline else [])
    measured = run_checked(cmd, "the latency worker")
    line = next(ln for ln in reversed(measured.stdout.splitlines()) if ln.startswith(WORKER_MARK))
    result = json.loads(line[len(WORKER_MARK):])
    result["peak_rss_mb"] = round(measured.peak_rss_mb, 1)
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
                   questions: int, baseline: bool) -> dict[str, Any]:
    """First ingest, no-change re-ingest, cold ask and warm latency on one corpus."""
    result: dict[str, Any] = {"name": name, "load_average_at_start": _load()}
    firsts, data_dir = [], None
    for i in range(first_runs):
        data_dir = work / f"{name}-data-{i}"
        shutil.rmtree(data_dir, ignore_errors=True)
        m, report = ingest_once(corpus_dir, data_dir)
        firsts.append((m, report))
        print(f"  [{name}] first ingest {i + 1}/{first_runs}: {report['embedded']} chunks embedded,"
              f" {report['chunks']} in the index, {m.seconds:.1f} s, {m.peak_rss_mb:.0f} MB",
              flush=True)
    chunks = firsts[0][1]["chunks"]
    walls = [m.seconds for m, _ in firsts]
    result["chunks"] = chunks
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
    re_runs, re_embedded = [], []
    for _ in range(runs):
        m, report = ingest_once(corpus_dir, data_dir)
        if report["embedded"]:  # the files did not change: the code under test did, or a bug
            print(f"  [{name}] WARNING: a no-change re-ingest embedded {report['embedded']} "
                  "chunks", flush=True)
        re_runs.append(m)
        re_embedded.append(report["embedded"])
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
    result["load_average_at_end"] = _load()
    result["peak_rss_mb"] = round(max(result["first_ingest"]["peak_rss_mb"],
                                      result["reingest"]["peak_rss_mb"],
                                      result["cold_ask"]["peak_rss_mb"], lat["peak_rss_mb"]), 1)
    return result


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the value measured for it and where (which corpus) it was measured."""
    corpora = {c["name"]: c for c in results["corpora"]}
    bundled = corpora.get("bundled", {})
    big = corpora.get("gen-100000", {})
    # Throughput is a rate: on 31 chunks start-up dominates, so it is judged on the largest corpus.
    largest = max(results["corpora"], key=lambda c: c["chunks"], default={})

    def get(corpus: dict, *keys: str) -> float | None:
        value: Any = corpus
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    measured = {
        "warm question median, bundled corpus": (
            get(bundled, "latency", "ours_ms", "median"), "bundled"),
        "warm question median, 100,000 chunks": (
            get(big, "latency", "ours_ms", "median"), "gen-100000"),
        "cold `se-assistant ask`": (get(bundled, "cold_ask", "wall_s", "median"), "bundled"),
        "`import se_assistant`": (
            results["imports"]["import se_assistant"]["import_s"]["median"], "-"),
        "no-change re-ingest, bundled corpus": (
            get(bundled, "reingest", "wall_s", "median"), "bundled"),
        "no-change re-ingest, 100,000 chunks": (
            get(big, "reingest", "wall_s", "median"), "gen-100000"),
        "filtered question median (country=Italy), 100,000 chunks": (
            get(big, "latency", "filtered_ms", "median"), "gen-100000"),
        "first ingest throughput": (
            get(largest, "first_ingest", "chunks_per_s"), largest.get("name", "-")),
        "peak memory at 100,000 chunks": (big.get("peak_rss_mb"), "gen-100000"),
    }
    rows = []
    for name, (limit, unit, kind) in TARGETS.items():
        value, where = measured[name]
        met = None if value is None else (value <= limit if kind == "max" else value >= limit)
        value = None if value is None else float(f"{value:.3g}")
        rows.append({"name": name, "target": f"{'≤' if kind == 'max' else '≥'} {limit:g} {unit}",
                     "limit": limit, "unit": unit, "measured": value, "corpus": where,
                     "met": met})
    return rows


# ---- reports -----------------------------------------------------------------------------
def write_markdown(results: dict[str, Any], path: Path) -> None:
    meta = results["meta"]
    lines = [f"# se-assistant benchmarks{' (quick)' if meta['quick'] else ''}", "",
             f"{meta['date']} · {meta['cpus']} CPUs · Python {meta['python']} · "
             f"runs {meta['runs']} · load average at start {meta['load_average']} · "
             f"OMP_NUM_THREADS={meta['omp_num_threads'] or 'unset'}", "",
             "Wall times are whole operations; CPU times (user + system, in the JSON) are "
             "less sensitive to other load on the machine.", "",
             "## Targets", "", "| target | limit | measured | on | met |",
             "| --- | --- | --- | --- | --- |"]
    for t in results["targets"]:
        shown = "not run" if t["measured"] is None else f"{t['measured']:g} {t['unit']}"
        met = {True: "yes", False: "**no**", None: "–"}[t["met"]]
        lines.append(f"| {t['name']} | {t['target']} | {shown} | {t['corpus']} | {met} |")
    lines += ["", "## Corpora", "",
              "Medians; CPU seconds in brackets.", "",
              "| corpus | chunks | first ingest (s) | chunks/s | re-ingest (s) | "
              "cold ask (s) | warm ask median / p95 (ms) | filtered ask median (ms) | "
              "peak RSS (MB) | load avg |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for c in results["corpora"]:
        lat, cpu = c["latency"]["ours_ms"], c["latency"]["ours_cpu_ms"]["median"]

        def cell(phase: str, digits: int, c: dict = c) -> str:
            wall, used = c[phase]["wall_s"]["median"], c[phase]["cpu_s"]["median"]
            return f"{wall:.{digits}f} ({used:.{digits}f})"

        lines.append(
            f"| {c['name']} | {c['chunks']} | {cell('first_ingest', 1)} | "
            f"{c['first_ingest']['chunks_per_s']:g} | {cell('reingest', 2)} | "
            f"{cell('cold_ask', 2)} | {lat['median']:.1f} / {lat['p95']:.1f} ({cpu:.1f}) | "
            f"{c['latency']['filtered_ms']['median']:.1f} ({c['latency']['filter_keeps']}) | "
            f"{c['peak_rss_mb']:.0f} | {c['load_average_at_start'][0]:g} |")
    for c in results["corpora"]:
        lat = c["latency"]
        if "baseline_ms" in lat:
            lines += ["", f"## Ours vs the plain llama-index baseline ({c['name']} corpus)", "",
                      f"Over {lat['questions']} distinct questions, interleaved in one process, "
                      "same embedding model object.", "",
                      "| | median (ms) | p95 (ms) | chunks |", "| --- | --- | --- | --- |",
                      f"| `Assistant.ask` (retrieve + compose a cited answer) | "
                      f"{lat['ours_ms']['median']:.1f} | {lat['ours_ms']['p95']:.1f} | "
                      f"{lat['chunks']} |",
                      f"| `VectorStoreIndex(...).as_retriever(similarity_top_k=3).retrieve` | "
                      f"{lat['baseline_ms']['median']:.1f} | {lat['baseline_ms']['p95']:.1f} | "
                      f"{lat['baseline_chunks']} |", "",
                      f"Ratio ours/baseline (medians): **{lat['ratio_ours_over_baseline']}**"]
    imports = results["imports"]
    lines += ["", "## Imports (fresh interpreters)", "",
              "| statement | import median (s) | whole process median (s) |", "| --- | --- | --- |"]
    lines += [f"| `{k}` | {v['import_s']['median']:.3f} | {v['process_wall_s']['median']:.3f} |"
              for k, v in imports.items()]
    gens = results.get("generated", {})
    if gens:
        lines += ["", "## Generated corpora", ""]
        lines += [f"- {k}: {v['files']} files ("
                  + ", ".join(f"{n} {fmt}" for fmt, n in v["formats"].items())
                  + f"), {v['sections']} sections written,"
                  f" plus the bundled corpus; generated in {v['seconds']:.1f} s"
                  for k, v in gens.items()]
    lines += ["", "Full numbers (min, max, mean, n) are in the JSON beside this file.", ""]
    path.write_text("\n".join(lines), "utf-8")


def write_plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    corpora = sorted(results["corpora"], key=lambda c: c["chunks"])
    x = [c["chunks"] for c in corpora]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    ax = axes[0][0]
    ax.plot(x, [c["latency"]["ours_ms"]["median"] for c in corpora], "o-", label="ours median")
    ax.plot(x, [c["latency"]["ours_ms"]["p95"] for c in corpora], "s--", label="ours p95")
    base = [(c["chunks"], c["latency"]["baseline_ms"]["median"])
            for c in corpora if "baseline_ms" in c["latency"]]
    if base:
        ax.plot(*zip(*base, strict=True), "^", color="grey", label="llama-index baseline median")
    ax.axhline(25, color="red", lw=0.8, ls=":", label="target 25 ms (bundled)")
    ax.axhline(60, color="darkred", lw=0.8, ls=":", label="target 60 ms (100k)")
    ax.set(title="warm question latency", xlabel="chunks", ylabel="ms", xscale="log")
    ax.legend(fontsize=7)
    ax = axes[0][1]
    ax.plot(x, [c["first_ingest"]["chunks_per_s"] for c in corpora], "o-", label="first ingest")
    ax.axhline(150, color="red", lw=0.8, ls=":", label="target 150 chunks/s")
    ax.set(title="first ingest throughput (whole process)", xlabel="chunks", ylabel="chunks/s",
           xscale="log")
    ax.legend(fontsize=7)
    ax = axes[1][0]
    ax.plot(x, [c["reingest"]["wall_s"]["median"] for c in corpora], "o-",
            label="no-change re-ingest")
    ax.plot(x, [c["cold_ask"]["wall_s"]["median"] for c in corpora], "s-", label="cold ask")
    ax.axhline(2, color="red", lw=0.8, ls=":", label="target re-ingest 2 s (bundled)")
    ax.axhline(6, color="darkred", lw=0.8, ls=":", label="target cold ask 6 s")
    ax.set(title="fresh processes", xlabel="chunks", ylabel="s", xscale="log")
    ax.legend(fontsize=7)
    ax = axes[1][1]
    for key, label in (("first_ingest", "first ingest"), ("reingest", "re-ingest"),
                       ("cold_ask", "cold ask"), ("latency", "warm questions")):
        ax.plot(x, [c[key]["peak_rss_mb"] for c in corpora], "o-", label=label)
    ax.axhline(2500, color="red", lw=0.8, ls=":", label="target 2.5 GB (100k)")
    ax.set(title="peak memory (max RSS)", xlabel="chunks", ylabel="MB", xscale="log")
    ax.legend(fontsize=7)
    fig.suptitle(f"se-assistant benchmarks, {results['meta']['date']}, "
                 f"{results['meta']['cpus']} CPUs")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- main --------------------------------------------------------------------------------
def default_out() -> Path:
    here = Path(__file__).resolve().parent
    return here / "reports" if here.name == "evals" else Path.cwd() / "bench-reports"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="bundled corpus only, one run each: checks the script works (CI)")
    p.add_argument("--sizes", default="1000,10000",
                   help="comma-separated chunk counts of generated corpora (default 1000,10000)")
    p.add_argument("--with-100k", action="store_true", help="also 100,000 chunks (about 20 min)")
    p.add_argument("--runs", type=int, default=None, help="runs per measurement (default 3)")
    p.add_argument("--out", type=Path, default=None, help="report folder (default evals/reports)")
    p.add_argument("--keep", action="store_true", help="keep the data dirs and corpora made")
    # internal: the latency worker
    p.add_argument("--worker", choices=["latency"], help=argparse.SUPPRESS)
    p.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--corpus-dir", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--questions", type=int, default=len(QUESTIONS), help=argparse.SUPPRESS)
    p.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        p.error("--runs must be at least 1")
    try:
        args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes must be comma-separated numbers, got {args.sizes!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker == "latency":
        result = worker_latency(args.data_dir, args.corpus_dir, args.questions, args.baseline)
        print(WORKER_MARK + json.dumps(result), flush=True)
        return 0

    from se_assistant.settings import bundled_corpus_dir

    runs = args.runs or (1 if args.quick else 3)
    sizes = sorted(set(args.size_list + ([100_000] if args.with_100k else [])))
    sizes = [] if args.quick else sizes
    questions = QUICK_QUESTIONS if args.quick else len(QUESTIONS)
    out = (args.out or default_out()).resolve()
    out.mkdir(parents=True, exist_ok=True)
    stem = "bench-quick" if args.quick else "bench"
    bundled = bundled_corpus_dir()
    started = time.perf_counter()
    results: dict[str, Any] = {"meta": {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick, "runs": runs, "sizes": sizes, "cpus": os.cpu_count(),
        "python": platform.python_version(), "platform": platform.platform(),
        "load_average": _load(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "questions": questions, "cold_question": COLD_QUESTION,
    }, "generated": {}, "corpora": []}

    work = Path(tempfile.mkdtemp(prefix="se-bench-"))
    try:
        # the one-time ONNX export of the model (seconds, once per machine) is not a cold start
        m = run_checked([sys.executable, "-c", "from se_assistant.embedding import load_encoder; "
                         "from se_assistant.settings import Settings; load_encoder(Settings())"],
                        "the model export")
        results["model_ready_s"] = round(m.seconds, 2)
        print(f"bench: model ready in {m.seconds:.1f} s (exported if it was not yet)", flush=True)
        print(f"bench: imports ({runs} runs)", flush=True)
        results["imports"] = measure_imports(runs)
        for k, v in results["imports"].items():
            print(f"  {k}: {v['import_s']['median']:.3f} s", flush=True)
        print(f"bench: bundled corpus {bundled}", flush=True)
        results["corpora"].append(measure_corpus(
            "bundled", bundled, work, first_runs=runs, runs=runs, questions=questions,
            baseline=True))
        for size in sizes:
            name = f"gen-{size}"
            corpus = work / f"{name}-corpus"
            t0 = time.perf_counter()
            shutil.copytree(bundled, corpus / "bundled")
            info = generate_corpus(corpus / "generated", size)
            info["seconds"] = round(time.perf_counter() - t0, 2)
            results["generated"][name] = info
            print(f"bench: {name}: {info['files']} files, {info['sections']} sections", flush=True)
            # one first ingest of a large corpus is minutes of embedding; re-ingests repeat
            results["corpora"].append(measure_corpus(
                name, corpus, work, first_runs=1, runs=runs, questions=questions,
                baseline=False))
            print(f"  [{name}] the ingest reported {results['corpora'][-1]['chunks']} chunks "
                  f"(asked for about {size})", flush=True)
    finally:
        if args.keep:
            print(f"bench: data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    results["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
    results["targets"] = check_targets(results)
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), "utf-8")
    write_markdown(results, out / f"{stem}.md")
    write_plot(results, out / f"{stem}.png")
    print("\ntargets:")
    for t in results["targets"]:
        shown = "not run" if t["measured"] is None else f"{t['measured']:g} {t['unit']}"
        verdict = {True: "met", False: "MISSED", None: "-"}[t["met"]]
        print(f"  {t['name']}: {shown} (target {t['target']}) {verdict}")
    print(f"\nbench: wrote {out / stem}.json, .md, .png in {results['meta']['total_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
