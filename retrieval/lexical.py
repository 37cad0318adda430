"""BM25 (bm25s) over chunk title + section + text, persisted beside the FAISS index."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np

from retrieval.terms import tokenize

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG

_IDS_FILE = "chunk_ids.npy"


def lexical_text(title: str, section: str, text: str) -> str:
    return f"{title}\n{section}\n{text}"


class LexicalIndex:
    def __init__(self, bm25: bm25s.BM25 | None, ids: np.ndarray) -> None:
        self.bm25 = bm25
        self.ids = ids

    @classmethod
    def build(cls, rows: Iterable[tuple[int, str, str, str]]) -> LexicalIndex:
        ids: list[int] = []
        corpus: list[list[str]] = []
        for chunk_id, title, section, text in rows:
            ids.append(int(chunk_id))
            corpus.append(tokenize(lexical_text(title, section, text)))
        if not ids:
            return cls(None, np.zeros(0, dtype=np.int64))
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        return cls(bm25, np.asarray(ids, dtype=np.int64))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / _IDS_FILE, self.ids)
        if self.bm25 is not None:
            self.bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        ids = np.load(directory / _IDS_FILE)
        if len(ids) == 0:
            return cls(None, ids)
        bm25 = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(bm25, ids)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Best-first (chunk id, BM25 score) pairs; only chunks sharing a term score."""
        tokens = tokenize(query)
        if self.bm25 is None or not tokens or k <= 0:
            return []
        known = [t for t in tokens if t in self.bm25.vocab_dict]
        if not known:
            return []
        scores = self.bm25.get_scores(known)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]
