"""What each model sees of a chunk, and the few text rules shared by every layer.

One place for the renderings, so the embedder, BM25, the reranker and its training data
cannot drift apart: each is a named view of (title, section, text).
"""

from __future__ import annotations

import re

# Document metadata fields a loader or a manifest may set; anything else is extra metadata.
METADATA_FIELDS = ("title", "developer", "released", "source", "copyright")

_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")  # 1950-2099: guideline years, not doses


def passage_text(title: str, section: str, text: str) -> str:
    """What the embedder sees for a chunk: its document title and section give it context."""
    head = " | ".join(p for p in (title, section) if p)
    return f"{head}\n{text}" if head else text


def lexical_text(title: str, section: str, text: str) -> str:
    """What BM25 indexes for a chunk: title, section and text."""
    return f"{title}\n{section}\n{text}"


def rerank_text(section: str, text: str) -> str:
    """What the cross-encoder reranker sees (and was trained on): section and text, no title."""
    return f"{section}\n{text}"


def years_in(text: str) -> tuple[int, ...]:
    """Every year (1950-2099) named in `text`, in order."""
    return tuple(int(y) for y in _YEAR.findall(text))


def release_year(released: str) -> int | None:
    """The latest year named in a release string ("2006 (revised 2015 Aug)" -> 2015)."""
    years = years_in(released)
    return max(years) if years else None


def without_years(text: str) -> str:
    """`text` with its years blanked (to compare titles of two versions of a guideline)."""
    return _YEAR.sub(" ", text)
