"""Run a suite through the engine and score every case; write results, summary and report."""

from __future__ import annotations

import logging
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tqdm import tqdm

from medcite.core.protocols import Verifier
from medcite.core.serialize import answer_body, answer_json
from medcite.core.settings import RetrieverMode
from medcite.engine import Engine
from medcite.eval.metrics import (
    answer_label,
    doc_recall_at,
    evidence_matches,
    evidence_recall_at,
    ndcg_at,
    percentile,
    reciprocal_rank,
)
from medcite.eval.suite import Case, Suite
from medcite.generation.citation_support import citation_scores

log = logging.getLogger(__name__)

RETRIEVE_K = 10
SUMMARY_KEYS = (
    "retrieval_doc_recall@1",
    "retrieval_doc_recall@5",
    "retrieval_doc_recall@10",
    "retrieval_evidence_recall@5",
    "answer_evidence_recall",
    "mrr",
    "ndcg@10",
    "citation_recall",
    "citation_precision",
    "abstention_precision",
    "abstention_recall",
    "answer_accuracy",
    "latency_p50_ms",
    "latency_p95_ms",
    "n_cases",
)


@dataclass
class CaseResult:
    id: str
    question: str
    tags: list[str]
    answerable: bool
    retrieved: list[dict[str, object]]
    doc_recall: dict[str, float]
    evidence_recall_5: float | None
    # share of the gold evidence strings the answer's own sentences say (0 when it abstained)
    answer_evidence_recall: float | None
    reciprocal_rank: float | None
    ndcg_10: float | None
    answer: dict[str, Any]
    abstained: bool
    citation_recall: float | None
    citation_precision: float | None
    sentence_verdicts: list[dict[str, Any]]
    label: str | None
    predicted_label: str | None
    latency_ms: float
    extra: dict[str, object] = field(default_factory=dict)


def _score_case(
    case: Case, engine: Engine, verifier: Verifier | None, mode: RetrieverMode | None, rerank: bool | None
) -> CaseResult:
    started = time.perf_counter()
    hits = engine.search(case.question, k=RETRIEVE_K, mode=mode, rerank=rerank)
    answer = engine.answer_from(case.question, hits[: engine.settings.retrieval.top_k])
    latency = (time.perf_counter() - started) * 1000
    docs = [h.document.doc_id for h in hits]
    texts = [h.chunk.text for h in hits]
    has_gold = bool(case.doc_ids)
    relevance = [
        int(any(evidence_matches(e, t) for e in case.evidence)) if case.evidence else int(d in case.doc_ids)
        for d, t in zip(docs, texts, strict=True)
    ]
    body = answer_body(answer)
    cit_r = cit_p = None
    verdicts: list[dict[str, Any]] = []
    if verifier is not None and not answer.abstained:
        passages = {r.n: r.hit.chunk.text for r in answer.references}
        scores = citation_scores(answer.sentences, passages, verifier)
        cit_r, cit_p = scores.recall, scores.precision
        verdicts = [asdict(v) for v in scores.verdicts]
    return CaseResult(
        id=case.id,
        question=case.question,
        tags=list(case.tags),
        answerable=case.answerable,
        retrieved=[
            {
                "rank": h.rank,
                "doc_id": h.document.doc_id,
                "chunk_id": h.chunk.chunk_id,
                "score": round(h.score, 5),
                "section": h.chunk.section,
                "pages": h.chunk.pages,
            }
            for h in hits
        ],
        doc_recall={f"@{k}": doc_recall_at(docs, case.doc_ids, k) for k in (1, 5, 10)} if has_gold else {},
        evidence_recall_5=evidence_recall_at(texts, case.evidence, 5) if case.evidence else None,
        answer_evidence_recall=evidence_recall_at(
            [" ".join(s.text for s in answer.sentences)], case.evidence, 1
        )
        if case.evidence and case.answerable
        else None,
        reciprocal_rank=reciprocal_rank(docs, case.doc_ids) if has_gold else None,
        ndcg_10=ndcg_at(relevance, 10, max(1, sum(relevance))) if (has_gold or case.evidence) else None,
        answer=answer_json(answer, retrieved=False),
        abstained=answer.abstained,
        citation_recall=cit_r,
        citation_precision=cit_p,
        sentence_verdicts=verdicts,
        label=case.label,
        predicted_label=answer_label(body, answer.abstained) if case.label else None,
        latency_ms=round(latency, 1),
    )


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def summarise(results: Sequence[CaseResult]) -> dict[str, float | int | None]:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    abstained = [r for r in results if r.abstained]
    correct_abstentions = [r for r in abstained if not r.answerable]
    labelled = [r for r in results if r.label]
    latencies = [r.latency_ms for r in results]
    summary: dict[str, float | int | None] = {
        "retrieval_doc_recall@1": _mean([r.doc_recall.get("@1") for r in answerable]),
        "retrieval_doc_recall@5": _mean([r.doc_recall.get("@5") for r in answerable]),
        "retrieval_doc_recall@10": _mean([r.doc_recall.get("@10") for r in answerable]),
        "retrieval_evidence_recall@5": _mean([r.evidence_recall_5 for r in answerable]),
        "answer_evidence_recall": _mean([r.answer_evidence_recall for r in answerable]),
        "mrr": _mean([r.reciprocal_rank for r in answerable]),
        "ndcg@10": _mean([r.ndcg_10 for r in answerable]),
        "citation_recall": _mean([r.citation_recall for r in results]),
        "citation_precision": _mean([r.citation_precision for r in results]),
        "abstention_precision": round(len(correct_abstentions) / len(abstained), 4)
        if abstained and unanswerable
        else None,
        "abstention_recall": round(len(correct_abstentions) / len(unanswerable), 4) if unanswerable else None,
        "answer_accuracy": round(sum(r.predicted_label == r.label for r in labelled) / len(labelled), 4)
        if labelled
        else None,
        "latency_p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "latency_p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "n_cases": len(results),
        "removed_per_answer": _mean(
            [float(len(r.answer.get("removed", []))) for r in results if not r.abstained]
        ),
        "answered_rate": round(1 - len(abstained) / len(results), 4) if results else None,
        # the "<= 5% of answerable questions abstained"
        "answerable_abstained_rate": round(sum(r.abstained for r in answerable) / len(answerable), 4)
        if answerable
        else None,
    }
    return summary


def by_tag(results: Sequence[CaseResult]) -> dict[str, dict[str, float | int | None]]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        for tag in r.tags or ["(untagged)"]:
            groups[tag].append(r)
    return {tag: summarise(rs) for tag, rs in sorted(groups.items())}


def run_suite(
    suite: Suite,
    engine: Engine,
    verifier: Verifier | None,
    limit: int | None = None,
    mode: RetrieverMode | None = None,
    rerank: bool | None = None,
    progress: bool = True,
) -> list[CaseResult]:
    cases = suite.cases[:limit] if limit else suite.cases
    engine.search("warm-up", k=1, mode=mode, rerank=rerank)
    return [
        _score_case(case, engine, verifier, mode, rerank)
        for case in tqdm(cases, desc=f"eval {suite.name}", unit="case", disable=not progress)
    ]
