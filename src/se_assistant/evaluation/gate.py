"""The gate: thresholds per split and rendition, and the gap between the first rendition and
the worst one (``rendition_gap``). Each failure is one line naming where and which metric."""

from __future__ import annotations

from typing import Any

from se_assistant.evaluation.dataset import EvalSet

# Metrics that are not shares between 0 and 1: no rendition gap is computed for them.
NOT_SHARES = ("latency_median", "latency_p95", "regressions")


def threshold_failures(eval_set: EvalSet, overall: dict[str, Any], where: str) -> list[str]:
    """The thresholds the metrics break, one line each naming ``where`` (split/rendition)."""
    failures = []
    for name, threshold in eval_set.metric_thresholds.items():
        problem = threshold.failure(name, overall.get(name))
        if problem:
            failures.append(f"{where}: {problem}")
    return failures


def rendition_gaps(eval_set: EvalSet, by_rendition: dict[str, dict[str, Any]]) -> dict[str, dict]:
    """For each thresholded share, the worst rendition against the first one: higher is better
    for a metric with a ``min``, lower for one with only a ``max``. Empty for one rendition."""
    names = list(by_rendition)
    if len(names) < 2:
        return {}
    first = names[0]
    gaps: dict[str, dict] = {}
    for metric, threshold in eval_set.metric_thresholds.items():
        if metric in NOT_SHARES:
            continue
        reference = by_rendition[first].get(metric)
        values = {n: by_rendition[n].get(metric) for n in names[1:]}
        values = {n: v for n, v in values.items() if v is not None}
        if reference is None or not values:
            continue
        higher_is_better = threshold.min is not None
        worst = (min if higher_is_better else max)(values, key=values.__getitem__)
        gap = reference - values[worst] if higher_is_better else values[worst] - reference
        gaps[metric] = {"first": first, "first_value": reference, "worst": worst,
                        "worst_value": values[worst], "gap": max(gap, 0.0)}
    return gaps


def gap_failures(eval_set: EvalSet, gaps: dict[str, dict], split: str) -> list[str]:
    """The gaps wider than the set's ``rendition_gap``, one line each."""
    limit = eval_set.rendition_gap
    if limit is None:
        return []
    return [
        f"{split}: rendition gap {metric}: {g['worst']} {g['worst_value']:.3f} vs {g['first']} "
        f"{g['first_value']:.3f} (gap {g['gap']:.3f} > {limit:g})"
        for metric, g in gaps.items() if g["gap"] > limit + 1e-9
    ]
