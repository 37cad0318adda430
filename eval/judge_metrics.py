"""Judge evaluation on labelled (premise, hypothesis) pairs, and the two simple baselines.

Metrics: ROC AUC (threshold-free), accuracy, balanced accuracy (mean of per-class recall),
F1 of the "unsupported" class, and accuracy per error kind. Baselines: ROUGE-L-style token
overlap (LCS recall of the claim's tokens in the premise) and embedding cosine, each with a
tuned threshold.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import roc_auc_score

from medcite.core.protocols import Embedder, Verifier
from medcite.eval.metrics import lcs_length
from medcite.generation.verifier import premise_windows


@dataclass(frozen=True, slots=True)
class LabelledPair:
    id: str
    premise: str
    hypothesis: str
    supported: bool
    kind: str
    shape: str = ""  # premise shape: "passage" (whole passage) or "quote" (one short verbatim quote)


def read_pairs(path: Path) -> list[LabelledPair]:
    pairs = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["label"] not in ("supported", "unsupported"):
            raise ValueError(f"{path}:{i + 1}: label must be 'supported' or 'unsupported'")
        pairs.append(
            LabelledPair(
                str(row.get("id", i)),
                row["premise"],
                row["hypothesis"],
                row["label"] == "supported",
                row.get("kind", ""),
                row.get("premise_shape", ""),
            )
        )
    return pairs


def judge_metrics(
    pairs: Sequence[LabelledPair], scores: Sequence[float], threshold: float
) -> dict[str, object]:
    predicted = [s >= threshold for s in scores]
    truth = [p.supported for p in pairs]
    n = len(pairs)
    correct = [p == t for p, t in zip(predicted, truth, strict=True)]
    pos = [c for c, t in zip(correct, truth, strict=True) if t]
    neg = [c for c, t in zip(correct, truth, strict=True) if not t]
    recall_pos = sum(pos) / len(pos) if pos else 0.0
    recall_neg = sum(neg) / len(neg) if neg else 0.0
    tp_unsup = sum(1 for p, t in zip(predicted, truth, strict=True) if not p and not t)
    pred_unsup = sum(1 for p in predicted if not p)
    precision_unsup = tp_unsup / pred_unsup if pred_unsup else 0.0
    f1_unsup = (2 * precision_unsup * recall_neg / (precision_unsup + recall_neg)) if tp_unsup else 0.0
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for pair, ok in zip(pairs, correct, strict=True):
        by_kind[pair.kind].append(ok)
    # threshold-free: how well the scores rank supported above unsupported claims
    auc = roc_auc_score(truth, scores) if 0 < sum(truth) < n else None
    shapes = sorted({p.shape for p in pairs if p.shape})
    by_shape = {
        shape: _balanced(
            [(s, p.supported) for s, p in zip(predicted, pairs, strict=True) if p.shape == shape]
        )
        for shape in shapes
    }
    return {
        "n": n,
        "roc_auc": None if auc is None else round(float(auc), 4),
        "accuracy": round(sum(correct) / n, 4) if n else 0.0,
        "balanced_accuracy": round((recall_pos + recall_neg) / 2, 4),
        "f1_unsupported": round(f1_unsup, 4),
        "by_kind": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_kind.items())},
        **({"by_shape_balanced_accuracy": by_shape} if by_shape else {}),
        "threshold": round(threshold, 4),
    }


def _balanced(decisions: Sequence[tuple[bool, bool]]) -> float:
    """Balanced accuracy of (predicted supported, truly supported) decisions."""
    pos = [p for p, t in decisions if t]
    neg = [not p for p, t in decisions if not t]
    rates = [sum(x) / len(x) for x in (pos, neg) if x]
    return round(sum(rates) / len(rates), 4) if rates else 0.0


def best_threshold(scores: Sequence[float], truth: Sequence[bool]) -> float:
    """The cut-off that maximises balanced accuracy (for calibration on held-out data)."""
    best, best_t = -1.0, 0.5
    pos = sum(truth) or 1
    neg = (len(truth) - sum(truth)) or 1
    for t in sorted(set(scores)):
        tp = sum(1 for s, y in zip(scores, truth, strict=True) if s >= t and y)
        tn = sum(1 for s, y in zip(scores, truth, strict=True) if s < t and not y)
        bal = (tp / pos + tn / neg) / 2
        if bal > best:
            best, best_t = bal, t
    return float(best_t)


_TOKEN = re.compile(r"[a-z0-9]+")


class TokenOverlapVerifier:
    """Baseline: ROUGE-L recall of the claim's tokens in the best premise window."""

    name = "token-overlap"

    def __init__(self, threshold: float = 0.7) -> None:
        self.threshold = threshold

    def scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        out = []
        for premise, claim in pairs:
            c = _TOKEN.findall(claim.lower())
            best = max(lcs_length(c, _TOKEN.findall(w.lower())) for w in premise_windows(premise))
            out.append(best / len(c) if c else 0.0)
        return out


class EmbeddingCosineVerifier:
    """Baseline: cosine of claim and best premise window with the retrieval embedder."""

    name = "embedding-cosine"

    def __init__(self, embedder: Embedder, threshold: float = 0.8) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        out = []
        for premise, claim in pairs:
            windows = premise_windows(premise)
            vectors = self.embedder.encode([claim, *windows])
            out.append(float((vectors[1:] @ vectors[0]).max()))
        return out


def evaluate(
    verifier: Verifier, pairs: Sequence[LabelledPair], threshold: float | None = None
) -> dict[str, object]:
    scores = verifier.scores([(p.premise, p.hypothesis) for p in pairs])
    return judge_metrics(pairs, scores, verifier.threshold if threshold is None else threshold)
