"""Rerankers behind a small protocol; the default is medcite's trained medical CrossEncoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from medcite import paths
from medcite.core.text import rerank_text
from medcite.core.types import Hit
from medcite.retrieval.cross_encoder import load_cross_encoder


class CrossEncoderReranker:
    """Scores (query, passage) with the trained cross-encoder and re-sorts the hits."""

    def __init__(self, path: Path | None = None, batch_size: int = 32) -> None:
        path = path or paths.model_dir(paths.RERANKER)
        self.model, meta = load_cross_encoder(
            path,
            "medical reranker",
            "medcite models train reranker (needs ../shared/corpus and ../shared/train), "
            "or run without --rerank",
            batch_size,
        )
        self.name = f"medical-reranker@{meta.get('version', 'dev')}"

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        if not hits:
            return []
        pairs = [(query, rerank_text(h.chunk.section, h.chunk.text)) for h in hits]
        scores = self.model.probabilities(pairs)
        order = np.argsort(-scores, kind="stable")
        return [replace(hits[i], score=float(scores[i]), rank=r + 1) for r, i in enumerate(order)]
