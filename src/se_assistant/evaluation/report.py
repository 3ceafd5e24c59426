"""Eval reports: JSON (the record), Markdown (for people) and a PNG chart, plus the comparison
with a previous report that lists regressed and improved questions."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from se_assistant.errors import extra_needed
from se_assistant.evaluation.dataset import EvalSetError

LATEST = "latest"

# (label, key) of the quality metrics, each between 0 and 1, in the order reports show them.
QUALITY = [
    ("hit@1", "hit_at_1"),
    ("hit@3", "hit_at_3"),
    ("MRR", "mrr"),
    ("fact recall", "fact_recall"),
    ("citation precision", "citation_precision"),
    ("cited sentences", "cited_sentence_share"),
    ("faithful sentences", "faithful_sentence_share"),
    ("LLM-supported sentences", "llm_supported_share"),
    ("refusal accuracy", "refusal_accuracy"),
    ("false refusals", "false_refusal_rate"),
    ("small talk clean", "smalltalk_clean_share"),
    ("pass rate", "pass_rate"),
]
TIMING = [("latency median (s)", "latency_median"), ("latency p95 (s)", "latency_p95")]


# ---- reading and comparing -----------------------------------------------------------------
def load_report(path: Path) -> dict[str, Any]:
    """A JSON report written by ``se-assistant eval``; one-line error otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalSetError(f"baseline report {path} not found; pass a JSON report "
                           "written by `se-assistant eval`") from None
    except (OSError, ValueError) as exc:
        raise EvalSetError(f"baseline report {path} is not readable JSON ({exc}); "
                           "pass a JSON report written by `se-assistant eval`") from None
    if not isinstance(data, dict) or not (isinstance(data.get("items"), list)
                                          or isinstance(data.get("splits"), list)):
        raise EvalSetError(f"baseline report {path} has no 'splits' or 'items'; pass a JSON "
                           "report written by `se-assistant eval`")
    return data


def previous_report(report_dir: Path) -> tuple[dict[str, Any] | None, Path | None]:
    """The latest report in ``report_dir`` (None when there is none or it is unreadable)."""
    path = report_dir / f"{LATEST}.json"
    if not path.is_file():
        return None, None
    try:
        return load_report(path), path
    except EvalSetError:
        return None, None


def baseline_items(previous: dict[str, Any] | None, split: str, set_path: str, rendition: str,
                   first: bool = False) -> list[dict[str, Any]] | None:
    """The items of ``previous`` run on the same split and rendition (None when it has none).
    A report of format 1 (one set, one index) stands for its set's run on the first rendition."""
    if not previous:
        return None
    for entry in previous.get("splits") or []:
        if isinstance(entry, dict) and entry.get("name") == split:
            run = (entry.get("renditions") or {}).get(rendition)
            return run.get("items") if isinstance(run, dict) else None
    if "splits" not in previous and first and previous.get("eval_set") == set_path:
        return previous.get("items")
    return None


def _worse_and_better(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str]]:
    worse: list[str] = []
    better: list[str] = []

    def step(label: str, before: Any, after: Any, higher_is_better: bool = True) -> None:
        if before is None or after is None or before == after:
            return
        text = f"{label} {_fmt(before)} → {_fmt(after)}"
        (better if (after > before) == higher_is_better else worse).append(text)

    if old.get("grounded") != new.get("grounded"):
        now_right = new.get("grounded") == new.get("answerable")
        text = "now answered" if new.get("grounded") else "now refused"
        (better if now_right else worse).append(text)
    step("fact recall", old.get("fact_recall"), new.get("fact_recall"))
    step("hit@3", old.get("hit_at_3"), new.get("hit_at_3"))
    if old.get("passed") and not new.get("passed") and not worse:
        worse.append("no longer passes")
    if new.get("passed") and not old.get("passed") and not better:
        better.append("now passes")
    # A rank moving within the top passages is shown, but alone it is no regression.
    before, after = old.get("reciprocal_rank"), new.get("reciprocal_rank")
    if (worse or better) and None not in (before, after) and before != after:
        (worse or better).append(f"MRR {_fmt(before)} → {_fmt(after)}")
    return worse, better


