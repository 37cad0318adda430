"""BM25 (bm25s) over chunk title + section + text, persisted beside the FAISS index."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np

from medcite.core.text import lexical_text
from medcite.store.terms import tokenize

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG

_IDS_FILE = "chunk_ids.npy"


class Bm25Index:
    def __init__(self, bm25: bm25s.BM25 | None, ids: np.ndarray) -> None:
        self.bm25 = bm25
        self.ids = ids

    @classmethod
    def build(cls, rows: Iterable[tuple[int, str, str, str]]) -> Bm25Index:
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
    def load(cls, directory: Path) -> Bm25Index:
        ids = np.load(directory / _IDS_FILE)
        if len(ids) == 0:
            return cls(None, ids)
        bm25 = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(bm25, ids)

    def __len__(self) -> int:
        return len(self.ids)

    def idf(self, term: str) -> float | None:
        """BM25's inverse document frequency of one tokenised term; None for a term no chunk has.

        The abstention gate uses it: a rare term of the question that the evidence lacks
        suggests the guidelines do not cover what is asked.
        """
        if self.bm25 is None or term not in self.bm25.vocab_dict:
            return None
        column = self.bm25.vocab_dict[term]
        indptr = self.bm25.scores["indptr"]
        if column + 1 >= len(indptr):
            return None
        df = int(indptr[column + 1] - indptr[column])
        if df == 0:
            return None
        n = len(self.ids)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def search_weighted(self, parts: Sequence[tuple[str, float]], k: int) -> list[tuple[int, float]]:
        """BM25 of several query parts, each scored alone and summed with its weight.

        Only chunks sharing a term score. Query understanding uses this to count the
        asked-about terms fully, synonyms and the already-tried list partly. A term repeated
        across parts counts once, in its first part.
        """
        if self.bm25 is None or k <= 0:
            return []
        seen: set[str] = set()
        scores: np.ndarray | None = None
        for text, weight in parts:
            known = [t for t in dict.fromkeys(tokenize(text)) if t in self.bm25.vocab_dict and t not in seen]
            seen.update(known)
            if not known or weight <= 0:
                continue
            part = np.asarray(self.bm25.get_scores(known), dtype=np.float32) * weight
            scores = part if scores is None else scores + part
        if scores is None:
            return []
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]
