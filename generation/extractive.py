"""Extractive grounded answerer: no LLM, so every sentence is verbatim from a cited passage.

Sentences of the top passages are scored against what is asked (the question's focus, with
the already-tried list split off: embedding cosine plus focus-term coverage); the best ones,
without near-duplicates, become the answer page: the best one or two that do not restate an
already-tried option form the bottom line, the rest sit under their passages' headings, and
cautions go under pitfalls. Sentences that address a reader or a model ("ignore previous
instructions") are never used: document text is data. Weak retrieval or no good sentence ->
abstain.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from medcite.core.protocols import Embedder
from medcite.core.settings import Settings
from medcite.core.types import BOTTOM_LINE, PITFALL, SECTION, Answer, Hit
from medcite.generation.abstention import abstained
from medcite.generation.compose import (
    Placed,
    is_caution,
    lay_out,
    mentions_tried,
    superseded_warnings,
    tried_terms,
)
from medcite.generation.injection import looks_like_instruction
from medcite.generation.sentence_vectors import SentenceVectorCache
from medcite.generation.sentences import split_sentences, without_list_marker
from medcite.retrieval.query import understand
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
_BOTTOM_LINE_SHARE = 0.75  # a second bottom-line sentence scores at least this share of the first
_TRIED_MAX = 1  # sentences about already-tried options: context only, never the bottom line
# A bottom line must hold this share of the focus's terms: it answers what is asked, it does
# not merely share the topic ("Not all peripheral nerve blocks require fluoroscopy" for a
# question on fourth-line drugs for peripheral neuropathy). Measured on guidelines-tune (146
# cases): abstaining when no sentence qualifies cost answerable questions (0.2: 10% abstained
# against 6%; 0.3: 28%) and answer evidence recall (0.69 -> 0.66 -> 0.56), so an answer without
# a qualifying sentence keeps its context sentences, with no bottom line and a warning; at 0.2
# that is about 5% of answerable questions.
BOTTOM_LINE_MIN_COVERAGE = 0.2
BOTTOM_LINE_MISSING = "sections"  # or "abstain"
ABSTAIN_NO_BOTTOM_LINE = (
    "The retrieved guideline passages are on the topic, but none of their sentences answers "
    "what is asked (or they only restate options the question says were already tried); no "
    "answer is given rather than nearby facts."
)
NO_BOTTOM_LINE_WARNING = "No retrieved sentence answers what is asked; the sentences below are context only."
_PITFALLS_MAX = 2
INSTRUCTION_WARNING = (
    "A retrieved passage of {title} contains text addressed to a reader or a model "
    "(an instruction, not guideline content); it was treated as data and not used."
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    text: str
    hit: Hit
    score: float
    vector: np.ndarray
    tried: bool = False
    cover: float = 0.0  # share of the focus's own terms the sentence holds


def coverage(question_terms: set[str], text: str) -> float:
    """Share of the question's content terms that occur in `text`."""
    if not question_terms:
        return 0.0
    return len(question_terms & set(tokenize(text))) / len(question_terms)


# Sentences about the document rather than the topic ("This overview summarises ...").
_META = re.compile(
    r"^(?:this|the\s+present|it)\s+(?:is\s+an?\s+)?(?:[\w-]+\s+){0,2}(?:overview|guideline|document|summary|"
    r"section|chapter|page|article|review|update)\s+(?:summari[sz]es|describes|covers|provides|presents|"
    r"outlines|explains|is\s+(?:a|an|not|intended|meant)|was\s+(?:written|developed|prepared)|for\s+the)\b",
    re.IGNORECASE,
)


