"""BM25 over chunk texts: weighted query parts, persistence, the empty index."""

from __future__ import annotations

from pathlib import Path

from medcite.store.lexical_index import Bm25Index
from medcite.store.terms import tokenize

ROWS = [
    (10, "Opioid guideline", "Naloxone", "Offer naloxone when opioid overdose risk is high."),
    (11, "Opioid guideline", "Dosing", "Avoid increasing dosage to 90 MME per day or more."),
    (12, "Diabetes guideline", "Screening", "Screen adults aged 35 to 70 years who have overweight."),
]


def test_weighted_parts_rank_and_persist(tmp_path: Path) -> None:
    index = Bm25Index.build(ROWS)
    assert len(index) == 3
    hits = index.search_weighted([("naloxone overdose", 1.0)], 3)
    assert hits[0][0] == 10 and all(score > 0 for _, score in hits)
    assert 12 not in {i for i, _ in hits}  # only chunks sharing a term score
    # a part at weight 0 adds nothing; a term repeated in a later part counts once
    assert index.search_weighted([("naloxone", 1.0), ("naloxone dosage", 0.0)], 3) == index.search_weighted(
        [("naloxone", 1.0)], 3
    )
    boosted = index.search_weighted([("naloxone", 1.0), ("dosage", 2.0)], 3)
    assert boosted[0][0] == 11
    index.save(tmp_path / "bm25")
    loaded = Bm25Index.load(tmp_path / "bm25")
    assert loaded.search_weighted([("screen adults", 1.0)], 1)[0][0] == 12


def test_empty_index_saves_loads_and_finds_nothing(tmp_path: Path) -> None:
    empty = Bm25Index.build([])
    empty.save(tmp_path / "bm25")
    assert Bm25Index.load(tmp_path / "bm25").search_weighted([("anything", 1.0)], 5) == []
    assert Bm25Index.load(tmp_path / "bm25").idf("anything") is None


def test_idf_is_higher_for_rarer_terms_and_none_for_unknown_ones(tmp_path: Path) -> None:
    index = Bm25Index.build(ROWS)
    index.save(tmp_path / "bm25")
    loaded = Bm25Index.load(tmp_path / "bm25")
    [opioid] = tokenize("opioid")  # in two chunks' titles and text
    [screen] = tokenize("screen")  # in one chunk
    assert loaded.idf(screen) > loaded.idf(opioid) > 0  # type: ignore[operator]
    assert loaded.idf("zebra") is None
