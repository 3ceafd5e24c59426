"""``se-assistant eval`` end to end: the gate on the bundled corpus, the reports, regressions
after a corpus edit, comparison with the previous report, and renditions side by side."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest

from se_assistant import cli
from se_assistant.evaluation import evaluate

REPO = Path(__file__).resolve().parents[1]
DEV_SET = REPO / "evals" / "questions.yaml"
pytestmark = pytest.mark.slow

SMALL_SET = """\
thresholds:
  fact_recall: {min: 0.5}
  regressions: {max: 0}
items:
  - id: funding
    turns: ["How was the Pfefferwerk Foundation funded?"]
    reference: With the terrain of the old brewery as its capital.
    sources: [{source: cases/pfefferwerk.md, locator: "§ Funding and capital"}]
    facts: [[terrain], [capital], [zeppelin]]
    tags: [pfefferwerk]
  - id: weather
    turns: ["What will the weather be like in Brussels tomorrow?"]
    reference: The material does not say.
    answerable: false
    tags: [unanswerable]
"""


@pytest.fixture(scope="module")
def bundled_run(assistant, tmp_path_factory):
    """The dev split run once over the bundled corpus. Alone (no test split in the run), the
    gate applies to it: the dev split is what the answerer was calibrated on."""
    return evaluate(assistant, DEV_SET, report_dir=tmp_path_factory.mktemp("eval-reports"),
                    progress=False)


def _run(report: dict, split: str = "dev", rendition: str = "index") -> dict:
    entry = next(s for s in report["splits"] if s["name"] == split)
    return entry["renditions"][rendition]


def _failing(outcome) -> str:
    lines = list(outcome.failures)
    for item in _run(outcome.report)["items"]:
        if not item["passed"]:
            lines.append(f"{item['id']}: {item['turns'][-1]!r} -> {item['answer'][:200]!r}")
    return "\n".join(lines)


def test_the_bundled_corpus_passes_the_eval_gate(bundled_run):
    assert bundled_run.report["baseline"] is None
    assert bundled_run.report["gated_splits"] == ["dev"]
    assert bundled_run.exit_code == 0, _failing(bundled_run)
    assert _run(bundled_run.report)["metrics"]["faithful_sentence_share"] == 1.0


def test_the_report_is_written_as_markdown_json_and_png(bundled_run):
    paths = bundled_run.paths
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert report["format"] == "se-assistant-eval/2"
    run = _run(report)
    assert run["metrics"]["items"] == len(run["items"]) >= 40
    for key in ("hit_at_1", "hit_at_3", "mrr", "fact_recall", "citation_precision",
                "cited_sentence_share", "faithful_sentence_share", "refusal_accuracy",
                "false_refusal_rate", "latency_median", "latency_p95"):
        assert key in run["metrics"] and key in run["by_tag"]["multi-turn"]
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = paths["md"].read_text(encoding="utf-8")
    assert f"]({paths['png'].name})" in markdown
    for item in run["items"]:
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

    code = cli.main(["eval", *common, "--set", str(DEV_SET), "--report-dir", str(reports),
                     "--no-progress", "--baseline", str(bundled_run.paths["json_stamped"])])

    out = capsys.readouterr()
    assert code == 1
    assert "regressed: dev/index: pfefferwerk-funding:" in out.err
    assert "below threshold: dev/index: regressions" in out.err
    assert len(out.out.strip().splitlines()) == 1 and out.out.startswith("eval: ")
    report = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert "pfefferwerk-funding" in [c["id"] for c in _run(report)["changes"]["regressed"]]
    markdown = (reports / "latest.md").read_text(encoding="utf-8")
    assert markdown.index("pfefferwerk-funding") < markdown.index("### Metrics")


def test_a_second_run_compares_with_the_latest_report(assistant, tmp_path, capsys):
    set_file = tmp_path / "set.yaml"
    set_file.write_text(SMALL_SET, encoding="utf-8")
    reports = tmp_path / "reports"
    first = evaluate(assistant, set_file, reports, progress=False)
    assert first.report["baseline"] is None
    funding = next(i for i in _run(first.report)["items"] if i["id"] == "funding")
    assert funding["fact_recall"] == pytest.approx(2 / 3)  # 'zeppelin' is in no answer
    # The latest report now says the question once found every fact: the next run, which
    # finds two of three, must list it as regressed and break `regressions: {max: 0}`.
    latest = reports / "latest.json"
    doctored = json.loads(latest.read_text(encoding="utf-8"))
    old = next(i for i in _run(doctored)["items"] if i["id"] == "funding")
    old.update(fact_recall=1.0, missing_facts=[], passed=True)
    latest.write_text(json.dumps(doctored), encoding="utf-8")

    code = cli.main(["eval", "--data-dir", str(assistant.settings.data_dir), "--set",
                     str(set_file), "--report-dir", str(reports), "--no-progress"])

    err = capsys.readouterr().err
    assert code == 1
    assert "regressed: dev/index: funding: fact recall 1.00 → 0.67" in err
    assert "below threshold: dev/index: regressions 1.000 > 0" in err
    second = json.loads(latest.read_text(encoding="utf-8"))
    assert second["baseline"]["path"] == str(latest)
    assert _run(second)["metrics"]["regressions"] == 1
    assert [c["id"] for c in _run(second)["changes"]["regressed"]] == ["funding"]
    assert len(list(reports.glob("eval-*.json"))) == 2


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


# ---- renditions side by side ---------------------------------------------------------------
RENDITION_SET = """\
split: test
thresholds:
  hit_at_3: {min: 0.9}
  rendition_gap: {max: 0.05}
