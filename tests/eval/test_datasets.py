"""The hand-written data sets are well formed, and training data never shares a document with
the evaluation data it would be measured on."""

from __future__ import annotations

import json
from pathlib import Path

from medcite.eval.suite import load_suite

DATA = Path(__file__).resolve().parents[2] / "eval" / "training-data"


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _docs(rows: list[dict[str, object]]) -> set[str]:
    return {str(r["doc_id"]) for r in rows if "doc_id" in r} | {
        str(d)
        for r in rows
        for d in r.get("doc_ids", []) or []  # type: ignore[attr-defined]
    }


def test_guideline_tune_and_test_splits_share_no_document(suites: Path) -> None:
    tune, test = load_suite(suites / "guidelines-tune.jsonl"), load_suite(suites / "guidelines-test.jsonl")
    assert (tune.meta["split"], test.meta["split"]) == ("tune", "test")
    for s in (tune, test):
        assert sum(not c.answerable for c in s.cases) >= 12
        assert all(c.doc_ids and c.evidence for c in s.cases if c.answerable)
    assert len(tune.cases) + len(test.cases) >= 175
    assert not {d for c in tune.cases for d in c.doc_ids} & {d for c in test.cases for d in c.doc_ids}


def test_written_judge_training_pairs_avoid_every_judge_evaluation_set(suites: Path) -> None:
    train = [row for path in sorted(DATA.glob("judge-train-written*.jsonl")) for row in _rows(path)]
    assert len(train) >= 1200 and len({r["id"] for r in train}) == len(train)
    assert {r["label"] for r in train} == {"supported", "unsupported"}
    heldout_v2 = _rows(suites / "judge-pairs-heldout-v2.jsonl")
    assert len(heldout_v2) >= 300
    evaluation = [_docs(_rows(p)) for p in sorted(suites.glob("judge-pairs*.jsonl"))]
    for docs in evaluation:
        assert not _docs(train) & docs
    assert not _docs(heldout_v2) & (
        _docs(_rows(suites / "judge-pairs.jsonl")) | _docs(_rows(suites / "judge-pairs-heldout.jsonl"))
    )


def test_embedder_training_questions_come_from_documents_no_suite_cites(suites: Path) -> None:
    train = _rows(DATA / "embedder-train.jsonl") + _rows(DATA / "embedder-train-extra.jsonl")
    assert len(train) >= 1000
    cited = set().union(*(_docs(_rows(p)) for p in suites.glob("*.jsonl")))
    assert not _docs(train) & cited
