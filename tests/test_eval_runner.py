"""``se-assistant eval`` end to end: the gate on the bundled corpus, the reports, regressions
after a corpus edit, and comparison with the previous report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from se_assistant import cli
from se_assistant.evaluation import evaluate

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

SMALL_SET = """\
thresholds:
  fact_recall: {min: 0.5}
items:
  - id: funding
    turns: ["How was the Pfefferwerk Foundation funded?"]
    reference: With the terrain of the old brewery as its capital.
    sources: [{source: cases/pfefferwerk.md, locator: "§ Funding and capital"}]
    facts: [[terrain], [capital]]
    tags: [pfefferwerk]
  - id: weather
    turns: ["What will the weather be like in Brussels tomorrow?"]
    reference: The material does not say.
    answerable: false
    tags: [unanswerable]
"""


@pytest.fixture(scope="module")
def bundled_run(assistant, tmp_path_factory):
    """The bundled eval set run once over the bundled corpus."""
    return evaluate(assistant, report_dir=tmp_path_factory.mktemp("eval-reports"), progress=False)


def _failing(outcome) -> str:
    lines = list(outcome.failures)
    for item in outcome.report["items"]:
        if not item["passed"]:
            lines.append(f"{item['id']}: {item['turns'][-1]!r} -> {item['answer'][:200]!r}")
    return "\n".join(lines)


def test_the_bundled_corpus_passes_the_eval_gate(bundled_run):
    assert bundled_run.report["baseline"] is None
    assert bundled_run.exit_code == 0, _failing(bundled_run)


def test_the_report_is_written_as_markdown_json_and_png(bundled_run):
    paths = bundled_run.paths
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert report["metrics"]["items"] == len(report["items"]) >= 40
    for key in ("hit_at_1", "hit_at_3", "mrr", "fact_recall", "citation_precision",
                "cited_sentence_share", "refusal_accuracy", "false_refusal_rate",
                "latency_median", "latency_p95"):
        assert key in report["metrics"] and key in report["by_tag"]["multi-turn"]
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = paths["md"].read_text(encoding="utf-8")
    assert f"]({paths['png'].name})" in markdown
    for item in report["items"]:
        assert f"| {item['id']} |" in markdown
    assert paths["json_stamped"].is_file() and paths["md_stamped"].is_file()


def _remove(path: Path, text: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert text in content
    path.write_text(content.replace(text, ""), encoding="utf-8")


def test_a_case_that_loses_a_fact_is_listed_as_a_regression_and_fails(
    bundled_run, corpus_copy, tmp_path, capsys
):
    _remove(corpus_copy / "cases/pfefferwerk.md", "## Funding and capital\n\nThe Pfefferwerk "
            "Foundation was established with the terrain of the old brewery as its capital.\n")
    _remove(corpus_copy / "presentation.md",
            "  - establishment of the foundation (with the terrain as capital)\n")
    data, reports = tmp_path / "data", tmp_path / "reports"
    common = ["--data-dir", str(data), "--corpus-dir", str(corpus_copy)]
    assert cli.main(["ingest", *common]) == 0
    capsys.readouterr()

    code = cli.main(["eval", *common, "--report-dir", str(reports), "--no-progress",
                     "--baseline", str(bundled_run.paths["json_stamped"])])

    out = capsys.readouterr()
    assert code == 1
    assert "regressed: pfefferwerk-funding:" in out.err
    assert "below threshold: regressions" in out.err
    assert len(out.out.strip().splitlines()) == 1 and out.out.startswith("eval: ")
    report = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert "pfefferwerk-funding" in [c["id"] for c in report["changes"]["regressed"]]
    markdown = (reports / "latest.md").read_text(encoding="utf-8")
    assert markdown.index("pfefferwerk-funding") < markdown.index("## Metrics")


def test_a_second_run_compares_with_the_latest_report(assistant, tmp_path):
    set_file = tmp_path / "set.yaml"
    set_file.write_text(SMALL_SET, encoding="utf-8")
    reports = tmp_path / "reports"
    first = evaluate(assistant, set_file, reports, progress=False)
    second = evaluate(assistant, set_file, reports, progress=False)
    assert first.report["baseline"] is None
    assert second.report["baseline"]["path"] == str(reports / "latest.json")
    assert second.report["metrics"]["regressions"] == 0
    assert len(list(reports.glob("eval-*.json"))) == 2
    assert json.loads((reports / "latest.json").read_text())["created"] == second.report["created"]


def test_a_broken_set_file_is_one_error_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  - id: q1\n    reference: x\n", encoding="utf-8")
    code = cli.main(["eval", "--set", str(bad), "--data-dir", str(tmp_path / "data"),
                     "--report-dir", str(tmp_path / "reports"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: eval set") and "turns" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "reports").exists()
