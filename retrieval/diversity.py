"""Diversity of the evidence list: no near-duplicate passages, optionally a per-document cap.

Guideline collections repeat themselves (a 2016 and a 2022 version share whole paragraphs,
summaries restate recommendations), and six copies of one sentence crowd out the passages
that hold the rest of the answer.
"""

from __future__ import annotations

import numpy as np

from medcite.core.protocols import VectorStore
from medcite.core.types import Hit


def drop_near_duplicates(
    hits: list[Hit], vectors: VectorStore, max_cosine: float, limit: int | None = None
) -> list[Hit]:
    """Keep hits in order, skipping any whose chunk vector is >= max_cosine to a kept one.

    Stops once `limit` hits are kept (only the head of the list is ever shown), so the cost
    is a few vector look-ups, not one per candidate.
    """
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    kept_vectors: list[np.ndarray] = []
    for hit in hits:
        vector = vectors.vector(hit.row_id)
        if not kept_vectors or float(np.max(np.stack(kept_vectors) @ vector)) < max_cosine:
            kept.append(hit)
            kept_vectors.append(vector)
            if limit is not None and len(kept) >= limit:
                break
    return kept


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
