"""Fit the calibrated abstention gate (`medcite.generation.abstention`) on the tune suites.

    python -m medcite.training.abstention --index DIR [--suites guidelines-tune,guidelines-dev]
                                          [--out models/abstention/model.json]

Runs retrieval for every case of the named suites over one index (the shared corpus), turns the
evidence the generator would read into features, and fits a class-balanced logistic regression.
The threshold is picked on out-of-fold probabilities (5-fold, stratified, seed 20261202): the
highest one that abstains on at most `--max-answerable-abstained` of the answerable cases; the
model is then refitted on all cases. Only tune suites may be named: `guidelines-test` and the
PubMedQA suites are for reporting (the script refuses them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from medcite import paths
from medcite.core.settings import Settings
from medcite.engine import Engine
from medcite.eval.suite import Case, load_suite
from medcite.generation.abstention import FEATURES, AbstentionModel, evidence_features
from medcite.retrieval.priors import drop_weak_evidence

log = logging.getLogger(__name__)

SEED = 20261202
TUNE_SUITES = ("guidelines-tune", "guidelines-dev")
REPORT_ONLY = ("guidelines-test", "pubmedqa")


def case_features(engine: Engine, cases: list[Case]) -> np.ndarray:
    """Features of the evidence each case's answer would be drafted from (as Engine.ask does)."""
    rows = []
    gap = engine.settings.retrieval.evidence_max_gap
    idf = engine.snapshot().lexical.idf
    for case in cases:
        evidence = drop_weak_evidence(engine.search(case.question), gap)
        rows.append(evidence_features(case.question, evidence, idf))
    return np.asarray(rows, dtype=np.float64)


def pick_threshold(probabilities: np.ndarray, answerable: np.ndarray, max_abstained: float) -> float:
    """The highest threshold that abstains on at most `max_abstained` of the answerable cases."""
    positives = np.sort(probabilities[answerable])
    allowed = int(np.floor(max_abstained * len(positives)))
    return float(positives[allowed]) if len(positives) else 0.5


def gate_figures(probabilities: np.ndarray, answerable: np.ndarray, threshold: float) -> dict[str, float]:
    abstain = probabilities < threshold
    correct = abstain & ~answerable
    return {
        "abstention_precision": round(float(correct.sum() / max(abstain.sum(), 1)), 4),
        "abstention_recall": round(float(correct.sum() / max((~answerable).sum(), 1)), 4),
        "answerable_abstained_rate": round(float((abstain & answerable).sum() / max(answerable.sum(), 1)), 4),
    }


def fit(
    x: np.ndarray, answerable: np.ndarray, max_abstained: float, c: float = 1.0
) -> tuple[AbstentionModel, dict[str, float]]:
    """Fit the gate; return it with its out-of-fold figures."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def model() -> object:
        return make_pipeline(
            StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
        )

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    oof = cross_val_predict(model(), x, answerable, cv=folds, method="predict_proba")[:, 1]
    threshold = pick_threshold(oof, answerable, max_abstained)
    figures = gate_figures(oof, answerable, threshold)
    final = model()
    final.fit(x, answerable)  # type: ignore[attr-defined]
    scaler, logistic = final.steps[0][1], final.steps[1][1]  # type: ignore[attr-defined]
    gate = AbstentionModel(
        weights=tuple(float(w) for w in logistic.coef_[0]),
        intercept=float(logistic.intercept_[0]),
        mean=tuple(float(m) for m in scaler.mean_),
        scale=tuple(float(s) for s in scaler.scale_),
        threshold=threshold,
    )
    return gate, figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="an index over ../shared/corpus")
    parser.add_argument(
        "--suites", default=",".join(TUNE_SUITES), help="packaged tune suites, comma-separated"
    )
    parser.add_argument("--max-answerable-abstained", type=float, default=0.03)
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength of the logistic model")
    parser.add_argument("--features-out", type=Path, help="also write the feature table (JSONL)")
    parser.add_argument("--out", type=Path, default=paths.writable_model_dir(paths.ABSTENTION) / "model.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    names = [n.strip() for n in args.suites.split(",") if n.strip()]
    if any(n.startswith(REPORT_ONLY) for n in names):
        parser.error(f"{names}: report-only suites cannot be fitted on")
    engine = Engine(Settings().updated(index=args.index))
    cases = [case for n in names for case in load_suite(paths.suites_dir() / f"{n}.jsonl").cases]
    x = case_features(engine, cases)
    answerable = np.asarray([c.answerable for c in cases], dtype=bool)
    if args.features_out:
        with args.features_out.open("w", encoding="utf-8") as out:
            for case, row in zip(cases, x, strict=True):
                out.write(
                    json.dumps({"id": case.id, "answerable": case.answerable, "x": row.tolist()}) + "\n"
                )
    gate, figures = fit(x, answerable, args.max_answerable_abstained, args.c)
    gate = replace(
        gate,
        provenance={
            "fitted_on": names,
            "cases": len(cases),
            "unanswerable": int((~answerable).sum()),
            "seed": SEED,
            "max_answerable_abstained": args.max_answerable_abstained,
            "c": args.c,
            "out_of_fold": figures,
            "embedding_model": engine.settings.models.embedding_model,
            "date": dt.date.today().isoformat(),
        },
    )
    gate.save(args.out)
    log.info("features %s", ", ".join(f"{f}={w:+.2f}" for f, w in zip(FEATURES, gate.weights, strict=True)))
    log.info("out-of-fold on %s: %s; threshold %.3f -> %s", names, figures, gate.threshold, args.out)


if __name__ == "__main__":
    main()