def compare(previous: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, list[dict]]:
    """Items that got worse (regressed) or only better (improved) than in ``previous``.

    Only items whose id and fingerprint (turns, sources, facts) match are compared."""
    before = {i.get("id"): i for i in previous.get("items", []) if isinstance(i, dict)}
    regressed, improved = [], []
    for item in items:
        old = before.get(item["id"])
        if not old or old.get("fingerprint") != item["fingerprint"]:
            continue
        worse, better = _worse_and_better(old, item)
        entry = {"id": item["id"], "question": item["turns"][-1], "answer": item["answer"],
                 "previous_answer": old.get("answer", "")}
        if worse:
            regressed.append({**entry, "changes": worse + better})
        elif better:
            improved.append({**entry, "changes": better})
    return {"regressed": regressed, "improved": improved}


# ---- writing -------------------------------------------------------------------------------
def write_report(report: dict[str, Any], report_dir: Path) -> dict[str, Path]:
    """Write ``eval-<time>.{json,md,png}`` and copies named ``latest.*``; returns the latest
    paths by kind."""
    report_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("eval-%Y%m%d-%H%M%S")
    name, n = stamp, 1
    while (report_dir / f"{name}.json").exists():
        n += 1
        name = f"{stamp}-{n}"
    stamped = {kind: report_dir / f"{name}.{kind}" for kind in ("json", "md", "png")}
    stamped["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    render_chart(report, stamped["png"])
    charts = {s["name"]: stamped["png"].name for s in report["splits"][:1]}
    stamped["md"].write_text(render_markdown(report, charts), encoding="utf-8")
    latest = {kind: report_dir / f"{LATEST}.{kind}" for kind in stamped}
    shutil.copyfile(stamped["json"], latest["json"])
    shutil.copyfile(stamped["png"], latest["png"])
    charts = {s["name"]: latest["png"].name for s in report["splits"][:1]}
    latest["md"].write_text(render_markdown(report, charts), encoding="utf-8")
    return {**latest, **{f"{kind}_stamped": path for kind, path in stamped.items()}}


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _cell(text: str, limit: int = 400) -> str:
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace("|", "\\|")


def _threshold_text(threshold: dict[str, float] | None) -> str:
    if not threshold:
        return ""
    parts = []
    if "min" in threshold:
        parts.append(f"≥ {threshold['min']:g}")
    if "max" in threshold:
        parts.append(f"≤ {threshold['max']:g}")
    return " and ".join(parts)


def _failed_keys(failures: list[str], where: str) -> set[str]:
    """The metrics named by the failure lines of ``where`` ("test/pdf")."""
    prefix = f"{where}: "
    return {f[len(prefix):].split(" ")[0] for f in failures if f.startswith(prefix)}


def _question_row(item: dict[str, Any]) -> str:
    asked = " → ".join(item["turns"])
    if item["query"] and item["query"] != item["turns"][-1]:
        asked += f" _(searched: {item['query']})_"
    if not item["answerable"]:
        asked += " _(unanswerable)_"
    cited = "<br>".join(
        _cell(c) + (" ✓" if hit else "")
        for c, hit in zip(item["citations"], item.get("citation_expected") or
                          [False] * len(item["citations"]), strict=False)
    ) or "–"
    problems = [*(f"unfaithful: {u}" for u in item.get("unfaithful", [])),
                *(f"unsupported: {u}" for u in item.get("unsupported", []))]
    if item.get("smalltalk") and item.get("clean") is False:
        problems.append(f"small talk got {len(item['citations'])} citations, "
                        f"{item.get('related', 0)} related")
    return (f"| {item['id']} | {_cell(asked)} | {_cell(item['answer'])} | {cited} | "
            f"{_fmt(item.get('hit_at_3'), 0)} | {_cell(', '.join(item['missing_facts'])) or '–'} | "
            f"{_cell('; '.join(problems)) or '–'} | {_fmt(item.get('latency'))} |")


QUESTION_HEADER = ["| id | asked | answered | cited (✓ expected passage) | hit@3 | facts missing "
                   "| sentence problems | s |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]


def _split_markdown(split: dict[str, Any], chart: str | None) -> list[str]:
    runs = split["renditions"]
    names = list(runs)
    first = runs[names[0]]["metrics"]
    gated = "gated" if split["gated"] else "not gated (information)"
    lines = [
        f"## Split `{split['name']}` — {gated}", "",
        f"Set `{split['eval_set']}` · {first['items']} items ({first['answerable']} answerable, "
        f"{first['unanswerable']} not)", "",
    ]
    if split["failures"]:
        lines += [f"Thresholds broken ({len(split['failures'])}):", ""]
        lines += [f"- {f}" for f in split["failures"]] + [""]
    else:
        lines += ["All thresholds met.", ""]

    changed = [(n, r["changes"]) for n, r in runs.items()
               if r["changes"]["regressed"] or r["changes"]["improved"]]
    if changed:
        lines += ["### Changes since the baseline", ""]
        for name, changes in changed:
            for title, key in (("Regressed", "regressed"), ("Improved", "improved")):
                entries = changes[key]
                if not entries:
                    continue
                lines += [f"#### {title} on {name} ({len(entries)})", "",
                          "| id | question | changes | answer now |", "| --- | --- | --- | --- |"]
                lines += [f"| {e['id']} | {_cell(e['question'])} | "
                          f"{_cell('; '.join(e['changes']))} | {_cell(e['answer'], 300)} |"
                          for e in entries]
                lines.append("")

    lines += ["### Failing questions", ""]
    for name, run in runs.items():
        failing = [i for i in run["items"] if not i["passed"]]
        lines += [f"#### {name}: {len(failing)} of {len(run['items'])} failing", ""]
        if failing:
            lines += [*QUESTION_HEADER, *(_question_row(i) for i in failing), ""]

    lines += ["### Metrics", ""]
    if chart:
        lines += [f"![metrics]({chart})", ""]
    thresholds = split.get("thresholds", {})
    gap_limit = (thresholds.get("rendition_gap") or {}).get("max")
    show_gap = len(names) > 1
    header = ["metric", *names, "threshold"] + (["worst gap to " + names[0]] if show_gap else [])
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    failed = {n: _failed_keys(split["failures"], f"{split['name']}/{n}") for n in names}
    for label, key in [*QUALITY, *TIMING, ("regressions", "regressions")]:
        cells = []
        for n in names:
            value = runs[n]["metrics"].get(key)
            cells.append(_fmt(value) + (" ✗" if key in failed[n] else ""))
        row = [label, *cells, _threshold_text(thresholds.get(key))]
        if show_gap:
            gap = split["gaps"].get(key)
            text = ""
            if gap:
                broken = gap_limit is not None and gap["gap"] > gap_limit + 1e-9
                text = f"{gap['gap']:.2f} ({gap['worst']}){' ✗' if broken else ''}"
            row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    if show_gap and gap_limit is not None:
        lines += ["", f"_Gap: how far the worst rendition is behind `{names[0]}` on each "
                  f"thresholded share; at most {gap_limit:g} allowed._"]
    lines.append("")

    tags = sorted({t for r in runs.values() for t in r["by_tag"]})
    lines += ["### Pass rate by tag", "", "| tag | items | " + " | ".join(names) + " |",
              "|" + " --- |" * (len(names) + 2)]
    for tag in tags:
        count = runs[names[0]]["by_tag"].get(tag, {}).get("items", 0)
        cells = [_fmt(runs[n]["by_tag"].get(tag, {}).get("pass_rate")) for n in names]
        lines.append(f"| {tag} | {count} | " + " | ".join(cells) + " |")
    lines.append("")

    lines += ["### All questions", "", "✓ passed, ✗ failed, ▼ regressed, ▲ improved.", "",
              "| id | asked | " + " | ".join(names) + " |", "|" + " --- |" * (len(names) + 2)]
    marks: dict[str, dict[str, str]] = {}
    for n, run in runs.items():
        regressed = {e["id"] for e in run["changes"]["regressed"]}
        improved = {e["id"] for e in run["changes"]["improved"]}
        for item in run["items"]:
            mark = "✓" if item["passed"] else "✗"
            mark += "▼" if item["id"] in regressed else "▲" if item["id"] in improved else ""
            marks.setdefault(item["id"], {})[n] = mark
    for item in runs[names[0]]["items"]:
        row = [marks[item["id"]].get(n, "–") for n in names]
        lines.append(f"| {item['id']} | {_cell(' → '.join(item['turns']), 160)} | "
                     + " | ".join(row) + " |")
    lines.append("")
    return lines


def render_markdown(report: dict[str, Any], charts: dict[str, str] | None = None) -> str:
    """The report for people: the gate, then per split the changes, the failing questions of
    each rendition, the metrics with one column per rendition, pass rates per tag and every
    question's result per rendition. ``charts`` maps split names to their PNG."""
    gate = report["gate"]
    renditions = report["renditions"]
    where = ", ".join(
        f"{r['name']}" + (f" (`{r['corpus']}`)" if r.get("corpus") else "") for r in renditions
    )
    data_dir = report["settings"].get("data_dir")
    lines = [
        "# se-assistant eval report", "",
        f"{report['created']} · renditions: {where}"
        + (f" · index `{data_dir}`" if data_dir else "") + f" · {report['seconds']:.1f} s", "",
        f"**Gate ({', '.join(report['gated_splits'])}): "
        f"{'passed' if gate['passed'] else 'FAILED'}**", "",
    ]
    lines += [f"- {f}" for f in gate["failures"]]
    if gate["failures"]:
        lines.append("")
    if gate.get("not_gated"):
        lines += [f"Not gated (reported only): {len(gate['not_gated'])} thresholds broken on "
                  "splits that are not gated (listed in their section).", ""]
    baseline = report.get("baseline")
    lines += ([f"Baseline: `{baseline['path']}` ({baseline.get('created') or 'unknown date'})."]
              if baseline else ["No baseline report to compare with."]) + [""]
    ingested = [r for r in renditions if r.get("ingest")]
    if ingested:
        lines += ["| rendition | folder | chunks | files failed to ingest |",
                  "| --- | --- | --- | --- |"]
        for r in ingested:
            failed = "; ".join(f"{f['path']}: {f['reason']}" for f in r["ingest"].get("failed", []))
            lines.append(f"| {r['name']} | `{r['corpus']}` | {r['ingest'].get('chunks')} | "
                         f"{_cell(failed) or '–'} |")
        lines.append("")
    for split in report["splits"]:
        lines += _split_markdown(split, (charts or {}).get(split["name"]))
    lines += [f"_{report['retrieval']}._", ""]
    return "\n".join(lines)


def render_chart(report: dict[str, Any], path: Path) -> None:
    """A PNG: per split, the metrics of every rendition as grouped bars against their
    thresholds (black ticks), and the pass rate per tag and rendition as a heat map."""
    with extra_needed("eval", "the eval report's chart", "matplotlib"):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

    splits = report["splits"]
    names = [r["name"] for r in report["renditions"]]
    tag_counts = [len({t for r in s["renditions"].values() for t in r["by_tag"]}) for s in splits]
    heights = [max(5.0, 0.3 * len(QUALITY) * max(1, len(names)) / 2 + 1.5, 0.28 * n + 1.5)
               for n in tag_counts]
    fig, axes = plt.subplots(len(splits), 2, figsize=(14, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights, "width_ratios": [1.2, 1]})
    colors = plt.get_cmap("tab10")
    for row, split in enumerate(splits):
        left, right = axes[row]
        runs, thresholds = split["renditions"], split.get("thresholds", {})
        width = 0.8 / max(1, len(names))
        for j, name in enumerate(names):
            values = [runs[name]["metrics"].get(key) or 0.0 for _, key in QUALITY]
            ys = [i - 0.4 + width * (j + 0.5) for i in range(len(QUALITY))]
            left.barh(ys, values, height=width, color=colors(j % 10), label=name)
        for i, (_, key) in enumerate(QUALITY):
            limit = thresholds.get(key, {})
            for bound in (limit.get("min"), limit.get("max")):
                if bound is not None:
                    left.plot([bound, bound], [i - 0.45, i + 0.45], color="black", linewidth=2)
        left.set_yticks(range(len(QUALITY)), [label for label, _ in QUALITY])
        left.invert_yaxis()
        left.set_xlim(0, 1.05)
        left.legend(fontsize=7, loc="lower right")
        gated = "gated" if split["gated"] else "not gated"
        status = "FAILED" if split["failures"] else "passed"
        left.set_title(f"{split['name']} ({gated}, {status}; black ticks: thresholds)")

        tags = sorted({t for r in runs.values() for t in r["by_tag"]})
        grid = [[(runs[n]["by_tag"].get(t, {}).get("pass_rate") or 0.0) for n in names]
                for t in tags]
        if tags:
            right.imshow(grid, aspect="auto", cmap="RdYlGn", vmin=0, vmax=1)
            for i, values in enumerate(grid):
                for j, value in enumerate(values):
                    right.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7)
            right.set_yticks(range(len(tags)), tags, fontsize=7)
            right.set_xticks(range(len(names)), names, fontsize=8)
        right.set_title("pass rate per tag")
    fig.suptitle(f"se-assistant eval · {report['created']}")
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / sum(heights)))  # room for the title
    fig.savefig(path, dpi=100)
    plt.close(fig)
