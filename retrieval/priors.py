"""Section priors: passages from a guideline's administrative sections rarely answer a question.

About a third of the chunks of a structured guideline summary are methods, funding,
availability, intended users or disclaimers. They share the topic words of the question
(so both BM25 and the embedder like them) but never state a recommendation. A soft prior
multiplies their fused score by a weight below one; they still surface when nothing
better exists (e.g. a question *about* the methods).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from medcite.core.types import Hit

# Matched against each component of a chunk's section path ("Scope > Intended Users").
ADMINISTRATIVE_SECTIONS: tuple[str, ...] = (
    r"methodology",
    # Not a bare "Methods": that is also a research abstract's methods section (PubMedQA).
    r"clinical practice guideline development methods|guideline development (?:process|methods)",
    r"description of (?:the )?methods?.*",
    r"identifying information and availability",
    r"intended users",
    r"guideline (?:developer|objective|category|status|availability|endorser).*",
    r"(?:financial )?disclosures?.*|.*conflicts? of interest.*|declarations? of interest.*",
    r"source\(s\) of funding|funding.*",
    r"acknowledge?ments?",
    r"contents|acronyms|glossary.*|abbreviations",
    r"qualifying statements",
    r"copyright statement|disclaimer|nqmc resources|availability of companion documents",
    r"patient resources|adaptation|date released|composition of group.*",
)


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"^(?:{'|'.join(patterns)})$", re.IGNORECASE)


def is_administrative(section: str, patterns: Sequence[str] = ADMINISTRATIVE_SECTIONS) -> bool:
    """True when a component of the path is administrative (every ';'-joined label in it is)."""
    regex = _compiled(tuple(patterns))
    for part in section.split(">"):
        labels = [label.strip() for label in part.split(";") if label.strip()]
        if labels and all(regex.match(label) for label in labels):
            return True
    return False


@lru_cache(maxsize=65536)
def _is_administrative_default(section: str) -> bool:
    return is_administrative(section)


def section_weight(section: str, admin_weight: float) -> float:
    """The multiplier for a chunk's fused score: admin_weight for administrative sections, else 1."""
    return admin_weight if admin_weight != 1.0 and _is_administrative_default(section) else 1.0


def drop_weak_evidence(hits: list[Hit], max_gap: float) -> list[Hit]:
    """Drop passages whose dense cosine is more than `max_gap` below the best passage's.

    Applied before answering, so the generator never reads a passage that is clearly less
    related to the question than the best one. The gap (0.2) was calibrated on guidelines-dev:
    it kept every top-6 passage that holds gold evidence and dropped 3% of the others; an
    absolute floor dropped nothing there (every top-6 passage scored above 0.45).
    Hits without a dense score (BM25-only retrieval) are kept.
    """
    scores = [h.dense_score for h in hits if h.dense_score is not None]
    if not scores or max_gap <= 0:
        return hits
    floor = max(scores) - max_gap
    return [h for h in hits if h.dense_score is None or h.dense_score >= floor]
