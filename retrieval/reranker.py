"""Rerankers behind a small protocol; the default is medcite's trained medical CrossEncoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from medcite.cross_encoder import load_cross_encoder
from medcite.types import Hit

RERANKER_DIR = Path(__file__).resolve().parents[1] / "models" / "medical-reranker"


class Reranker(Protocol):
    name: str

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]: ...


class CrossEncoderReranker:
    """Scores (query, passage) with the trained cross-encoder and re-sorts the hits."""

    def __init__(self, path: Path = RERANKER_DIR, batch_size: int = 32) -> None:
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
        pairs = [(query, f"{h.chunk.section}\n{h.chunk.text}") for h in hits]
        scores = self.model.probabilities(pairs)
        order = np.argsort(-scores, kind="stable")
        return [replace(hits[i], score=float(scores[i]), rank=r + 1) for r, i in enumerate(order)]