items:
  - id: programmes
    turns: ["What programmes does Coopcity run?"]
    reference: SEEDS, BLOSSOM, POLLINIZE and INNOVATE.
    sources: [{source: cases/coopcity.md, locator: "§ Programmes"}]
    evidence: ["POLLINIZE (multi-actor projects)"]
    facts: [[SEEDS]]
    tags: [coopcity]
  - id: thanks
    turns: ["Tell me about Coopcity.", "thanks!"]
    reference: A short reply without citations.
    answerable: false
    tags: [smalltalk]
"""
PROGRAMMES_LINE = ("- Programmes: SEEDS (start-ups), BLOSSOM (developing existing initiatives/"
                   "promote cooperation), POLLINIZE (multi-actor projects), INNOVATE "
                   "(experimentation)\n")


def _presentation_without_programmes() -> str:
    """The presentation as plain text, without its front matter and the Coopcity programmes."""
    text = (REPO / "corpus/presentation.md").read_text(encoding="utf-8")
    assert PROGRAMMES_LINE in text
    return text.split("---\n", 2)[2].replace(PROGRAMMES_LINE, "")


def test_renditions_are_ingested_apart_and_gated_each_and_against_the_first(
    corpus_copy, tmp_path, monkeypatch, capsys
):
    txt = tmp_path / "txt"
    txt.mkdir()
    (txt / "reves-2018.txt").write_text(_presentation_without_programmes(), encoding="utf-8")
    set_file = tmp_path / "set.yaml"
    set_file.write_text(RENDITION_SET, encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    reports = tmp_path / "reports"

    code = cli.main(["eval", "--corpus", str(corpus_copy), "--corpus", str(txt), "--set",
                     str(set_file), "--report-dir", str(reports), "--no-progress",
                     "--data-dir", str(tmp_path / "unused")])

    out = capsys.readouterr()
    assert code == 1
    failures = [line for line in out.err.splitlines() if line.startswith("below threshold: ")]
    assert failures == [
        "below threshold: test/txt: hit_at_3 0.000 < 0.9",
        "below threshold: test: rendition gap hit_at_3: txt 0.000 vs corpus 1.000 "
        "(gap 1.000 > 0.05)",
    ]
    report = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in report["renditions"]] == ["corpus", "txt"]
    assert [r["ingest"]["added"] for r in report["renditions"]][1] == ["reves-2018.txt"]
    assert _run(report, "test", "corpus")["metrics"]["hit_at_3"] == 1.0
    clean = _run(report, "test", "txt")["metrics"]["smalltalk_clean_share"]
    assert clean in (0.0, 1.0)  # measured, not gated
    markdown = (reports / "latest.md").read_text(encoding="utf-8")
    assert "| metric | corpus | txt | threshold | worst gap to corpus |" in markdown
    assert markdown.index("#### txt: ") < markdown.index("### Metrics")
    assert list(scratch.iterdir()) == []  # the renditions' indexes are removed
    assert not (tmp_path / "unused").exists()


FAKE_RENDITIONS = """\
from pathlib import Path


def build_renditions(seed, out, formats=("txt",)):
    folder = Path(out) / "txt"
    folder.mkdir(parents=True)
    (Path(__file__).parent / "built-in.txt").write_text(str(out))
    target = folder / "reves-2018.txt"
    target.write_text(Path(seed).read_text(encoding="utf-8"), encoding="utf-8")
    return {"txt": target}
