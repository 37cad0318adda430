"""Dense + BM25 retrieval over one index snapshot, fused with reciprocal-rank fusion."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from medcite.core.protocols import Embedder, Reranker
from medcite.core.settings import RetrieverMode, Settings
from medcite.core.text import years_in
from medcite.core.types import Hit
from medcite.retrieval.diversity import cap_per_document, drop_near_duplicates
from medcite.retrieval.fusion import reciprocal_rank_fusion
from medcite.retrieval.priors import section_weight
from medcite.retrieval.query import QueryPlan, synonyms_for, understand
from medcite.retrieval.versions import prefer_versions
from medcite.store.index_dir import IndexSnapshot


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
        k = k or self.settings.retrieval.top_k
        if self.reranker is None:
            return self._search(query, k, mode)
        candidates = self._search(query, max(k, self.settings.retrieval.rerank_candidates), mode)
        reranked = self.reranker.rerank(query, candidates)
        if self.settings.retrieval.rerank_mode == "replace":
            return [replace(h, rank=r) for r, h in enumerate(reranked[:k], start=1)]
        # "fuse": the reranker's order is one more vote beside the retrieval order (RRF), so a
        # reranker that is weak in this domain cannot push the retriever's best passage far down.
        by_row = {h.row_id: h for h in reranked}
        fused = reciprocal_rank_fusion(
            [[h.row_id for h in candidates], [h.row_id for h in reranked]], k=self.settings.retrieval.rrf_k
        )
        return [replace(by_row[row], rank=r) for r, (row, _) in enumerate(fused[:k], start=1)]

    def _query_vector(self, query: str, plan: QueryPlan | None) -> np.ndarray:
        """The question's embedding; with a plan, blended towards the focus (what is asked)."""
        if plan is None or plan.dense_text == query:
            return self.embedder.encode([query])[0]
        focus, whole = self.embedder.encode([plan.dense_text, query])
        w = self.settings.retrieval.query_focus_weight
        blended = w * focus + (1 - w) * whole
        return blended / float(np.linalg.norm(blended))

    def _lexical_parts(self, query: str, plan: QueryPlan | None) -> list[tuple[str, float]]:
        if plan is None:
            return [(query, 1.0)]
        tried = " ".join(plan.tried)
        return [
            (plan.focus, 1.0),
            (" ".join(plan.synonyms), self.settings.retrieval.query_synonym_weight),
            (
                f"{tried} {' '.join(synonyms_for(tried, self.snapshot.abbreviations.expansions))}",
                self.settings.retrieval.query_tried_weight,
            ),
        ]

    def _search(self, query: str, k: int, mode: RetrieverMode | None) -> list[Hit]:
        """Fused hits; each carries its dense cosine (when vectors exist) and BM25 score."""
        mode = mode or self.settings.retrieval.retriever
        n = max(self.settings.retrieval.candidates, k)
        abbreviations = self.snapshot.abbreviations.expansions
        plan = understand(query, abbreviations) if self.settings.retrieval.query_understanding else None
        query_vector = self._query_vector(query, plan) if mode is not RetrieverMode.bm25 else None
        dense = self.snapshot.vectors.search(query_vector, n) if query_vector is not None else []
        lexical: list[tuple[int, float]] = []
        if mode is not RetrieverMode.dense:
            lexical = self.snapshot.lexical.search_weighted(self._lexical_parts(query, plan), n)
        if mode is RetrieverMode.dense:
            ranked = dense
        elif mode is RetrieverMode.bm25:
            ranked = lexical
        else:
            ranked = reciprocal_rank_fusion(
                [[i for i, _ in dense], [i for i, _ in lexical]], k=self.settings.retrieval.rrf_k
            )
        rows = self.snapshot.store.chunks_by_ids(i for i, _ in ranked)
        lexical_scores = dict(lexical)
        dense_scores = dict(dense)
        hits = [
            Hit(
                chunk=rows[row_id][0],
                document=rows[row_id][1],
                score=float(score),
                rank=0,
                dense_score=dense_scores.get(row_id),
                lexical_score=lexical_scores.get(row_id),
                row_id=row_id,
            )
            for row_id, score in ranked
            if row_id in rows
        ]
        hits = self._refine(hits, query, k)[:k]
        if query_vector is not None:
            hits = [h if h.dense_score is not None else self._with_cosine(h, query_vector) for h in hits]
        return [replace(h, rank=r) for r, h in enumerate(hits, start=1)]

    def _with_cosine(self, hit: Hit, query_vector: np.ndarray) -> Hit:
        vector = self.snapshot.vectors.vector(hit.row_id)
        return replace(hit, dense_score=float(np.dot(vector, query_vector)))

    def _refine(self, hits: list[Hit], query: str, k: int) -> list[Hit]:
        """Evidence filtering on the fused list: section prior, version preference, near-duplicates."""
        s = self.settings.retrieval
        if s.admin_section_weight != 1.0:
            hits = sorted(
                (
                    replace(h, score=h.score * section_weight(h.chunk.section, s.admin_section_weight))
                    for h in hits
                ),
                key=lambda h: -h.score,
            )
        if s.prefer_newer_versions:
            hits = prefer_versions(hits, years_in(query), s.older_version_weight)
        if s.near_duplicate_cosine < 1.0:
            limit = None if s.max_passages_per_document else k  # a cap needs the whole list
            hits = drop_near_duplicates(hits, self.snapshot.vectors, s.near_duplicate_cosine, limit)
        if s.max_passages_per_document:
            hits = cap_per_document(hits, s.max_passages_per_document)
        return hits
