"""Dense + BM25 retrieval over one index snapshot, fused with reciprocal-rank fusion."""

from __future__ import annotations

import numpy as np

from medcite.index import IndexSnapshot
from medcite.settings import RetrieverMode, Settings
from medcite.types import Hit
from retrieval.embedder import Embedder
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.reranker import Reranker


class Retriever:
    def __init__(
        self,
        snapshot: IndexSnapshot,
        embedder: Embedder,
        settings: Settings,
        reranker: Reranker | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.embedder = embedder
        self.settings = settings
        self.reranker = reranker

    def search(self, query: str, k: int | None = None, mode: RetrieverMode | None = None) -> list[Hit]:
        """Best-first hits, reranked when a reranker is set (its top-N candidates re-scored)."""
        k = k or self.settings.top_k
        if self.reranker is None:
            return self._search(query, k, mode)
        candidates = self._search(query, max(k, self.settings.rerank_candidates), mode)
        return self.reranker.rerank(query, candidates)[:k]

    def _search(self, query: str, k: int, mode: RetrieverMode | None) -> list[Hit]:
        """Fused hits; each carries its dense cosine (when vectors exist) and BM25 score."""
        mode = mode or self.settings.retriever
        n = max(self.settings.candidates, k)
        query_vector = self.embedder.encode([query])[0] if mode is not RetrieverMode.bm25 else None
        dense = self.snapshot.vectors.search(query_vector, n) if query_vector is not None else []
        lexical = self.snapshot.lexical.search(query, n) if mode is not RetrieverMode.dense else []
        if mode is RetrieverMode.dense:
            ranked = dense
        elif mode is RetrieverMode.bm25:
            ranked = lexical
        else:
            ranked = reciprocal_rank_fusion(
                [[i for i, _ in dense], [i for i, _ in lexical]], k=self.settings.rrf_k
            )
        top = ranked[:k]
        dense_scores = dict(dense)
        if query_vector is not None:
            for chunk_id, _ in top:
                if chunk_id not in dense_scores:
                    vector = self.snapshot.vectors.index.reconstruct(int(chunk_id))
                    dense_scores[chunk_id] = float(np.dot(vector, query_vector))
        lexical_scores = dict(lexical)
        rows = self.snapshot.store.chunks_by_ids(i for i, _ in top)
        hits: list[Hit] = []
        for chunk_id, score in top:
            if chunk_id not in rows:
                continue
            chunk, document = rows[chunk_id]
            hits.append(
                Hit(
                    chunk=chunk,
                    document=document,
                    score=float(score),
                    rank=len(hits) + 1,
                    dense_score=dense_scores.get(chunk_id),
                    lexical_score=lexical_scores.get(chunk_id),
                )
            )
        return hits
