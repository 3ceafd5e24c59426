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
    ("refusal accuracy", "refusal_accuracy"),
    ("false refusals", "false_refusal_rate"),
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
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise EvalSetError(f"baseline report {path} has no 'items'; pass a JSON report "
                           "written by `se-assistant eval`")
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
    stamped["md"].write_text(render_markdown(report, chart=stamped["png"].name), encoding="utf-8")
    latest = {kind: report_dir / f"{LATEST}.{kind}" for kind in stamped}
    shutil.copyfile(stamped["json"], latest["json"])
    shutil.copyfile(stamped["png"], latest["png"])
    latest["md"].write_text(render_markdown(report, chart=latest["png"].name), encoding="utf-8")
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


def render_markdown(report: dict[str, Any], chart: str | None = None) -> str:
    """The report for people: gate, changes first, metrics overall and per tag, then every
    question with what was asked, answered and cited."""
    m, gate = report["metrics"], report["gate"]
    changes = report["changes"]
    lines = [
        "# se-assistant eval report",
        "",
        f"{report['created']} · set `{report['eval_set']}` · "
        f"index `{report['settings']['data_dir']}`"
        f" · {m['items']} items ({m['answerable']} answerable, {m['unanswerable']} not) · "
        f"{report['seconds']:.1f} s",
        "",
        f"**Gate: {'passed' if gate['passed'] else 'FAILED'}**"
        + ("" if gate["passed"] else " — " + "; ".join(gate["failures"])),
        "",
    ]
    baseline = report.get("baseline")
    lines += ["## Changes since the baseline", ""]
    if not baseline:
        lines += ["No baseline report to compare with.", ""]
    else:
        when = baseline.get("created") or "unknown date"
        lines += [f"Baseline: `{baseline['path']}` ({when}).", ""]
        if not changes["regressed"] and not changes["improved"]:
            lines += ["No question regressed or improved.", ""]
        for title, key in (("Regressed", "regressed"), ("Improved", "improved")):
            entries = changes[key]
            if not entries:
                continue
            lines += [f"### {title} ({len(entries)})", "",
                      "| id | question | changes | answer now |", "| --- | --- | --- | --- |"]
            lines += [f"| {e['id']} | {_cell(e['question'])} | {_cell('; '.join(e['changes']))} | "
                      f"{_cell(e['answer'], 300)} |" for e in entries]
            lines.append("")

    lines += ["## Metrics", ""]
    if chart:
        lines += [f"![metrics]({chart})", ""]
    lines += ["| metric | value | threshold |", "| --- | --- | --- |"]
    thresholds = report.get("thresholds", {})
    for label, key in [*QUALITY, *TIMING, ("regressions", "regressions")]:
        mark = ""
        if key in thresholds:
            failed = any(f.startswith(f"{key} ") for f in gate["failures"])
            mark = f"{_threshold_text(thresholds[key])} {'✗' if failed else '✓'}"
        lines.append(f"| {label} | {_fmt(m.get(key))} | {mark} |")
    lines += ["", f"_{report['retrieval']}._", ""]

    lines += ["## By tag", "",
              "| tag | items | hit@3 | MRR | fact recall | citation precision | refusal accuracy "
              "| false refusals | pass rate |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for tag, t in report["by_tag"].items():
        lines.append(
            f"| {tag} | {t['items']} | {_fmt(t['hit_at_3'])} | {_fmt(t['mrr'])} | "
            f"{_fmt(t['fact_recall'])} | {_fmt(t['citation_precision'])} | "
            f"{_fmt(t['refusal_accuracy'])} | {_fmt(t['false_refusal_rate'])} | "
            f"{_fmt(t['pass_rate'])} |"
        )
    lines.append("")

    regressed = {e["id"] for e in changes["regressed"]}
    improved = {e["id"] for e in changes["improved"]}

    def order(item: dict[str, Any]) -> int:
        if item["id"] in regressed:
            return 0
        if item["id"] in improved:
            return 1
        return 2 if not item["passed"] else 3

    lines += ["## Questions", "",
              "Regressed first, then improved, then failing, then passing.", "",
              "| | id | asked | answered | cited | hit@3 | facts missing | s |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for item in sorted(report["items"], key=order):
        status = {0: "▼", 1: "▲"}.get(order(item), "✓" if item["passed"] else "✗")
        asked = " → ".join(item["turns"])
        if item["query"] and item["query"] != item["turns"][-1]:
            asked += f" _(searched: {item['query']})_"
        if not item["answerable"]:
            asked += " _(unanswerable)_"
        cited = "<br>".join(_cell(c) for c in item["citations"]) or "–"
        lines.append(
            f"| {status} | {item['id']} | {_cell(asked)} | {_cell(item['answer'])} | {cited} | "
            f"{_fmt(item.get('hit_at_3'), 0)} | {_cell(', '.join(item['missing_facts'])) or '–'} | "
            f"{_fmt(item.get('latency'))} |"
        )
    lines.append("")
    return "\n".join(lines)


def render_chart(report: dict[str, Any], path: Path) -> None:
    """A PNG: the overall metrics against their thresholds, and the pass rate per tag."""
    with extra_needed("eval", "the eval report's chart", "matplotlib"):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

    m, thresholds = report["metrics"], report.get("thresholds", {})
    tags = report["by_tag"]
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, max(4.5, 0.28 * len(tags) + 1.5)),
        gridspec_kw={"width_ratios": [1, 1]},
    )
    labels = [label for label, _ in QUALITY]
    values = [m.get(key) or 0.0 for _, key in QUALITY]
    failed_keys = {f.split(" ")[0] for f in report["gate"]["failures"]}
    colors = ["#c0392b" if key in failed_keys else "#2e86c1" for _, key in QUALITY]
    y = range(len(labels))
    left.barh(list(y), values, color=colors)
    for i, (_, key) in enumerate(QUALITY):
        limit = thresholds.get(key, {})
        for bound in (limit.get("min"), limit.get("max")):
            if bound is not None:
                left.plot([bound, bound], [i - 0.4, i + 0.4], color="black", linewidth=2)
        shown = m.get(key)
        left.text(min(values[i] + 0.01, 0.9), i, _fmt(shown), va="center", fontsize=8)
    left.set_yticks(list(y), labels)
    left.invert_yaxis()
    left.set_xlim(0, 1.05)
    left.set_title(f"overall ({m['items']} items; black ticks: thresholds)")

    names = list(tags)
    rates = [tags[t]["pass_rate"] or 0.0 for t in names]
    right.barh(range(len(names)), rates, color="#27ae60")
    for i, rate in enumerate(rates):
        right.text(min(rate + 0.01, 0.93), i, f"{rate:.2f}", va="center", fontsize=7)
    right.set_yticks(range(len(names)), [f"{t} ({tags[t]['items']})" for t in names], fontsize=8)
    right.invert_yaxis()
    right.set_xlim(0, 1.05)
    right.set_title("pass rate per tag")
    fig.suptitle(f"se-assistant eval · {report['created']} · latency p50 "
                 f"{_fmt(m.get('latency_median'))} s, p95 {_fmt(m.get('latency_p95'))} s")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
