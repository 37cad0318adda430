"""Retrieval, citation and answer metrics (definitions and sources in eval/README.md)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*(\w)")
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Lower case, end-of-line hyphenation undone, punctuation to spaces, spaces collapsed."""
    text = _HYPHEN_BREAK.sub(r"\1\2", text.lower())
    return " ".join(_NON_WORD.sub(" ", text).split())


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def evidence_matches(evidence: str, passage: str, quote_words: int = 8, coverage: float = 0.8) -> bool:
    """Contained after normalisation; or, for quotes over 8 words, >= 80% of words in order (LCS)."""
    ev, text = normalise(evidence), normalise(passage)
    if not ev:
        return False
    if f" {ev} " in f" {text} ":
        return True
    words = ev.split()
    if len(words) <= quote_words:
        return False
    return lcs_length(words, text.split()) / len(words) >= coverage


def doc_recall_at(ranked_docs: Sequence[str], gold: Sequence[str], k: int) -> float:
    return 1.0 if set(ranked_docs[:k]) & set(gold) else 0.0


def evidence_recall_at(passages: Sequence[str], evidence: Sequence[str], k: int) -> float:
    """Share of the case's evidence strings found in at least one of the top-k passages."""
    if not evidence:
        return 0.0
    top = passages[:k]
    return sum(any(evidence_matches(e, p) for p in top) for e in evidence) / len(evidence)


def reciprocal_rank(ranked_docs: Sequence[str], gold: Sequence[str]) -> float:
    for rank, doc in enumerate(ranked_docs, start=1):
        if doc in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(relevance: Sequence[int], k: int, n_relevant: int) -> float:
    """Binary nDCG@k; the ideal ranking puts min(k, n_relevant) relevant passages first."""
    dcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(relevance[:k]))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, n_relevant)))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


_NO = re.compile(
    r"\b(no|not|did not|does not|was not|were not|neither|nor|without|no significant|failed to|"
    r"unlikely|cannot|insufficient)\b",
    re.IGNORECASE,
)


def answer_label(answer_text: str, abstained: bool) -> str:
    """Map a free-text answer to yes/no/maybe (PubMedQA).

    An abstention is "maybe"; an answer that opens with yes/no is that; otherwise "no" when
    its first sentence carries a negation cue and "yes" when it does not.
    """
    if abstained or not answer_text.strip():
        return "maybe"
    first = re.sub(r"^[\s\-*]+", "", answer_text.strip()).lower()
    if first.startswith(("yes", "no,", "no.", "no ")):
        return "yes" if first.startswith("yes") else "no"
    head = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    return "no" if _NO.search(head) else "yes"
