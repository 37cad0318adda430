"""The citation judge's two baselines, with thresholds tuned on generated pairs.

Tuning needs the training pipeline's pair generator, so it lives here, above the eval layer
whose metrics and baseline scorers it uses (eval never imports training).
"""

from __future__ import annotations

from medcite import paths
from medcite.core.protocols import Embedder, Verifier
from medcite.eval.judge_metrics import EmbeddingCosineVerifier, TokenOverlapVerifier, best_threshold
from medcite.ingest.loaders import load_file
from medcite.training.judge_data import build_pairs
from medcite.training.sources import Passage


def tuned_baselines(embedder: Embedder, n_pairs: int = 300, seed: int = 7) -> list[Verifier]:
    """Both baselines with thresholds tuned (best balanced accuracy) on pairs generated from the
    starter corpus, so the hand-written evaluation pairs are never used for tuning."""
    folder = paths.starter_corpus()
    passages = [
        Passage(f"starter:{p.stem}", p.stem, " ".join(b.text for b in load_file(p).blocks))
        for p in sorted(folder.glob("*.md"))
    ]
    generated = build_pairs(passages, n_pairs, seed=seed)
    truth = [p.label == "supported" for p in generated]
    verifiers: list[Verifier] = [TokenOverlapVerifier(), EmbeddingCosineVerifier(embedder)]
    for verifier in verifiers:
        scores = verifier.scores([(p.premise, p.hypothesis) for p in generated])
        verifier.threshold = best_threshold(scores, truth)
    return verifiers