def claim_sentences(chunk_text: str) -> list[str]:
    """Sentences of a passage that can stand alone as a claim.

    List markers are dropped, and fragments cut by a chunk or page boundary (the first
    sentence starting in lower case, the last one without closing punctuation) are skipped.
    """
    sentences = [without_list_marker(s) for s in split_sentences(chunk_text)]
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
        if looks_like_instruction(sentence) or _META.search(sentence):
            continue
        usable.append(sentence)
    return usable


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, embedder: Embedder, settings: Settings) -> None:
        self.embedder = embedder
        self.settings = settings
        self.sentence_vectors = SentenceVectorCache(embedder, settings.answer.sentence_cache_size)

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
        plan = understand(question)
        focus = plan.dense_text
        terms = set(tokenize(" ".join((focus, *plan.synonyms))))
        focus_terms = set(tokenize(focus))
        tried = tried_terms(plan.tried)
        pool = [(s, h) for h in hits[:_PASSAGES_READ] for s in claim_sentences(h.chunk.text)]
        if not pool:
            return self._abstain(question, hits, ABSTAIN_NO_SENTENCE)
        qv = self.embedder.encode([focus])[0]
        sv = self.sentence_vectors.encode([s for s, _ in pool])
        candidates = [
            _Candidate(
                s,
                h,
                0.6 * float(v @ qv) + 0.4 * coverage(terms, s) + 0.02 / h.rank,
                v,
                tried=mentions_tried(s, tried),
                cover=coverage(focus_terms, s),
            )
            for (s, h), v in zip(pool, sv, strict=True)
        ]
        candidates.sort(key=lambda c: -c.score)
        placed = self._choose(candidates)
        if not placed:
            good = any(c.score >= self.settings.answer.answer_min_sentence_score for c in candidates)
            return self._abstain(question, hits, ABSTAIN_NO_BOTTOM_LINE if good else ABSTAIN_NO_SENTENCE)
        extra = [] if any(p.part == BOTTOM_LINE for p in placed) else [NO_BOTTOM_LINE_WARNING]
        sentences, references = lay_out(placed)
        return Answer(
            question=question,
            sentences=sentences,
            references=references,
            abstained=False,
            generator=self.name,
            retrieved=list(hits),
            warnings=extra + superseded_warnings(references) + self._instruction_warnings(hits),
        )

    def _choose(self, candidates: list[_Candidate]) -> list[Placed]:
        """The page's sentences, best first, without near-duplicates.

        Bottom line: the best sentence that is not about an already-tried option, plus the next
        such sentence of the same passage when it scores at least `_BOTTOM_LINE_SHARE` of it
        (the passage that answers usually goes on to say how). The rest: sections, cautions
        under pitfalls, at most `_TRIED_MAX` sentences about tried options (context only).
        """
        answer = self.settings.answer
        good = [c for c in candidates if c.score >= answer.answer_min_sentence_score]
        first = next((c for c in good if not c.tried and c.cover >= BOTTOM_LINE_MIN_COVERAGE), None)
        if first is None:
            return self._without_bottom_line(good)
        chosen: list[tuple[_Candidate, str]] = [(first, BOTTOM_LINE)]
        second = next(
            (
                c
                for c in good
                if c is not first
                and not c.tried
                and c.hit.chunk.chunk_id == first.hit.chunk.chunk_id
                and c.score >= first.score * _BOTTOM_LINE_SHARE
                and float(c.vector @ first.vector) <= _NEAR_DUPLICATE
            ),
            None,
        )
        if second is not None:
            chosen.append((second, BOTTOM_LINE))
        return self._fill(good, chosen)

    def _without_bottom_line(self, good: list[_Candidate]) -> list[Placed]:
        """No sentence answers what is asked: nothing, or (setting) the context sentences."""
        if BOTTOM_LINE_MISSING == "abstain" or not good:
            return []
        return self._fill(good, [])

    def _fill(self, good: list[_Candidate], chosen: list[tuple[_Candidate, str]]) -> list[Placed]:
        """Add sections and pitfalls to the chosen bottom line, best first."""
        answer = self.settings.answer
        n_tried = n_pitfalls = 0
        for cand in good:
            if len(chosen) >= answer.answer_max_sentences:
                break
            if any(cand is c or float(cand.vector @ c.vector) > _NEAR_DUPLICATE for c, _ in chosen):
                continue
            if cand.tried:
                if n_tried >= _TRIED_MAX:
                    continue
                n_tried += 1
            if is_caution(cand.text):
                if n_pitfalls >= _PITFALLS_MAX:
                    continue
                n_pitfalls += 1
                chosen.append((cand, PITFALL))
            else:
                chosen.append((cand, SECTION))
        return [Placed(c.text, c.hit, part) for c, part in chosen]

    @staticmethod
    def _instruction_warnings(hits: Sequence[Hit]) -> list[str]:
        titles = {
            h.document.title
            for h in hits[:_PASSAGES_READ]
            if any(looks_like_instruction(s) for s in split_sentences(h.chunk.text))
        }
        return [INSTRUCTION_WARNING.format(title=t) for t in sorted(titles)]
