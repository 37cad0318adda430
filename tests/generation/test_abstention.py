"""The calibrated abstention gate: its features, its file, and the engine applying it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from medcite import paths
from medcite.core.errors import ModelNotFoundError
from medcite.core.settings import Settings
from medcite.core.types import Chunk, Document, Hit
from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION
from medcite.generation.abstention import FEATURES, AbstentionModel, evidence_features
from medcite.training.abstention import fit, pick_threshold


def _hit(doc_id: str, text: str, dense: float, lexical: float | None, rank: int) -> Hit:
    doc = Document(doc_id, "Title", "dev", "2020", 2020, "", "", "", "md", doc_id)
    chunk = Chunk(f"{doc_id}#{rank}", doc_id, rank, text, "Section", None, None, 0, len(text), 8)
    return Hit(
        chunk=chunk, document=doc, score=1.0 / rank, rank=rank, dense_score=dense, lexical_score=lexical
    )


def test_features_measure_what_the_evidence_holds() -> None:
    hits = [
        _hit("a", "Naloxone should be offered to patients at risk of overdose.", 0.7, 12.0, 1),
        _hit("b", "Methadone dosing needs care.", 0.5, None, 2),
        _hit("a", "Other text.", 0.3, 3.0, 3),
    ]
    idf = {"naloxon": 3.0, "overdos": 2.0, "zebra": 5.0}.get
    f = dict(zip(FEATURES, evidence_features("naloxone for overdose zebra", hits, idf), strict=True))
    assert f["best_dense"] == pytest.approx(0.7)
    assert f["dense_margin"] == pytest.approx(0.7 - 0.4)
    assert f["log_best_lexical"] == pytest.approx(math.log1p(12.0))
    assert f["coverage_top3"] == pytest.approx(2 / 3)  # "zebra" is missing
    assert f["idf_coverage_top3"] == pytest.approx(5 / 10)
    assert f["missing_idf"] == pytest.approx(5.0)  # the rarest term the evidence lacks
    assert f["agreement"] == 1.0  # best dense and best BM25 hit share document "a"


def test_the_model_file_round_trips_and_refuses_a_foreign_one(tmp_path: Path) -> None:
    n = len(FEATURES)
    model = AbstentionModel((1.0,) * n, -0.5, (0.0,) * n, (1.0,) * n, 0.4, {"fitted_on": ["x"]})
    model.save(tmp_path / "model.json")
    loaded = AbstentionModel.load(tmp_path / "model.json")
    assert loaded == model
    assert loaded.probability([1.0] * n) > loaded.probability([0.0] * n)
    (tmp_path / "old.json").write_text('{"format": "medcite-abstention/0", "features": []}')
    with pytest.raises(ModelNotFoundError, match="retrain"):
        AbstentionModel.load(tmp_path / "old.json")
    with pytest.raises(ModelNotFoundError, match="MEDCITE_ABSTENTION=cosine"):
        AbstentionModel.load(tmp_path / "missing.json")


def test_the_threshold_keeps_answerable_abstentions_within_the_limit() -> None:
    rng = np.random.default_rng(0)
    answerable = np.array([True] * 100 + [False] * 20)
    probabilities = np.where(answerable, rng.uniform(0.3, 1.0, 120), rng.uniform(0.0, 0.5, 120))
    threshold = pick_threshold(probabilities, answerable, 0.05)
    assert (probabilities[answerable] < threshold).sum() <= 5
    x = np.column_stack([probabilities + rng.normal(0, 0.05, 120)] * len(FEATURES))
    _, figures = fit(x, answerable, 0.05)
    assert figures["answerable_abstained_rate"] <= 0.05
    assert figures["abstention_recall"] > 0.5  # a separable signal is found


def test_the_shipped_gate_is_fitted_on_tune_suites_only() -> None:
    model = AbstentionModel.load(paths.model_dir(paths.ABSTENTION) / "model.json")
    provenance = model.provenance or {}
    assert set(provenance["fitted_on"]) <= {"guidelines-tune", "guidelines-dev"}  # type: ignore[arg-type]
    assert 0.0 < model.threshold < 1.0


def test_the_engine_gates_before_the_generator_and_cosine_restores_the_old_rule(
    starter_engine: Engine,
) -> None:
    assert starter_engine.gate is not None
    assert not starter_engine.ask(SEED_QUESTION).abstained
    off_topic = "How do I replace the timing belt on a 2009 Honda Civic?"
    gated = starter_engine.ask(off_topic)
    assert gated.abstained and "calibrated" in gated.abstain_reason
    cosine = Engine(starter_engine.settings.updated(abstention="cosine"), embedder=starter_engine.embedder)
    assert cosine.gate is None
    old = cosine.ask(off_topic)
    assert old.abstained and "threshold" in old.abstain_reason
    assert Settings().answer.abstention == "calibrated"
