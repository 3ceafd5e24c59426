"""The benchmark's report: Markdown tables and a PNG plot of the results."""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
    ceilings = [c for c in results["corpora"] if "model_alone" in c["first_ingest"]]
    if ceilings:
        lines += ["", "## First ingest against the model alone", "",
                  "The chunk encoder alone, in a fresh process, on chunks of the same index "
                  "embedded as the ingest embeds them: the ceiling of first-ingest throughput "
                  "on this machine.", "",
                  "| corpus | precision | model alone (chunks/s) | first ingest (chunks/s) | "
                  "share of the ceiling |", "| --- | --- | --- | --- | --- |"]
        for c in ceilings:
            alone = c["first_ingest"]["model_alone"]
            lines.append(f"| {c['name']} | {alone['precision']} | {alone['chunks_per_s']:g} | "
                         f"{c['first_ingest']['chunks_per_s']:g} | "
                         f"{alone['first_ingest_share']:.0%} |")
    lines += ["", "## Corpora", "",
              "Medians; CPU seconds in brackets.", "",
              "| corpus | chunks | first ingest (s) | chunks/s | re-ingest (s) | "
              "cold ask (s) | warm ask median / p95 (ms) | filtered ask median (ms) | "
              "peak RSS (MB) | load avg |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for c in results["corpora"]:
        lat, cpu = c["latency"]["ours_ms"], c["latency"]["ours_cpu_ms"]["median"]

        def cell(phase: str, digits: int, c: dict = c) -> str:
            if "wall_s" not in c[phase]:
                return "reused"
            wall, used = c[phase]["wall_s"]["median"], c[phase]["cpu_s"]["median"]
            return f"{wall:.{digits}f} ({used:.{digits}f})"

        lines.append(
            f"| {c['name']} | {c['chunks']} | {cell('first_ingest', 1)} | "
            f"{c['first_ingest'].get('chunks_per_s', '–')} | {cell('reingest', 2)} | "
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
    ingested = [c for c in corpora if "chunks_per_s" in c["first_ingest"]]
    ax.plot([c["chunks"] for c in ingested], [c["first_ingest"]["chunks_per_s"] for c in ingested],
            "o-", label="first ingest")
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
        ax.plot(x, [c[key].get("peak_rss_mb", float("nan")) for c in corpora], "o-", label=label)
    ax.axhline(2500, color="red", lw=0.8, ls=":", label="target 2.5 GB (100k)")
    ax.set(title="peak memory (max RSS)", xlabel="chunks", ylabel="MB", xscale="log")
    ax.legend(fontsize=7)
    fig.suptitle(f"se-assistant benchmarks, {results['meta']['date']}, "
                 f"{results['meta']['cpus']} CPUs")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


