"""Versions of one guideline: prefer the newer, unless the question names the older one's year.

Two documents are versions of one guideline when a manifest says so (`supersedes`: a doc id,
or several joined by commas, in the newer document's manifest entry) or, failing that, when
they come from the same developer and their titles match once years, punctuation and
boiler-plate words are set aside (CDC's 2016 "guideline for prescribing opioids for chronic
pain" and its 2022 "clinical practice guideline for prescribing opioids for pain").

When both versions are among the hits, the older one's passages are down-weighted and carry
a note naming the newer one, so the answer can say which version it relies on. A question
that names a year ("under the 2016 CDC guideline") prefers the version from that year.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from itertools import combinations

from medcite.core.text import without_years
from medcite.core.types import Document, Hit

TITLE_MATCH = 0.7
MIN_SHARED_WORDS = 3  # generic titles ("PubMed abstract 123") are not one guideline
_BOILERPLATE = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "in",
        "on",
        "to",
        "with",
        "by",
        "clinical",
        "practice",
        "guideline",
        "guidelines",
        "recommendation",
        "recommendations",
        "statement",
        "final",
        "update",
        "updated",
        "version",
        "united",
        "states",
        "us",
        "u",
        "s",
    ]
)


@lru_cache(maxsize=4096)
def _title_words(title: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", without_years(title.lower()))
    return frozenset(w for w in words if w not in _BOILERPLATE)


@lru_cache(maxsize=4096)
def _developer_key(developer: str) -> str:
    """'Centers for Disease Control and Prevention - Federal Government Agency' -> the agency."""
    return re.split(r"\s+-\s+|,|\(", developer.lower())[0].strip()


def declared_supersedes(doc: Document) -> set[str]:
    return {d.strip() for d in doc.extra.get("supersedes", "").split(",") if d.strip()}


def same_guideline(a: Document, b: Document) -> bool:
    if a.doc_id in declared_supersedes(b) or b.doc_id in declared_supersedes(a):
        return True
    if not a.developer or _developer_key(a.developer) != _developer_key(b.developer):
        return False
    wa, wb = _title_words(a.title), _title_words(b.title)
    shared = wa & wb
    return len(shared) >= MIN_SHARED_WORDS and len(shared) / len(wa | wb) >= TITLE_MATCH


def _newer(a: Document, b: Document) -> tuple[Document, Document] | None:
    """(newer, older), or None when the order is unknown."""
    if a.doc_id in declared_supersedes(b):
        return b, a
    if b.doc_id in declared_supersedes(a):
        return a, b
    if a.year is None or b.year is None or a.year == b.year:
        return None
    return (a, b) if a.year > b.year else (b, a)


def prefer_versions(hits: list[Hit], years: tuple[int, ...], older_weight: float) -> list[Hit]:
    """Down-weight the non-preferred version of each guideline that appears twice among the hits."""
    documents = {h.document.doc_id: h.document for h in hits}
    demoted: dict[str, str] = {}
    for a, b in combinations(documents.values(), 2):
        if not same_guideline(a, b):
            continue
        order = _newer(a, b)
        if order is None:
            continue
        newer, older = order
        named = [d for d in (newer, older) if d.year in years]
        if len(named) == 1 and named[0] is older:
            preferred, other = older, newer
            why = f"the question names {older.year}; the newer version is {newer.doc_id} ({newer.year})"
        else:
            preferred, other = newer, older
            why = f"superseded by {newer.doc_id} ({newer.year}), a newer version of this guideline"
        if preferred.doc_id not in demoted:
            demoted[other.doc_id] = why
    if not demoted:
        return hits
    reweighted = [
        replace(h, score=h.score * older_weight, note=demoted[h.document.doc_id])
        if h.document.doc_id in demoted
        else h
        for h in hits
    ]
    return sorted(reweighted, key=lambda h: -h.score)
