"""Audit an answer written elsewhere (any LLM's cited answer) against the passages it cites.

`medcite verify FILE` and, later, `POST /verify` call `audit_answer`: the answer's Markdown is
parsed with the same citation rules as medcite's own drafts, each sentence is scored by the
citation judge against its cited passages (ALCE citation recall and precision,
`generation.citation_support`), and the supporting span of each cited passage is located so a
reader sees the exact words. Unsupported sentences are listed in `removed` and left out of
the cleaned answer, which keeps the input's reference numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from medcite.core.protocols import Verifier
from medcite.core.serialize import answer_body, evidence_json, removed_json
from medcite.core.types import Answer, AnswerSentence, Evidence, RemovedSentence
from medcite.generation.citation_support import citation_scores
from medcite.generation.enforce import best_window, first_evidence, pull_quotes, with_quotes
from medcite.generation.grounding import parse_cited_text

AUDIT_VERSION = 1  # the JSON shape of one audit result


@dataclass(frozen=True, slots=True)
class AuditedSentence:
    text: str
    citations: tuple[int, ...]
    supported: bool
    score: float | None
    evidence: tuple[Evidence, ...]
    reason: str = ""  # "uncited" | "out_of_range" | "unsupported" | "" (supported)


@dataclass(frozen=True, slots=True)
class Audit:
    question: str
    sentences: list[AuditedSentence]
    citation_recall: float
    citation_precision: float
    cleaned_answer: str
    removed: list[RemovedSentence] = field(default_factory=list)


def _evidence(
    judge: Verifier, sentence: AnswerSentence, quotes: list[str], passages: Mapping[int, str]
) -> tuple[Evidence, ...]:
    """Per cited passage: the span of a quote the answer gave, else the judge's best window."""
    spans: list[Evidence] = []
    for n in sentence.citations:
        passage = passages.get(n)
        if passage is None:
            continue
        found = first_evidence(n, passage, quotes)
        if found is None:
            found = first_evidence(n, passage, [best_window(judge, sentence.text, passage)[1]])
        if found is not None:
            spans.append(found)
    return tuple(spans)


def audit_answer(question: str, answer: str, passages: Mapping[int, str], judge: Verifier) -> Audit:
    """Score every sentence of `answer` (Markdown with [n] markers) against `passages` (n -> text)."""
    text, quotes = pull_quotes(answer)
    parsed = with_quotes(parse_cited_text(text), quotes)
    sentences = [s for s, _ in parsed]
    scores = citation_scores(sentences, passages, judge)
    audited: list[AuditedSentence] = []
    removed: list[RemovedSentence] = []
    kept: list[AnswerSentence] = []
    for (sentence, sentence_quotes), verdict in zip(parsed, scores.verdicts, strict=True):
        reason = "" if verdict.supported else (verdict.reason or "unsupported")
        evidence = _evidence(judge, sentence, sentence_quotes, passages) if not verdict.reason else ()
        audited.append(
            AuditedSentence(
                sentence.text, sentence.citations, verdict.supported, verdict.score, evidence, reason
            )
        )
        if verdict.supported:
            kept.append(replace(sentence, evidence=evidence))
        else:
            removed.append(RemovedSentence(sentence.text, sentence.citations, reason, verdict.score))
    cleaned = answer_body(Answer(question, kept, [], abstained=False)) if kept else ""
    return Audit(
        question=question,
        sentences=audited,
        citation_recall=scores.recall,
        citation_precision=scores.precision,
        cleaned_answer=cleaned,
        removed=removed,
    )


def audit_json(audit: Audit) -> dict[str, Any]:
    """The stable JSON of an audit (`medcite verify --json`, `POST /verify`)."""
    return {
        "question": audit.question,
        "sentences": [
            {
                "text": s.text,
                "citations": list(s.citations),
                "supported": s.supported,
                "score": None if s.score is None else round(s.score, 6),
                "evidence": [evidence_json(e) for e in s.evidence],
                "reason": s.reason,
            }
            for s in audit.sentences
        ],
        "citation_recall": round(audit.citation_recall, 6),
        "citation_precision": round(audit.citation_precision, 6),
        "answer": audit.cleaned_answer,
        "removed": [removed_json(r) for r in audit.removed],
        "audit_version": AUDIT_VERSION,
    }