"""


def test_renditions_flag_builds_them_with_the_checkout_script_after_the_corpus(
    corpus_copy, tmp_path, monkeypatch, capsys
):
    from se_assistant.evaluation import corpora

    checkout = tmp_path / "checkout"
    (checkout / "evals").mkdir(parents=True)
    (checkout / "evals" / "renditions.py").write_text(FAKE_RENDITIONS, encoding="utf-8")
    monkeypatch.setattr(corpora, "repo_root", lambda: checkout)
    seed = tmp_path / "seed.txt"
    seed.write_text(_presentation_without_programmes(), encoding="utf-8")
    set_file = tmp_path / "set.yaml"
    set_file.write_text(RENDITION_SET, encoding="utf-8")
    reports = tmp_path / "reports"

    code = cli.main(["eval", "--renditions", "--seed", str(seed), "--corpus-dir",
                     str(corpus_copy), "--set", str(set_file), "--report-dir", str(reports),
                     "--no-progress"])

    capsys.readouterr()
    assert code == 1  # the txt rendition lacks the programmes
    report = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in report["renditions"]] == ["corpus", "txt"]
    built = Path((checkout / "evals" / "built-in.txt").read_text())
    assert not built.exists()


def test_renditions_without_the_checkout_script_is_one_error_line(tmp_path, monkeypatch,
                                                                  capsys):
    from se_assistant.evaluation import corpora

    monkeypatch.setattr(corpora, "repo_root", lambda: tmp_path)
    code = cli.main(["eval", "--renditions", "--report-dir", str(tmp_path / "reports"),
                     "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: --renditions needs evals/renditions.py")
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "reports").exists()


def test_a_corpus_that_is_no_folder_is_one_error_line(tmp_path, capsys):
    code = cli.main(["eval", "--corpus", str(tmp_path / "nope"), "--report-dir",
                     str(tmp_path / "reports"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"error: --corpus {tmp_path / 'nope'}: not a folder; pass a folder of documents"
    assert not (tmp_path / "reports").exists()


def test_answers_that_contradict_their_citations_break_the_faithful_sentences_gate(
    assistant, tmp_path, monkeypatch
):
    import dataclasses

    from se_assistant.chat import Chat

    asked = Chat.ask

    def negate(sentence: str) -> str:
        if " was " in sentence or " is " in sentence:
            return sentence.replace(" was ", " was not ").replace(" is ", " is not ")
        return "Not " + sentence[:1].lower() + sentence[1:]

    def negated(self, question):  # a planted bug: every sentence of an answer says the opposite
        answer = asked(self, question)
        text = " ".join(negate(part) for part in re.split(r"(?<=\]) ", answer.text))
        return dataclasses.replace(answer, text=text)

    set_file = tmp_path / "set.yaml"
    set_file.write_text(SMALL_SET.replace("[zeppelin]", "[brewery]").replace(
        "  regressions: {max: 0}\n", "  faithful_sentence_share: {min: 1.0}\n"), encoding="utf-8")
    honest = evaluate(assistant, set_file, tmp_path / "honest", progress=False)
    monkeypatch.setattr(Chat, "ask", negated)
    planted = evaluate(assistant, set_file, tmp_path / "planted", progress=False)

    assert honest.passed, honest.failures
    assert _run(planted.report)["metrics"]["fact_recall"] == 1.0  # the words are all still there
    assert planted.failures == ["dev/index: faithful_sentence_share 0.000 < 1"]
    funding = next(i for i in _run(planted.report)["items"] if i["id"] == "funding")
    assert funding["unfaithful"] and "was not established" in funding["unfaithful"][0]


def test_with_a_test_split_only_the_test_split_is_gated(assistant, tmp_path, capsys):
    dev = tmp_path / "dev.yaml"
    dev.write_text(SMALL_SET.replace("fact_recall: {min: 0.5}", "fact_recall: {min: 1.0}"),
                   encoding="utf-8")  # 'zeppelin' is never found: the dev split breaks this
    test = tmp_path / "test.yaml"
    test.write_text("split: test\n" + SMALL_SET.replace("[zeppelin]", "[brewery]"),
                    encoding="utf-8")
    common = ["--data-dir", str(assistant.settings.data_dir), "--report-dir",
              str(tmp_path / "reports"), "--no-progress"]

    both = cli.main(["eval", "--set", str(dev), "--set", str(test), *common])
    out = capsys.readouterr()
    assert both == 0
    assert "not gated: dev/index: fact_recall 0.667 < 1" in out.err
    assert "below threshold" not in out.err
    assert "gate (test) passed" in out.out
    report = json.loads((tmp_path / "reports" / "latest.json").read_text(encoding="utf-8"))
    assert [(s["name"], s["gated"]) for s in report["splits"]] == [("dev", False), ("test", True)]

    alone = cli.main(["eval", "--set", str(dev), *common])
    assert alone == 1  # a run without a test split gates what it runs
    assert "below threshold: dev/index: fact_recall 0.667 < 1" in capsys.readouterr().err
