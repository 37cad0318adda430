"""The harness judged: it must score deliberately bad answers lower than the real one, and
`medcite eval` must run a suite end to end (starter corpus, real index, real judge)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medcite.api.schemas import AnswerOut
from medcite.cli.main import app
from medcite.engine import Engine
from medcite.generation.citation_support import citation_scores
from medcite.generation.grounding import parse_cited_text
from medcite.generation.verifier import CrossEncoderJudge

runner = CliRunner()
QUESTION = "What blood pressure target does the ACC/AHA guideline recommend for most adults?"


@pytest.fixture(scope="module")
def judge() -> CrossEncoderJudge:
    return CrossEncoderJudge()


@pytest.fixture(scope="module")
def good(starter_engine: Engine) -> AnswerOut:
    answer = AnswerOut.of(starter_engine.ask(QUESTION))
    assert not answer.abstained and len(answer.references) >= 2
    return answer


def _score(answer: AnswerOut, text: str, judge: CrossEncoderJudge) -> tuple[float, float]:
    s = citation_scores(parse_cited_text(text), {r.n: r.text for r in answer.references}, judge)
    return s.recall, s.precision


def test_bad_answers_score_lower_than_the_real_one(good: AnswerOut, judge: CrossEncoderJudge) -> None:
    real_recall, real_precision = _score(good, good.answer, judge)
    assert real_recall >= 0.75 and real_precision >= 0.75
    first = good.sentences[0]
    n_refs = len(good.references)

    def unsupporting(text: str) -> int:
        # a reference whose passage does not contain the sentence (chunks overlap, so check)
        return next(r.n for r in good.references if text.rstrip(".") not in r.text)

    assert all(any(s.text.rstrip(".") not in r.text for r in good.references) for s in good.sentences)
    bad = {
        "fabricated sentence": good.answer
        + "\n- Beta blockers cure hypertension in 95% of adults within 2 weeks [1].",
        "unsupported citation": "\n".join(
            f"- {s.text[:-1]} [{unsupporting(s.text)}]." for s in good.sentences
        ),
        "out-of-range number": good.answer.replace(f"[{first.citations[0]}]", f"[{n_refs + 5}]", 1),
        "no citations": "\n".join(f"- {s.text}" for s in good.sentences),
    }
    for kind, text in bad.items():
        recall, precision = _score(good, text, judge)
        assert recall < real_recall - 0.1 or precision < real_precision - 0.1, (kind, recall, precision)
    assert _score(good, bad["no citations"], judge) == (0.0, 0.0)


def test_eval_command_runs_a_suite_end_to_end(
    tmp_path: Path, starter_engine: Engine, suites: Path, starter_corpus: Path
) -> None:
    out = tmp_path / "run"
    suite = suites / "starter-smoke.jsonl"
    result = runner.invoke(
        app,
        [
            "eval",
            str(suite),
            "--corpus",
            str(starter_corpus),
            "--index",
            str(starter_engine.index.root),
            "--out",
            str(out),
            "--limit",
            "8",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "retrieval_doc_recall@1",
        "retrieval_doc_recall@5",
        "retrieval_doc_recall@10",
        "retrieval_evidence_recall@5",
        "answer_evidence_recall",
        "mrr",
        "citation_recall",
        "citation_precision",
        "abstention_precision",
        "abstention_recall",
        "answer_accuracy",
        "latency_p50_ms",
        "latency_p95_ms",
        "n_cases",
    ):
        assert key in summary
    assert summary["n_cases"] == 8
    assert summary["retrieval_doc_recall@5"] == 1.0
    assert summary["abstention_recall"] == 1.0  # both unanswerable cases abstain
    assert summary["answer_accuracy"] is None  # no labels in this suite
    assert summary["citation_recall"] >= 0.5
    assert 0.0 < summary["answer_evidence_recall"] <= 1.0  # the answers say some of the gold evidence
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert {r["id"] for r in rows} == {f"s0{i}" for i in range(1, 9)}
    answered = [r for r in rows if not r["abstained"]]
    assert all(r["sentence_verdicts"] for r in answered)
    report = (out / "report.md").read_text()
    assert "| citation_recall |" in report and "## Worst" in report
    compared = runner.invoke(app, ["eval", "--compare", str(out), str(out)])
    assert compared.exit_code == 0 and "+0.0000" in compared.output


def test_run_config_records_what_the_environment_switched_on(
    tmp_path: Path, starter_engine: Engine, suites: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MEDCITE_RERANK=true reranks, so the run's config must say rerank: true (it said false)."""
    monkeypatch.setenv("MEDCITE_RERANK", "true")
    monkeypatch.setenv("MEDCITE_PREFER_NEWER_VERSIONS", "false")
    out = tmp_path / "run"
    args = ["eval", str(suites / "starter-smoke.jsonl"), "--index", str(starter_engine.index.root)]
    result = runner.invoke(app, [*args, "--out", str(out), "--limit", "1", "--no-judge"])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "summary.json").read_text())["config"]
    assert config["rerank"] is True and config["refine"] is True  # two filters still on
    result = runner.invoke(
        app,
        [*args, "--out", str(tmp_path / "r2"), "--limit", "1", "--no-judge", "--no-rerank", "--no-refine"],
    )
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "r2" / "summary.json").read_text())["config"]
    assert config["rerank"] is False and config["refine"] is False
