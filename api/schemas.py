"""The HTTP API's pydantic schemas of the stable JSON (OpenAPI documents them).

They validate the dicts of `medcite.core.serialize`, the one serialiser, so the API, the
CLI's `--json` and the eval harness cannot disagree on a key.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from medcite.core.serialize import SCHEMA_VERSION, answer_json, hit_json
from medcite.core.types import Answer, Hit


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
        return cls.model_validate(hit_json(hit))


class EvidenceOut(BaseModel):
    n: int = Field(description="The reference number this span belongs to")
    start: int = Field(description="Character offset into that reference's passage text")
    end: int
    quote: str = Field(description="The supporting words, verbatim from the passage")


class SentenceOut(BaseModel):
    text: str
    citations: list[int]
    evidence: list[EvidenceOut] = Field(default_factory=list)
    part: str = Field(default="section", description="bottom_line | section | pitfall")
    heading: str = ""


class SectionOut(BaseModel):
    heading: str
    sentences: list[SentenceOut]


class RemovedOut(BaseModel):
    text: str
    citations: list[int]
    reason: str = Field(description="Why the composer or the verifier dropped it")
    score: float | None = None


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
    sentences: list[SentenceOut] = Field(description="Every answer sentence, in reading order")
    references: list[ReferenceOut]
    bottom_line: list[SentenceOut] = Field(default_factory=list)
    sections: list[SectionOut] = Field(default_factory=list)
    pitfalls: list[SentenceOut] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="e.g. a cited guideline superseded")
    disclaimer: str = Field(default="", description="Always present: not medical advice")
    removed: list[RemovedOut] = Field(default_factory=list)
    abstain_reason: str = ""
    generator: str = ""
    retrieved: list[HitOut] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        return cls.model_validate(answer_json(answer))


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
