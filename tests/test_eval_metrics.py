"""Eval metrics on hand-computed examples, the eval set format and the bundled set's coverage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from se_assistant.evaluation import metrics
from se_assistant.evaluation.dataset import EvalSetError, Threshold, load_eval_set
from se_assistant.evaluation.report import compare
from se_assistant.lexical import words as lexical_words

REPO = Path(__file__).resolve().parents[1]
BUNDLED_SET = REPO / "evals" / "questions.yaml"


# ---- text matching and fact recall ---------------------------------------------------------
def test_phrases_match_ignoring_case_accents_and_punctuation():
    assert metrics.contains_phrase("It runs COOPOLIS.", "Coòpolis")
    assert metrics.contains_phrase("partners: SAW B and Febecoop", "SAW-B")
    assert metrics.contains_phrase("Ivan Miró said", "ivan miro")


def test_phrases_match_whole_words_only():
    assert not metrics.contains_phrase("launched by artists", "art")
    assert not metrics.contains_phrase("incubators", "incubator")
    assert metrics.contains_phrase("through art and culture", "art")


def test_fact_recall_counts_groups_found_through_any_alternative():
    text = "The foundation got the terrain of the old brewery. [1]"
    facts = [["land", "terrain"], ["brewery"], ["capital"]]
    recall, missing = metrics.fact_recall(text, facts)
    assert recall == pytest.approx(2 / 3)
    assert missing == ["capital"]


def test_fact_recall_is_undefined_without_facts():
    assert metrics.fact_recall("anything", []) == (None, [])


# ---- retrieval -----------------------------------------------------------------------------
def test_hit_at_k_looks_only_at_the_top_k():
    retrieved = ["a", "b", "c", "d"]
    assert metrics.hit_at_k(retrieved, ["c"], 1) == 0.0
    assert metrics.hit_at_k(retrieved, ["c"], 3) == 1.0
    assert metrics.hit_at_k(retrieved, ["d", "x"], 3) == 0.0
    assert metrics.hit_at_k(retrieved, ["a"], 1) == 1.0
    assert metrics.hit_at_k([], ["a"], 3) == 0.0


def test_reciprocal_rank_is_one_over_the_rank_of_the_first_expected_source():
    assert metrics.reciprocal_rank(["a", "b", "c"], ["c", "b"]) == pytest.approx(1 / 2)
    assert metrics.reciprocal_rank(["a", "b", "c"], ["c"]) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(["a", "b"], ["z"]) == 0.0
    assert metrics.reciprocal_rank([], ["z"]) == 0.0


# ---- citations -----------------------------------------------------------------------------
def test_citation_hits_count_citations_of_expected_sources():
    assert metrics.citation_hits(["a", "b", "a"], ["a", "z"]) == (2, 3)
    assert metrics.citation_hits([], ["a"]) == (0, 0)


def test_sentences_keep_the_markers_that_follow_them():
    text = "First one. [1] Second (with etc.) here! [2][3] Third? Fourth e.g. this [9].\nFifth [1]"
    assert metrics.split_sentences(text) == [
        "First one. [1]",
        "Second (with etc.) here! [2][3]",
        "Third?",
        "Fourth e.g. this [9].",
        "Fifth [1]",
    ]


def test_cited_sentences_count_only_markers_naming_a_real_citation():
    text = "First one. [1] Second here! [2, 3] Third? Fourth [9]."
    assert metrics.cited_sentences(text, [1, 2]) == (2, 4)
    assert metrics.cited_sentences("", [1]) == (0, 0)


# ---- latency and aggregation ---------------------------------------------------------------
def test_percentile_interpolates_between_ranks():
    assert metrics.percentile([4.0, 1.0, 3.0, 2.0], 95) == pytest.approx(3.85)
    assert metrics.percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    assert metrics.percentile([7.0], 95) == 7.0
    assert metrics.percentile([], 95) is None


def _items():
    good = metrics.ItemScores(True, True, 1.0, hit_at_1=1.0, hit_at_3=1.0, reciprocal_rank=1.0,
                              fact_recall=1.0, citation_hits=1, citation_count=2,
                              cited_sentences=2, sentences=2, tags=["a"])
    refused = metrics.ItemScores(True, False, 2.0, hit_at_1=0.0, hit_at_3=1.0,
                                 reciprocal_rank=0.5, fact_recall=0.0, tags=["a"])
    declined = metrics.ItemScores(False, False, 3.0, tags=["b"])
    answered = metrics.ItemScores(False, True, 10.0, cited_sentences=1, sentences=3, tags=["b"])
    return [good, refused, declined, answered]


def test_summary_counts_each_metric_over_the_items_it_applies_to():
    summary = metrics.summarise(_items())
    assert summary["items"] == 4
    assert summary["hit_at_1"] == 0.5
    assert summary["hit_at_3"] == 1.0
    assert summary["mrr"] == 0.75
    assert summary["fact_recall"] == 0.5
    assert summary["citation_precision"] == 0.5
    assert summary["cited_sentence_share"] == pytest.approx(3 / 5)
    assert summary["refusal_accuracy"] == 0.5
    assert summary["false_refusal_rate"] == 0.5
    assert summary["pass_rate"] == 0.5
    assert summary["latency_median"] == 2.5
    assert summary["latency_p95"] == pytest.approx(8.95)


def test_summary_by_tag_leaves_metrics_without_items_undefined():
    by_tag = metrics.summarise_by_tag(_items())
    assert sorted(by_tag) == ["a", "b"]
    assert by_tag["a"]["refusal_accuracy"] is None
    assert by_tag["a"]["false_refusal_rate"] == 0.5
    assert by_tag["b"]["fact_recall"] is None
    assert by_tag["b"]["refusal_accuracy"] == 0.5


def test_thresholds_name_the_metric_that_breaks_them():
    assert Threshold(min=0.85).failure("fact_recall", 0.8) == "fact_recall 0.800 < 0.85"
    assert Threshold(max=0.05).failure("false_refusals", 0.1) == "false_refusals 0.100 > 0.05"
    assert Threshold(min=0.85).failure("fact_recall", 0.85) is None
    assert Threshold(min=0.85).failure("fact_recall", None) is None


# ---- comparison ----------------------------------------------------------------------------
def _result(**changes):
    base = {"id": "q1", "turns": ["How?"], "answer": "text", "fingerprint": "f", "answerable": True,
            "grounded": True, "fact_recall": 1.0, "hit_at_3": 1.0, "reciprocal_rank": 1.0,
            "passed": True}
    return {**base, **changes}


def test_comparison_lists_a_question_that_lost_a_fact_as_regressed():
    changes = compare({"items": [_result()]}, [_result(fact_recall=0.5, passed=False)])
    assert [c["id"] for c in changes["regressed"]] == ["q1"]
    assert changes["regressed"][0]["changes"] == ["fact recall 1.00 → 0.50"]
    assert changes["improved"] == []


def test_comparison_lists_newly_correct_refusals_as_improved():
    before = _result(answerable=False, grounded=True, passed=False, fact_recall=None)
    after = _result(answerable=False, grounded=False, passed=True, fact_recall=None)
    changes = compare({"items": [before]}, [after])
    assert [c["id"] for c in changes["improved"]] == ["q1"]
    assert changes["improved"][0]["changes"] == ["now refused"]


def test_a_rank_change_alone_is_neither_regressed_nor_improved():
    changes = compare({"items": [_result()]}, [_result(reciprocal_rank=0.5)])
    assert changes == {"regressed": [], "improved": []}


def test_comparison_skips_questions_whose_definition_changed():
    changes = compare({"items": [_result(fingerprint="old")]}, [_result(fact_recall=0.0)])
    assert changes == {"regressed": [], "improved": []}


# ---- the set file --------------------------------------------------------------------------
def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_item_is_reported_in_one_line_naming_it(tmp_path):
    path = _write(tmp_path, "items:\n  - id: q1\n    turns: [Who]\n    reference: x\n"
                  "    sources: [{source: a.md, locator: slide 1}]\n")
    with pytest.raises(EvalSetError) as err:
        load_eval_set(path)
    message = str(err.value)
    assert "\n" not in message
    assert "items[0] (id 'q1')" in message and "required fact" in message


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    path = _write(tmp_path, "items:\n  - id: q1\n    turns: [Who?\n")
    with pytest.raises(EvalSetError, match=r"line \d+"):
        load_eval_set(path)


def test_duplicate_ids_and_unknown_thresholds_are_rejected(tmp_path):
    item = ("  - id: q1\n    turns: [Who]\n    reference: x\n    answerable: false\n")
    with pytest.raises(EvalSetError, match="appears twice"):
        load_eval_set(_write(tmp_path, "items:\n" + item + item))
    with pytest.raises(EvalSetError, match="thresholds"):
        load_eval_set(_write(tmp_path, "thresholds: {speed: {min: 1}}\nitems:\n" + item))


def test_a_missing_set_file_names_the_flag(tmp_path):
    with pytest.raises(EvalSetError, match="--set"):
        load_eval_set(tmp_path / "nope.yaml")


def test_bare_strings_are_fact_groups_with_one_alternative(tmp_path):
    path = _write(tmp_path, "items:\n  - id: q1\n    turns: [Who]\n    reference: x\n"
                  "    sources: [{source: a.md, locator: slide 1}]\n    facts: [SMart, [a, b]]\n")
    assert load_eval_set(path).items[0].facts == [["SMart"], ["a", "b"]]


def test_the_bundled_set_has_the_required_shape_and_thresholds():
    eval_set = load_eval_set(BUNDLED_SET)
    items = eval_set.items
    assert len(items) >= 40
    assert sum(len(i.turns) > 1 for i in items) >= 6
    assert sum(not i.answerable for i in items) >= 8
    assert all("multi-turn" in i.tags for i in items if len(i.turns) > 1)
    assert all("unanswerable" in i.tags for i in items if not i.answerable)
    t = eval_set.thresholds
    assert t["hit_at_3"].min >= 0.95
    assert t["fact_recall"].min >= 0.85
    assert t["refusal_accuracy"].min >= 0.85
    assert t["false_refusal_rate"].max <= 0.05


def test_the_bundled_set_covers_every_case_and_every_slide():
    expected = {s.source + " | " + s.locator for i in load_eval_set(BUNDLED_SET).items
                for s in i.sources}
    corpus = REPO / "corpus"
    cases = {p.relative_to(corpus).as_posix() for p in (corpus / "cases").glob("*.md")}
    slides = set(re.findall(r"^#+ Slide (\d+):", (REPO / "corpus/presentation.md").read_text(),
                            re.M))
    assert cases and slides
    assert cases <= {key.split(" | ")[0] for key in expected}
    assert {f"presentation.md | slide {n}" for n in slides} <= expected


def test_every_expected_source_exists_in_the_ingested_corpus(assistant):
    chunks = {f"{p.metadata['source']} | {p.metadata['locator']}"
              for p in assistant.retriever.all_chunks()}
    expected = {s.key for i in load_eval_set(BUNDLED_SET).items for s in i.sources}
    assert expected - chunks == set()


# ---- evidence, splits and renditions ---------------------------------------------------------
def test_evidence_is_found_across_case_accents_punctuation_bullets_and_wrapped_lines():
    pdf_page = "- ⇒ Activities: training, Coòpolis (promoting new\ncooperative start-ups and"
    assert metrics.holds_evidence(pdf_page, ["promoting new cooperative start-ups"])
    assert metrics.holds_evidence("ACTIVITIES — TRAINING; COOPOLIS", ["Activities: training, Coòpolis"])
    assert not metrics.holds_evidence(pdf_page, ["promoting new cooperative jobs"])
    assert not metrics.holds_evidence("retraining", ["training"])  # whole words only


def test_evidence_keys_rank_passages_that_hold_any_fragment():
    passages = [("r0", "Coopcity (Brussels, BE)"), ("r1", "Programmes: SEEDS (start-ups), BLOSSOM"),
                ("r2", "POLLINIZE (multi-actor projects), INNOVATE (experimentation)")]
    expected = metrics.evidence_keys(passages, ["SEEDS (start-ups)", "INNOVATE (experimentation)"])
    assert expected == ["r1", "r2"]
    ids = [key for key, _ in passages]
    assert metrics.hit_at_k(ids, expected, 1) == 0.0
    assert metrics.reciprocal_rank(ids, expected) == pytest.approx(1 / 2)


def test_faithful_llm_and_smalltalk_shares_count_their_own_items():
    extractive = metrics.ItemScores(True, True, 1.0, faithful_sentences=3, checked_sentences=4)
    llm = metrics.ItemScores(True, True, 1.0, supported_sentences=1, llm_sentences=2)
    refused = metrics.ItemScores(True, False, 1.0, faithful_sentences=0, checked_sentences=0)
    thanks = metrics.ItemScores(False, False, 1.0, smalltalk=True, clean=True)
    cited_thanks = metrics.ItemScores(False, False, 1.0, smalltalk=True, clean=False)
    summary = metrics.summarise([extractive, llm, refused, thanks, cited_thanks])
    assert summary["faithful_sentence_share"] == pytest.approx(3 / 4)
    assert summary["llm_supported_share"] == pytest.approx(1 / 2)
    assert summary["smalltalk_clean_share"] == pytest.approx(1 / 2)
    assert thanks.passed and not cited_thanks.passed
    assert metrics.summarise([refused])["smalltalk_clean_share"] is None


ITEM = "  - id: q1\n    turns: [Who]\n    reference: x\n    answerable: false\n"


def test_a_set_file_names_its_split_and_defaults_to_dev(tmp_path):
    assert load_eval_set(_write(tmp_path, "items:\n" + ITEM)).split == "dev"
    assert load_eval_set(_write(tmp_path, "split: test\nitems:\n" + ITEM)).split == "test"
    with pytest.raises(EvalSetError, match="split"):
        load_eval_set(_write(tmp_path, "split: final\nitems:\n" + ITEM))


def test_an_answerable_item_may_name_its_evidence_instead_of_sources(tmp_path):
    text = ("items:\n  - id: q1\n    turns: [Who]\n    reference: x\n    facts: [a]\n"
            "    evidence: [\"two universities (Messina and Reggio Calabria)\"]\n")
    item = load_eval_set(_write(tmp_path, text)).items[0]
    assert item.evidence == ["two universities (Messina and Reggio Calabria)"]
    assert item.sources == []
    with pytest.raises(EvalSetError, match="evidence"):
        load_eval_set(_write(tmp_path, text.replace('"two universities (Messina and Reggio '
                                                    'Calabria)"', '"—"')))


def test_the_rendition_gap_takes_a_maximum_only(tmp_path):
    good = load_eval_set(_write(tmp_path, "thresholds:\n  rendition_gap: {max: 0.05}\n"
                                          "items:\n" + ITEM))
    assert good.rendition_gap == 0.05 and "rendition_gap" not in good.metric_thresholds
    with pytest.raises(EvalSetError, match="rendition_gap"):
        load_eval_set(_write(tmp_path, "thresholds:\n  rendition_gap: {min: 0.05}\nitems:\n"
                                       + ITEM))


def test_the_worst_rendition_is_measured_against_the_first_in_the_right_direction(tmp_path):
    from se_assistant.evaluation.gate import gap_failures, rendition_gaps

    eval_set = load_eval_set(_write(tmp_path, (
        "thresholds:\n  hit_at_3: {min: 0.9}\n  false_refusal_rate: {max: 0.05}\n"
        "  latency_p95: {max: 1}\n  rendition_gap: {max: 0.05}\nitems:\n" + ITEM)))
    by_rendition = {
        "corpus": {"hit_at_3": 1.0, "false_refusal_rate": 0.0, "latency_p95": 0.1},
        "txt": {"hit_at_3": 0.98, "false_refusal_rate": 0.1, "latency_p95": 0.9},
        "pdf": {"hit_at_3": 0.9, "false_refusal_rate": 0.02, "latency_p95": 0.2},
    }
    gaps = rendition_gaps(eval_set, by_rendition)
    assert set(gaps) == {"hit_at_3", "false_refusal_rate"}  # latency is no share
    assert gaps["hit_at_3"]["worst"] == "pdf" and gaps["hit_at_3"]["gap"] == pytest.approx(0.1)
    assert gaps["false_refusal_rate"]["worst"] == "txt"
    failures = gap_failures(eval_set, gaps, "test")
    assert failures == [
        "test: rendition gap hit_at_3: pdf 0.900 vs corpus 1.000 (gap 0.100 > 0.05)",
        "test: rendition gap false_refusal_rate: txt 0.100 vs corpus 0.000 (gap 0.100 > 0.05)",
    ]
    assert rendition_gaps(eval_set, {"corpus": by_rendition["corpus"]}) == {}


def test_every_bundled_set_gates_faithful_sentences_and_takes_evidence_from_the_slides():
    seed_words = " ".join(lexical_words((REPO / "corpus/presentation.md").read_text("utf-8")))
    for path, split in ((BUNDLED_SET, "dev"), (REPO / "evals/questions-test.yaml", "test"),
                        (REPO / "evals/questions-fresh.yaml", "dev")):
        eval_set = load_eval_set(path)
        assert eval_set.split == split
        assert eval_set.thresholds["faithful_sentence_share"].min == 1.0
        assert eval_set.rendition_gap == 0.05
        for item in eval_set.items:
            if item.answerable:
                assert item.evidence, item.id
            for fragment in item.evidence:
                assert " ".join(lexical_words(fragment)) in seed_words, (item.id, fragment)


def test_a_baseline_is_matched_by_split_and_rendition_and_format_1_stands_for_the_first():
    from se_assistant.evaluation.report import baseline_items

    v2 = {"splits": [{"name": "test", "renditions": {"pdf": {"items": ["pdf-test"]}}},
                     {"name": "dev", "renditions": {"pdf": {"items": ["pdf-dev"]}}}]}
    assert baseline_items(v2, "dev", "q.yaml", "pdf") == ["pdf-dev"]
    assert baseline_items(v2, "dev", "q.yaml", "txt") is None
    assert baseline_items(None, "dev", "q.yaml", "pdf") is None
    v1 = {"eval_set": "q.yaml", "items": ["old"]}
    assert baseline_items(v1, "dev", "q.yaml", "corpus", first=True) == ["old"]
    assert baseline_items(v1, "dev", "q.yaml", "pdf", first=False) is None
    assert baseline_items(v1, "dev", "other.yaml", "corpus", first=True) is None
