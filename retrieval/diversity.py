"""Diversity of the evidence list: no near-duplicate passages, optionally a per-document cap.

Guideline collections repeat themselves (a 2016 and a 2022 version share whole paragraphs,
summaries restate recommendations), and six copies of one sentence crowd out the passages
that hold the rest of the answer.
"""

from __future__ import annotations

import numpy as np

from medcite.types import Hit
from retrieval.vector_index import VectorIndex


def drop_near_duplicates(hits: list[Hit], vectors: VectorIndex, max_cosine: float) -> list[Hit]:
    """Keep hits in order, skipping any whose chunk vector is >= max_cosine to a kept one."""
    if len(hits) < 2:
        return hits
    matrix = np.stack([vectors.index.reconstruct(h.row_id) for h in hits])
    kept: list[int] = []
    for i in range(len(hits)):
        if not kept or float(np.max(matrix[kept] @ matrix[i])) < max_cosine:
            kept.append(i)
    return [hits[i] for i in kept]


def cap_per_document(hits: list[Hit], cap: int) -> list[Hit]:
    """At most `cap` passages per document; the rest move to the end in their order."""
    counts: dict[str, int] = {}
    head: list[Hit] = []
    tail: list[Hit] = []
    for hit in hits:
        n = counts.get(hit.document.doc_id, 0)
        (head if n < cap else tail).append(hit)
        counts[hit.document.doc_id] = n + 1
    return head + tail
