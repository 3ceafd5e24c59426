"""The benchmark's command line: parses the flags, runs the phases on each corpus, writes the
reports and prints each target against what was measured."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .corpus import generate_corpus
from .measure import measure_corpus, measure_imports
from .processes import load_average, measured_environ, run_checked
from .report import write_markdown, write_plot
from .targets import check_targets
from .worker import WORKER_MARK, worker_embedding, worker_latency
from .workload import COLD_QUESTION, QUESTIONS, QUICK_QUESTIONS

DESCRIPTION = "Benchmarks of se-assistant, measured side by side, written as JSON + Markdown + a PNG plot."


def default_out() -> Path:
    here = Path(__file__).resolve().parents[1]
    return here / "reports" if here.name == "evals" else Path.cwd() / "bench-reports"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench", description=DESCRIPTION)
    p.add_argument("--quick", action="store_true",
                   help="bundled corpus only, one run each: checks the script works (CI)")
    p.add_argument("--sizes", default="1000,10000",
                   help="comma-separated chunk counts of generated corpora (default 1000,10000)")
    p.add_argument("--with-100k", action="store_true", help="also 100,000 chunks (about 20 min)")
    p.add_argument("--runs", type=int, default=None, help="runs per measurement (default 3)")
    p.add_argument("--out", type=Path, default=None, help="report folder (default evals/reports)")
    p.add_argument("--keep", action="store_true", help="keep the data dirs and corpora made")
    p.add_argument("--reuse", type=Path, default=None, metavar="DIR",
                   help="a folder kept by --keep: a generated size whose gen-SIZE-corpus and "
                   "gen-SIZE-data-0 are there is measured on a copy, without a first ingest")
    # internal: the workers (latency; embedding, the model-alone ceiling)
    p.add_argument("--worker", choices=["latency", "embedding"], help=argparse.SUPPRESS)
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
    if args.worker == "embedding":
        print(WORKER_MARK + json.dumps(worker_embedding(args.data_dir, args.runs or 3)), flush=True)
        return 0

    # the defaults are what is measured, in this process and in every process it starts
    environ = measured_environ()
    os.environ.clear()
    os.environ.update(environ)
    from se_assistant import Settings

    runs = args.runs or (1 if args.quick else 3)
    sizes = sorted(set(args.size_list + ([100_000] if args.with_100k else [])))
    sizes = [] if args.quick else sizes
    questions = QUICK_QUESTIONS if args.quick else len(QUESTIONS)
    out = (args.out or default_out()).resolve()
    out.mkdir(parents=True, exist_ok=True)
    stem = "bench-quick" if args.quick else "bench"
    bundled = Settings().corpus_dir
    started = time.perf_counter()
    results: dict[str, Any] = {"meta": {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick, "runs": runs, "sizes": sizes, "cpus": os.cpu_count(),
        "python": platform.python_version(), "platform": platform.platform(),
        "load_average": load_average(),
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
            kept = args.reuse / f"{name}-corpus" if args.reuse else None
            reuse = args.reuse / f"{name}-data-0" if args.reuse else None
            if kept is not None and kept.is_dir() and reuse is not None and reuse.is_dir():
                # the corpus stays where it was ingested from: its path is part of its identity
                corpus = kept
                print(f"bench: {name}: reusing {corpus} and {reuse}", flush=True)
            else:
                corpus, reuse = work / f"{name}-corpus", None
                t0 = time.perf_counter()
                shutil.copytree(bundled, corpus / "bundled")
                info = generate_corpus(corpus / "generated", size)
                info["seconds"] = round(time.perf_counter() - t0, 2)
                results["generated"][name] = info
                print(f"bench: {name}: {info['files']} files, {info['sections']} sections",
                      flush=True)
            # up to 10,000 chunks the first ingest is a median of runs like everything else;
            # above, one first ingest is many minutes of embedding (re-ingests still repeat)
            results["corpora"].append(measure_corpus(
                name, corpus, work, first_runs=runs if size <= 10_000 else 1, runs=runs,
                questions=questions,
                baseline=False, reuse=reuse))
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
