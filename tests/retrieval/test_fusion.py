"""Reciprocal-rank fusion."""

from __future__ import annotations

import pytest

from medcite.retrieval.fusion import reciprocal_rank_fusion


def test_rrf_scores_sum_over_lists_and_ties_break_by_id() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=20)
    scores = dict(fused)
    assert scores[1] == pytest.approx(1 / 21 + 1 / 22)
    assert scores[3] == pytest.approx(1 / 23 + 1 / 21)
    assert scores[2] == pytest.approx(1 / 22)
    assert [i for i, _ in fused] == [1, 3, 2]
    assert reciprocal_rank_fusion([[5], [4]], k=60) == [(4, 1 / 61), (5, 1 / 61)]  # tie: lower id first
    assert reciprocal_rank_fusion([], k=20) == []
