"""The stable JSON schema of answers and hits, shared by the API and `--json` CLI output."""

from __future__ import annotations

from pydantic import BaseModel, Field

from generation.render import answer_body
from medcite.types import Answer, Hit


class AskRequest(BaseModel):
    question: str = Field(min_length=3, max_length=4000, description="Free-text clinical question")
    top_k: int | None = Field(default=None, ge=1, le=50, description="Passages to retrieve")


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=4000)
    k: int = Field(default=10, ge=1, le=100)


class HitOut(BaseModel):
    rank: int
    score: float
    doc_id: str
    chunk_id: str
    title: str
    section: str
    pages: str
    text: str
    dense_score: float | None = None
    lexical_score: float | None = None
    developer: str = ""
    date: str = ""
    note: str = Field(default="", description="Why retrieval moved it, e.g. superseded by a newer version")

    @classmethod
    def of(cls, hit: Hit) -> HitOut:
        return cls(
            rank=hit.rank,
            score=round(hit.score, 6),
            doc_id=hit.document.doc_id,
            chunk_id=hit.chunk.chunk_id,
            title=hit.document.title,
            section=hit.chunk.section,
            pages=hit.chunk.pages,
            text=hit.chunk.text,
            dense_score=None if hit.dense_score is None else round(hit.dense_score, 6),
            lexical_score=None if hit.lexical_score is None else round(hit.lexical_score, 6),
            developer=hit.document.developer,
            date=hit.document.released,
            note=hit.note,
        )


class SentenceOut(BaseModel):
    text: str
    citations: list[int]


class ReferenceOut(BaseModel):
    n: int
    doc_id: str
    chunk_id: str
    title: str
    developer: str
    date: str
    section: str
    pages: str
    text: str
    source: str = ""
    note: str = Field(default="", description="e.g. 'superseded by <doc> (<year>)' for an older version")


class AnswerOut(BaseModel):
    question: str
    answer: str = Field(description="Markdown; every sentence ends with its [n] citations")
    abstained: bool
    sentences: list[SentenceOut]
    references: list[ReferenceOut]
    abstain_reason: str = ""
    generator: str = ""
    retrieved: list[HitOut] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    schema_version: int = 1

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        return cls(
            question=answer.question,
            answer=answer_body(answer),
            abstained=answer.abstained,
            sentences=[SentenceOut(text=s.text, citations=list(s.citations)) for s in answer.sentences],
            references=[
                ReferenceOut(
                    n=r.n,
                    doc_id=r.hit.document.doc_id,
                    chunk_id=r.hit.chunk.chunk_id,
                    title=r.hit.document.title,
                    developer=r.hit.document.developer,
                    date=r.hit.document.released,
                    section=r.hit.chunk.section,
                    pages=r.hit.chunk.pages,
                    text=r.hit.chunk.text,
                    source=r.hit.document.source,
                    note=r.hit.note,
                )
                for r in answer.references
            ],
            abstain_reason=answer.abstain_reason,
            generator=answer.generator,
            retrieved=[HitOut.of(h) for h in answer.retrieved],
            timings_ms=answer.timings_ms,
        )


class HealthOut(BaseModel):
    status: str
    index: str
    index_ready: bool
    generation: str = ""
    format_version: int | None = None
    embedding_model: str = ""
    n_documents: int = 0
    n_chunks: int = 0
    detail: str = ""


class ErrorOut(BaseModel):
    error: str
    detail: str
