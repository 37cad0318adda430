"""When to abstain: a calibrated decision over what retrieval found, not one cosine threshold.

A single dense-cosine threshold tuned on one suite did not generalise: clinicians' shorthand
("BP", brand names, "triple-A") lowers the cosine of questions the guidelines do answer, so on
`guidelines-tune` the 0.55 threshold abstained on 49 of 126 answerable questions. The gate is a
logistic model over signals that fail differently: dense cosines, the best BM25 score, how much
of the question's vocabulary (weighted by rarity) the top passages hold, the rarest question
term they lack, and whether dense and BM25 agree on the document. It is fitted by
`python -m medcite.training.abstention` on `guidelines-tune` + `guidelines-dev` only and shipped
as a small JSON file (`models/abstention/model.json`); applying it is a dot product. (The
trained reranker's relevance of the top passages was tried as a signal and carried none: ROC
AUC 0.52 on the tune suites.)

The engine runs the gate before any generator, so every generator abstains the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from medcite.core.errors import ModelNotFoundError
from medcite.core.types import Answer, Hit
from medcite.store.terms import tokenize

FEATURES = (
    "best_dense",  # highest dense cosine among the hits
    "dense_margin",  # best dense cosine minus the mean of the others
    "log_best_lexical",  # log(1 + highest BM25 score); 0 when no hit shares a term
    "coverage_top3",  # share of the question's terms found in the top 3 passages
    "idf_coverage_top3",  # the same, each term weighted by its IDF (terms the index lacks skipped)
    "missing_idf",  # highest IDF of a known question term the top 3 passages lack (0: none)
    "agreement",  # 1 when the best dense hit and the best BM25 hit are from one document
    "log_terms",  # log(1 + number of question terms): long questions score lower cosines
)
FORMAT = "medcite-abstention/2"
TOP = 3

ABSTAIN_UNCALIBRATED = (
    "The indexed guidelines do not contain enough evidence to answer this question "
    "(evidence strength {score:.2f}, below the calibrated {threshold:.2f}). "
    "No answer is given rather than one that is not supported."
)

Idf = Callable[[str], "float | None"]


def abstained(question: str, hits: Sequence[Hit], reason: str, generator: str) -> Answer:
    """An answer that declines, with the passages it looked at: what every abstention returns."""
    return Answer(
        question=question,
        sentences=[],
        references=[],
        abstained=True,
        abstain_reason=reason,
        generator=generator,
        retrieved=list(hits),
    )


def _terms_of(hits: Sequence[Hit]) -> set[str]:
    seen: set[str] = set()
    for h in hits:
        seen.update(tokenize(f"{h.document.title} {h.chunk.section} {h.chunk.text}"))
    return seen


def evidence_features(question: str, hits: Sequence[Hit], idf: Idf) -> list[float]:
    """The gate's inputs, in FEATURES order (hits best first)."""
    terms = set(tokenize(question))
    top = list(hits[:TOP])
    found = _terms_of(top)
    dense = [h.dense_score if h.dense_score is not None else 0.0 for h in hits]
    lexical = [h.lexical_score for h in hits if h.lexical_score is not None]
    best_dense = max(dense, default=0.0)
    others = sorted(dense, reverse=True)[1:]
    weights = {t: w for t in terms if (w := idf(t)) is not None}
    known = sum(weights.values())
    agreement = 0.0
    if hits and lexical:
        by_dense = max(hits, key=lambda h: h.dense_score or 0.0)
        by_lexical = max(hits, key=lambda h: h.lexical_score or 0.0)
        agreement = float(by_dense.document.doc_id == by_lexical.document.doc_id)
    return [
        best_dense,
        best_dense - (sum(others) / len(others)) if others else 0.0,
        math.log1p(max(lexical, default=0.0)),
        len(terms & found) / len(terms) if terms else 0.0,
        sum(w for t, w in weights.items() if t in found) / known if known else 0.0,
        max((w for t, w in weights.items() if t not in found), default=0.0),
        agreement,
        math.log1p(len(terms)),
    ]


@dataclass(frozen=True)
class AbstentionModel:
    """Standardised logistic regression: P(answerable) = sigmoid(w . (x - mean) / scale + b)."""

    weights: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float  # answer when P(answerable) >= threshold
    provenance: dict[str, object] | None = None

    def check(self, question: str, hits: Sequence[Hit], idf: Idf) -> tuple[bool, float]:
        """Whether to answer from `hits`, and P(answerable); `idf` is the index's (Bm25Index.idf)."""
        p = self.probability(evidence_features(question, hits, idf))
        return p >= self.threshold, p

    def reason(self, p: float) -> str:
        """The abstention message for a question scored `p`."""
        return ABSTAIN_UNCALIBRATED.format(score=p, threshold=self.threshold)

    def probability(self, features: Sequence[float]) -> float:
        z = self.intercept + sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, features, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "features": list(FEATURES),
            "weights": list(self.weights),
            "intercept": self.intercept,
            "mean": list(self.mean),
            "scale": list(self.scale),
            "threshold": self.threshold,
            "provenance": self.provenance or {},
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> AbstentionModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelNotFoundError(
                f"abstention model not found at {path}; train it with "
                "`python -m medcite.training.abstention` or set MEDCITE_ABSTENTION=cosine"
            ) from exc
        if data.get("format") != FORMAT or tuple(data.get("features", ())) != FEATURES:
            raise ModelNotFoundError(
                f"{path} is not a {FORMAT} model over this version's features; retrain it"
            )
        return cls(
            weights=tuple(data["weights"]),
            intercept=float(data["intercept"]),
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            threshold=float(data["threshold"]),
            provenance=data.get("provenance"),
        )
