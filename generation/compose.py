"""Lay chosen sentences out as an answer page: bottom line, sections under headings, pitfalls,
references numbered by first use, evidence spans and warnings.

Any generator that picks (sentence, passage) pairs can use it, so every answer has the same
shape and the same numbering rule whatever chose the sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from medcite.core.types import BOTTOM_LINE, PITFALL, SECTION, AnswerSentence, Evidence, Hit, Reference
from medcite.retrieval.query import generic_of
from medcite.store.terms import tokenize

# Sentences that warn rather than recommend: they go under "Pitfalls".
_CAUTION = re.compile(
    r"\b(?:avoid\w*|do\s+not|should\s+not|must\s+not|never|not\s+(?:be\s+)?recommended|"
    r"contraindicat\w*|caution\w*|risks?\b|harms?\b|adverse|side[- ]effects?|toxicit\w*|overdose|"
    r"interactions?|close(?:ly)?\s+monitor\w*|monitor\w*\s+for\b|warning|black[- ]box|dependence|"
    r"misuse|bleeding|falls?\b|"
    r"respiratory\s+depression|QT\s+prolongation)",
    re.IGNORECASE,
)
# Words of an already-tried item that do not name a therapy ("first-line treatments such as").
_GENERIC_WORDS = frozenset(
    tokenize(
        "first second third fourth line lines treatment treatments therapy therapies option options "
        "drug drugs medication medications agent agents such like including include possibly and or "
        "also already tried used patch patches cream creams topical oral dose doses"
    )
)


def is_caution(text: str) -> bool:
    """True for cautions, harms, contraindications, monitoring and "do not"/"avoid" sentences."""
    return _CAUTION.search(text) is not None


def tried_terms(tried: Iterable[str]) -> set[str]:
    """Stemmed terms that name what the question says was already tried (generic names added)."""
    terms: set[str] = set()
    for item in tried:
        for word in re.findall(r"[A-Za-z][A-Za-z-]+", item):
            generic = generic_of(word)
            terms.update(tokenize(word))
            if generic:
                terms.update(tokenize(generic))
    return terms - _GENERIC_WORDS


def mentions_tried(text: str, tried: set[str]) -> bool:
    return bool(tried) and not tried.isdisjoint(tokenize(text))


def heading_for(hit: Hit) -> str:
    """The deepest heading of the passage's section path, else the document title."""
    parts = [p.strip() for p in hit.chunk.section.split(">") if p.strip()]
    return parts[-1] if parts else hit.document.title


@dataclass(frozen=True, slots=True)
class Placed:
    """A sentence chosen for the answer, with the passage it comes from and its place."""

    text: str
    hit: Hit
    part: str


def evidence_for(text: str, hit: Hit, n: int) -> tuple[Evidence, ...]:
    """The span of the passage that a verbatim sentence occupies (empty when not verbatim)."""
    start = hit.chunk.text.find(text)
    if start < 0:
        return ()
    return (Evidence(n=n, start=start, end=start + len(text), quote=text),)


T = TypeVar("T")


def reading_order(items: Sequence[T], part: Callable[[T], str], heading: Callable[[T], str]) -> list[T]:
    """The answer page's order: bottom line first, then section items grouped by heading
    (headings in order of first appearance), pitfalls last; otherwise as given."""
    headings: dict[str, int] = {}
    for item in items:
        if part(item) == SECTION:
            headings.setdefault(heading(item), len(headings))
    rank = {BOTTOM_LINE: 0, SECTION: 1, PITFALL: 2}

    def key(pair: tuple[int, T]) -> tuple[int, int, int]:
        i, item = pair
        p = part(item)
        return (rank.get(p, 2), headings[heading(item)] if p == SECTION else 0, i)

    return [item for _, item in sorted(enumerate(items), key=key)]


def lay_out(placed: Sequence[Placed]) -> tuple[list[AnswerSentence], list[Reference]]:
    """Sentences in reading order (bottom line, sections grouped by heading, pitfalls) and the
    references they cite, numbered 1..k by first use in that order."""
    ordered = reading_order(placed, lambda p: p.part, lambda p: heading_for(p.hit))
    numbers: dict[str, int] = {}
    references: list[Reference] = []
    sentences: list[AnswerSentence] = []
    for p in ordered:
        key = p.hit.chunk.chunk_id
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            references.append(Reference(n=numbers[key], hit=p.hit))
        n = numbers[key]
        sentences.append(
            AnswerSentence(
                text=p.text,
                citations=(n,),
                evidence=evidence_for(p.text, p.hit, n),
                part=p.part,
                heading=heading_for(p.hit) if p.part == SECTION else "",
            )
        )
    return sentences, references


def superseded_warnings(references: Sequence[Reference]) -> list[str]:
    """One warning per cited passage from a guideline that a newer indexed version replaces."""
    out: list[str] = []
    for ref in references:
        if "superseded" in ref.hit.note:
            doc = ref.hit.document
            year = f" ({doc.year})" if doc.year else ""
            out.append(f"[{ref.n}] cites {doc.title}{year}, {ref.hit.note}.")
    return out
