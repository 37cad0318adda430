"""Metric definitions on hand-computed cases (fast, no models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcite.eval.metrics import (
    answer_label,
    doc_recall_at,
    evidence_matches,
    evidence_recall_at,
    ndcg_at,
    percentile,
    reciprocal_rank,
)
from medcite.eval.runner import CaseResult, summarise
from medcite.eval.suite import SuiteError, load_suite
from medcite.generation.citation_support import citation_scores
from medcite.generation.grounding import parse_cited_text


def test_evidence_matching_normalises_and_tolerates_line_breaks() -> None:
    passage = "Screen adults aged 50 to 75 years (grade A). Colono-\nscopy every 10 years."
    assert evidence_matches("aged 50 to 75 years", passage)
    assert evidence_matches("Colonoscopy every 10 years", passage)
    assert evidence_matches("GRADE A", passage)
    assert not evidence_matches("aged 45 to 75 years", passage)
    assert not evidence_matches("5 to 7", passage)  # whole words only
    quote = "clinicians should prescribe immediate release opioids instead of extended release long acting opioids"
    split_passage = "clinicians should prescribe immediate-release opioids\n(see below) instead of extended-release/long-acting opioids"
    assert evidence_matches(quote, split_passage)  # >= 80% of the words in order
    assert not evidence_matches(quote, "clinicians should prescribe opioids")


def test_rank_metrics() -> None:
    docs = ["a", "b", "c", "b"]
    assert doc_recall_at(docs, ["b"], 1) == 0 and doc_recall_at(docs, ["b"], 2) == 1
    assert reciprocal_rank(docs, ["c"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(docs, ["z"]) == 0
    assert evidence_recall_at(["x 10 mg", "y"], ["10 mg", "20 mg"], 5) == 0.5
    assert ndcg_at([1, 0, 0], 10, 1) == 1.0
    assert ndcg_at([0, 1], 10, 1) == pytest.approx(1 / 1.5849625, rel=1e-5)
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([5, 1, 3, 2, 4], 95) == 5


def test_answer_label_mapping() -> None:
    assert answer_label("", abstained=True) == "maybe"
    assert answer_label("Yes, it helps [1].", False) == "yes"
    assert answer_label("- The drug did not reduce mortality [1].", False) == "no"
    assert answer_label("- The drug reduced mortality by 20% [1]. It was not costly [2].", False) == "yes"


class FixedVerifier:
    """A judge stub that entails exactly the (premise, claim) word pairs it is told about."""

    name = "fixed"
    threshold = 0.5

    def __init__(self, supports: dict[str, set[str]]) -> None:
        self.supports = supports

    def scores(self, pairs):  # type: ignore[no-untyped-def]
        return [
            1.0 if any(k in p and claim.startswith(v) for k, vs in self.supports.items() for v in vs) else 0.0
            for p, claim in pairs
        ]


def test_alce_recall_and_precision_by_hand() -> None:
    passages = {1: "P1 about aspirin", 2: "P2 about statins", 3: "P3 about nothing"}
    judge = FixedVerifier({"P1": {"Aspirin"}, "P2": {"Statins"}})
    text = "- Aspirin helps [1][3].\n- Statins help [2].\n- Fabricated claim [1].\n- No citation here.\n- Out of range [7]."
    scores = citation_scores(parse_cited_text(text), passages, judge)
    assert scores.n_sentences == 5
    assert scores.recall == pytest.approx(2 / 5)
    # citations: [1,3] -> 1 precise, 3 irrelevant; [2] precise; [1] unsupported; [7] out of range
    assert scores.n_citations == 5
    assert scores.precision == pytest.approx(2 / 5)
    assert scores.verdicts[0].irrelevant == [3]
    assert [v.reason for v in scores.verdicts][3:] == ["uncited", "out_of_range"]


def _result(answerable: bool, abstained: bool) -> CaseResult:
    return CaseResult(
        id="x",
        question="q",
        tags=[],
        answerable=answerable,
        retrieved=[],
        doc_recall={},
        evidence_recall_5=None,
        answer_evidence_recall=None,
        reciprocal_rank=None,
        ndcg_10=None,
        answer={},
        abstained=abstained,
        citation_recall=None,
        citation_precision=None,
        sentence_verdicts=[],
        label=None,
        predicted_label=None,
        latency_ms=10.0,
    )


def test_abstention_precision_and_recall() -> None:
    results = [_result(False, True), _result(False, False), _result(True, True), _result(True, False)]
    s = summarise(results)
    assert s["abstention_precision"] == 0.5 and s["abstention_recall"] == 0.5
    assert s["n_cases"] == 4 and s["answer_accuracy"] is None and s["retrieval_doc_recall@1"] is None


def test_suite_loading(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        json.dumps({"suite": "mine", "corpus": "docs"})
        + "\n"
        + json.dumps({"id": 1, "question": "Q?", "doc_ids": "d1", "answer": "Yes"})
        + "\n"
    )
    suite = load_suite(path)
    assert (suite.name, suite.corpus) == ("mine", "docs")
    assert suite.cases[0].doc_ids == ("d1",) and suite.cases[0].label == "yes" and suite.cases[0].answerable
    path.write_text('{"id": "1"}\n')
    with pytest.raises(SuiteError, match="question"):
        load_suite(path)
    path.write_text('{"id": "1", "question": "a"}\n{"id": "1", "question": "b"}\n')
    with pytest.raises(SuiteError, match="unique"):
        load_suite(path)


def test_shipped_suites_follow_the_format(suites: Path) -> None:
    root = suites
    gd = load_suite(root / "guidelines-dev.jsonl")
    assert len(gd.cases) >= 60
    assert sum(not c.answerable for c in gd.cases) >= 10
    assert sum("date" in c.tags for c in gd.cases) >= 5
    assert all(c.doc_ids and c.evidence for c in gd.cases if c.answerable)
    assert all(len(e.split()) <= 8 for c in gd.cases for e in c.evidence)  # key phrases, not copied sentences


def test_judge_metrics_report_balanced_accuracy_and_ranking() -> None:
    from medcite.eval.judge_metrics import LabelledPair, judge_metrics

    pairs = [
        LabelledPair("a", "p", "h", True, "paraphrase"),
        LabelledPair("b", "p", "h", True, "paraphrase"),
        LabelledPair("c", "p", "h", False, "negation"),
        LabelledPair("d", "p", "h", False, "negation"),
        LabelledPair("e", "p", "h", False, "number_change"),
        LabelledPair("f", "p", "h", False, "number_change"),
    ]
    # one supported claim is missed at this threshold, but every supported claim outranks
    # every unsupported one: balanced accuracy drops, ROC AUC does not
    m = judge_metrics(pairs, [0.9, 0.4, 0.3, 0.2, 0.1, 0.05], threshold=0.5)
    assert m["balanced_accuracy"] == pytest.approx(0.75)
    assert m["roc_auc"] == pytest.approx(1.0)
    assert m["by_kind"] == {"negation": 1.0, "number_change": 1.0, "paraphrase": 0.5}
    reversed_scores = judge_metrics(pairs, [0.1, 0.2, 0.9, 0.8, 0.7, 0.6], threshold=0.5)
    assert reversed_scores["roc_auc"] == pytest.approx(0.0)
    assert judge_metrics(pairs[:2], [0.9, 0.8], threshold=0.5)["roc_auc"] is None  # one class only
