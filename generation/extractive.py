"""Extractive grounded answerer: no LLM, so every sentence is verbatim from a cited passage.

Sentences of the top passages are scored against the question (embedding cosine plus
query-term coverage); the best few, without near-duplicates, become the answer, each
citing the passage it came from. Weak retrieval or no good sentence -> abstain.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from medcite.core.protocols import Embedder
from medcite.core.settings import Settings
from medcite.core.types import Answer, AnswerSentence, Hit, Reference
from medcite.generation.abstention import abstained
from medcite.generation.sentences import split_sentences
from medcite.store.terms import tokenize

log = logging.getLogger(__name__)

ABSTAIN_WEAK = (
    "The indexed guidelines do not contain enough evidence to answer this question "
    "(best passage relevance {score:.2f}, below the {threshold:.2f} threshold). "
    "No answer is given rather than one that is not supported."
)
ABSTAIN_NO_SENTENCE = (
    "The retrieved guideline passages mention the topic but no sentence in them answers "
    "the question directly; no answer is given rather than one that is not supported."
)
ABSTAIN_NO_HITS = "No guideline passage matches this question; the index may not cover the topic."

_MIN_WORDS, _MAX_WORDS = 5, 90
_NEAR_DUPLICATE = 0.92
_PASSAGES_READ = 5


@dataclass(frozen=True, slots=True)
class _Candidate:
    text: str
    hit: Hit
    score: float
    vector: np.ndarray


def coverage(question_terms: set[str], text: str) -> float:
    """Share of the question's content terms that occur in `text`."""
    if not question_terms:
        return 0.0
    return len(question_terms & set(tokenize(text))) / len(question_terms)


_LIST_MARKER = re.compile(r"^(?:[-•▪◦●*]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


def claim_sentences(chunk_text: str) -> list[str]:
    """Sentences of a passage that can stand alone as a claim.

    List markers are dropped, and fragments cut by a chunk or page boundary (the first
    sentence starting in lower case, the last one without closing punctuation) are skipped.
    """
    sentences = [_LIST_MARKER.sub("", s).strip() for s in split_sentences(chunk_text)]
    usable: list[str] = []
    for i, sentence in enumerate(sentences):
        words = sentence.split()
        if not _MIN_WORDS <= len(words) <= _MAX_WORDS:
            continue
        if re.search(r"[a-z]{3}", sentence) is None:  # tables of numbers and codes
            continue
        if i == 0 and sentence[0].islower():
            continue
        if i == len(sentences) - 1 and not sentence.rstrip().endswith((".", "!", "?", ")", ":", ";")):
            continue
        usable.append(sentence)
    return usable


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, embedder: Embedder, settings: Settings) -> None:
        self.embedder = embedder
        self.settings = settings

    def _weak_evidence(self, question: str, hits: Sequence[Hit]) -> str | None:
        """Why the evidence is too weak to answer from by the threshold rules, or None.

        The calibrated gate runs in the engine before any generator, on hits with dense
        scores; these rules apply with `abstention=cosine` and to BM25-only retrieval.
        """
        dense = [h.dense_score for h in hits if h.dense_score is not None]
        if dense and self.settings.answer.abstention != "cosine":
            return None
        terms = set(tokenize(question))
        if dense:
            best, threshold = max(dense), self.settings.answer.abstain_min_dense
        else:
            best = max(coverage(terms, f"{h.chunk.section} {h.chunk.text}") for h in hits)
            threshold = self.settings.answer.abstain_min_lexical
        return ABSTAIN_WEAK.format(score=best, threshold=threshold) if best < threshold else None

    def _abstain(self, question: str, hits: Sequence[Hit], reason: str) -> Answer:
        return abstained(question, hits, reason, self.name)

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        if not hits:
            return self._abstain(question, hits, ABSTAIN_NO_HITS)
        weak = self._weak_evidence(question, hits)
        if weak is not None:
            return self._abstain(question, hits, weak)
        terms = set(tokenize(question))
        pool = [(s, h) for h in hits[:_PASSAGES_READ] for s in claim_sentences(h.chunk.text)]
        if not pool:
            return self._abstain(question, hits, ABSTAIN_NO_SENTENCE)
        vectors = self.embedder.encode([question] + [s for s, _ in pool])
        qv, sv = vectors[0], vectors[1:]
        candidates = [
            _Candidate(s, h, 0.6 * float(v @ qv) + 0.4 * coverage(terms, s) + 0.02 / h.rank, v)
            for (s, h), v in zip(pool, sv, strict=True)
        ]
        candidates.sort(key=lambda c: -c.score)
        chosen: list[_Candidate] = []
        for cand in candidates:
            if len(chosen) >= self.settings.answer.answer_max_sentences:
                break
            if cand.score < self.settings.answer.answer_min_sentence_score:
                break
            if any(float(cand.vector @ c.vector) > _NEAR_DUPLICATE for c in chosen):
                continue
            chosen.append(cand)
        if not chosen:
            return self._abstain(question, hits, ABSTAIN_NO_SENTENCE)

        numbers: dict[str, int] = {}
        references: list[Reference] = []
        sentences: list[AnswerSentence] = []
        for cand in chosen:
            key = cand.hit.chunk.chunk_id
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                references.append(Reference(n=numbers[key], hit=cand.hit))
            sentences.append(AnswerSentence(text=cand.text, citations=(numbers[key],)))
        return Answer(
            question=question,
            sentences=sentences,
            references=references,
            abstained=False,
            generator=self.name,
            retrieved=list(hits),
        )
