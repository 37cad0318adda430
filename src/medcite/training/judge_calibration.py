"""Choose how the trained judge scores: which backstop rules, how many sentences per premise
window, and the threshold, all on the calibration split of the hand-written training pairs.

A rule that helps a model trained on generated pairs can hurt one trained on hand-written
pairs (the number rule rejects "within one week" for "within seven days"), so each rule
earns its place on pairs the model never trained on, and never on an evaluation set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from medcite.eval.judge_metrics import LabelledPair, best_threshold, judge_metrics
from medcite.generation.verifier import BACKSTOP_RULES, CrossEncoderJudge, backstop

WINDOW_CHOICES = (3, 5)
RULE_CHOICES: tuple[tuple[str, ...], ...] = tuple(
    subset for n in range(len(BACKSTOP_RULES) + 1) for subset in combinations(BACKSTOP_RULES, n)
)


@dataclass(frozen=True)
class Scoring:
    rules: tuple[str, ...]
    window: int
    threshold: float
    balanced_accuracy: float
    roc_auc: float | None


def choose_scoring(model_dir: Path, pairs: Sequence[LabelledPair]) -> tuple[Scoring, list[Scoring]]:
    """The best (rules, window) by balanced accuracy at its own best threshold (ties: higher
    ROC AUC, then fewer rules), and every candidate measured, for the model card."""
    truth = [p.supported for p in pairs]
    measured: list[Scoring] = []
    for window in WINDOW_CHOICES:
        judge = CrossEncoderJudge(model_dir, backstop=False, window=window)
        raw = judge.scores([(p.premise, p.hypothesis) for p in pairs])
        for rules in RULE_CHOICES:
            scores = [backstop(p.premise, p.hypothesis, s, rules) for p, s in zip(pairs, raw, strict=True)]
            threshold = best_threshold(scores, truth)
            figures = judge_metrics(pairs, scores, threshold)
            auc = figures["roc_auc"]
            measured.append(
                Scoring(
                    rules,
                    window,
                    threshold,
                    float(figures["balanced_accuracy"]),  # type: ignore[arg-type]
                    None if auc is None else float(auc),  # type: ignore[arg-type]
                )
            )
    best = max(measured, key=lambda s: (s.balanced_accuracy, s.roc_auc or 0.0, -len(s.rules)))
    return best, measured
