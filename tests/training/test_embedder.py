"""Embedder fine-tuning: the triplets it learns from, kept off every suite's documents, and a
real (tiny) training run that saves a model the embedder backend loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medcite.retrieval.embedder import load_embedder
from medcite.training.embedder import _from_groups, train, written_triplets
from medcite.training.reranker import suite_doc_ids
from medcite.training.trainer import Pair

CHUNKS = [
    ("doc-a", "Dosing", "Start hydroxyurea at a low dose and titrate to the maximum tolerated dose."),
    ("doc-a", "Monitoring", "Check the blood count every four weeks while titrating hydroxyurea."),
    ("doc-b", "Screening", "Screen adults for hypertension with office blood pressure measurement."),
]


def test_groups_become_query_positive_hard_negative_triplets() -> None:
    pairs = [
        Pair("q1", "pos1", 1.0, 0),
        Pair("q1", "neg1", 0.0, 0),
        Pair("q1", "neg2", 0.0, 0),
        Pair("q2", "p", 1.0, 1),
    ]
    assert _from_groups(pairs) == [("q1", "pos1", "neg1")]  # a group without a negative is dropped


def test_written_queries_get_a_negative_that_does_not_hold_their_passage(tmp_path: Path) -> None:
    (tmp_path / "embedder-train.jsonl").write_text(
        '{"query": "how often to check counts on hydroxyurea", "doc_id": "doc-a", '
        '"passage": "Check the blood count every four weeks while titrating hydroxyurea."}\n'
    )
    [(query, positive, negative)] = written_triplets(CHUNKS, tmp_path)
    assert query.startswith("how often")
    assert positive.startswith("Check the blood count") and "Check the blood count" not in negative


def test_the_hand_written_training_queries_avoid_every_suite_document() -> None:
    import json

    from medcite import paths

    root = paths.source_checkout()
    assert root is not None
    cited = suite_doc_ids()
    for name in ("embedder-train.jsonl", "embedder-train-extra.jsonl"):
        rows = [
            json.loads(line) for line in (root / "eval" / "training-data" / name).read_text().splitlines()
        ]
        assert rows and not {r["doc_id"] for r in rows} & cited


def test_a_tiny_real_training_run_saves_a_loadable_embedder(tmp_path: Path) -> None:
    triplets = [
        ("hydroxyurea starting dose", CHUNKS[0][2], CHUNKS[2][2]),
        ("blood count monitoring on hydroxyurea", CHUNKS[1][2], CHUNKS[2][2]),
        ("hypertension screening", CHUNKS[2][2], CHUNKS[0][2]),
        ("titrate hydroxyurea", CHUNKS[0][2], CHUNKS[1][2]),
    ]
    saved = train(triplets, tmp_path, epochs=1, batch_size=2, lr=1e-5, seed=1, max_seq_length=32)
    embedder = load_embedder(str(saved))
    vectors = embedder.encode(["hydroxyurea dose", CHUNKS[0][2]])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
