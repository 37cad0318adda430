"""The HTTP API's pydantic schemas of the stable JSON (OpenAPI documents them).

They validate the dicts of `medcite.core.serialize`, the one serialiser, so the API, the
CLI's `--json` and the eval harness cannot disagree on a key.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medcite.core.serialize import SCHEMA_VERSION, answer_json, document_json, hit_json
from medcite.core.types import Answer, Chunk, Document, Hit

QUESTION_HARD_MAX = 20_000  # the schema's bound; the server's own limit is max_question_chars


def _not_blank(value: str, minimum: int) -> str:
    stripped = value.strip()
    if len(stripped) < minimum:
        raise ValueError(f"must contain at least {minimum} non-space characters")
    return stripped


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=3, max_length=QUESTION_HARD_MAX, description="Free-text clinical question"
    )
    top_k: int | None = Field(default=None, ge=1, le=50, description="Passages to retrieve")
    stream: bool = Field(default=False, description="Server-Sent Events: retrieved, sentence..., answer")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return _not_blank(value, 3)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=QUESTION_HARD_MAX)
    k: int = Field(default=10, ge=1, le=100)

    @field_validator("query")
    @classmethod
    def _query(cls, value: str) -> str:
        return _not_blank(value, 1)


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


class ReadyOut(BaseModel):
    ready: bool
    index_loaded: bool
    models_loaded: bool
    generation: str = ""
    n_documents: int = 0
    n_chunks: int = 0
    detail: str = ""


class ErrorOut(BaseModel):
    error: str = Field(description="A stable code, e.g. invalid_request, too_large, unauthorized")
    detail: str = Field(description="What went wrong and what to do")
    errors: list[dict[str, Any]] | None = Field(default=None, description="422: the failing fields")


class OpenAIError(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: int


class OpenAIErrorOut(BaseModel):
    """The OpenAI error shape, which OpenAI clients read (`error.message`), under /v1."""

    error: OpenAIError


_DESCRIPTIONS = {
    400: "The body could not be parsed (not UTF-8 JSON, or a broken multipart form)",
    401: "Missing or wrong API key",
    403: "The server has no API key configured: writes are disabled",
    404: "Not found",
    413: "Request body or upload too large",
    415: "Unsupported file type",
    422: "Invalid request (the failing fields are listed; the input is never echoed)",
    429: "Rate limit exceeded (see Retry-After)",
    500: "Internal error (details in the server log)",
    502: "The generator or its grounding check failed",
    503: "No usable index",
}
COMMON_ERRORS = (400, 401, 413, 422, 429, 500)


def error_responses(*codes: int, openai: bool = False) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of a route: the common ones plus `codes`."""
    model = OpenAIErrorOut if openai else ErrorOut
    return {
        code: {"model": model, "description": _DESCRIPTIONS[code]}
        for code in sorted({*COMMON_ERRORS, *codes})
    }


# -- verify ------------------------------------------------------------------------------
class VerifyReference(BaseModel):
    n: int = Field(ge=1, le=1000)
    text: str | None = Field(default=None, max_length=50_000, description="The passage text, or...")
    chunk_id: str | None = Field(default=None, max_length=300, description="...an indexed chunk's id")


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(default="", max_length=QUESTION_HARD_MAX)
    answer: str = Field(min_length=1, max_length=100_000, description="Markdown with [n] citation markers")
    references: list[VerifyReference] = Field(max_length=100)


class AuditedSentenceOut(BaseModel):
    text: str
    citations: list[int]
    supported: bool
    score: float | None
    evidence: list[EvidenceOut]
    reason: str


class VerifyOut(BaseModel):
    question: str
    sentences: list[AuditedSentenceOut]
    citation_recall: float
    citation_precision: float
    answer: str = Field(description="The answer with every unsupported sentence removed")
    removed: list[RemovedOut]
    audit_version: int


# -- documents and jobs -------------------------------------------------------------------
class DocumentOut(BaseModel):
    doc_id: str
    title: str
    developer: str
    released: str
    year: int | None
    format: str
    n_chunks: int
    content_hash: str
    source: str = ""
    supersedes: list[str] = Field(default_factory=list)
    superseded_by: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, doc: Document, superseded_by: list[str] | None = None) -> DocumentOut:
        body = {k: v for k, v in document_json(doc).items() if k != "path"}  # no server paths out
        supersedes = [d.strip() for d in doc.extra.get("supersedes", "").split(",") if d.strip()]
        return cls(**body, source=doc.source, supersedes=supersedes, superseded_by=superseded_by or [])


class ChunkOut(BaseModel):
    chunk_id: str
    section: str
    pages: str
    text: str

    @classmethod
    def of(cls, chunk: Chunk) -> ChunkOut:
        return cls(chunk_id=chunk.chunk_id, section=chunk.section, pages=chunk.pages, text=chunk.text)


class DocumentDetailOut(DocumentOut):
    chunks: list[ChunkOut]


class DocumentPage(BaseModel):
    total: int
    offset: int
    limit: int
    documents: list[DocumentOut]


class JobOut(BaseModel):
    job_id: str
    kind: Literal["upload", "delete", "reindex"]
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    message: str
    doc_ids: list[str]
    report: dict[str, Any] = Field(default_factory=dict)
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None


class ReindexRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = Field(default=False, description="Re-index unchanged files too")


# -- OpenAI-compatible chat -----------------------------------------------------------------
class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # clients send many fields medcite does not use

    model: str = Field(default="medcite", max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
    top_k: int | None = Field(default=None, ge=1, le=50, description="medcite: passages to retrieve")
