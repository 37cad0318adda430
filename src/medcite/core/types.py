"""The plain typed objects each pipeline stage hands to the next.

Document (metadata + content hash) -> Block (clean text span with its section and page)
-> Chunk (indexed unit that knows its document) -> Hit (scored chunk from retrieval)
-> Answer (bottom line, sections and pitfalls of cited sentences, each with its evidence
span, + numbered references).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """What a loader or a manifest says about a document, before it is indexed."""

    title: str = ""
    developer: str = ""
    released: str = ""
    source: str = ""
    copyright: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Document:
    """An ingested guideline document; `content_hash` drives incremental re-ingest."""

    doc_id: str
    title: str
    developer: str
    released: str
    year: int | None
    source: str
    copyright: str
    path: str
    format: str
    content_hash: str
    n_chunks: int = 0
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Block:
    """A span of clean text from a loader: one paragraph, list item or table row.

    `section` is the heading path it sits under, `page` its 1-based PDF page (None for
    formats without pages).
    """

    text: str
    section: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A loader's output: metadata plus the document's text as ordered blocks."""

    metadata: DocumentMetadata
    blocks: list[Block]
    format: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """The unit that is embedded, indexed and cited.

    `char_start`/`char_end` are offsets into the document's clean text (blocks joined by
    blank lines), so a citation can be traced back to the exact span.
    """

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    section: str
    page_start: int | None
    page_end: int | None
    char_start: int
    char_end: int
    n_tokens: int

    @property
    def pages(self) -> str:
        """Human page label: "12", "12-13" or "" when the format has no pages."""
        if self.page_start is None:
            return ""
        if self.page_end is None or self.page_end == self.page_start:
            return str(self.page_start)
        return f"{self.page_start}-{self.page_end}"


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk with its scores and provenance."""

    chunk: Chunk
    document: Document
    score: float
    rank: int
    dense_score: float | None = None
    lexical_score: float | None = None
    row_id: int = -1  # the chunk's key in the store and the FAISS index (-1: not from an index)
    note: str = ""  # why retrieval moved it, e.g. "superseded by ..." (shown with the reference)


@dataclass(frozen=True, slots=True)
class Reference:
    """A numbered entry of an answer's reference list: the passage a citation points to."""

    n: int
    hit: Hit


# Where a sentence sits on the answer page, in reading order.
BOTTOM_LINE, SECTION, PITFALL = "bottom_line", "section", "pitfall"
PARTS = (BOTTOM_LINE, SECTION, PITFALL)

DISCLAIMER = (
    "Not medical advice: medcite quotes and summarises the indexed guidelines and can be wrong "
    "or out of date; verify every statement against the cited source before acting on it."
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """The words of cited passage [n] that support a sentence.

    `start`/`end` are character offsets into that reference's chunk text, so a reader (or the
    answer page) can highlight exactly the supporting span.
    """

    n: int
    start: int
    end: int
    quote: str


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    """One claim of an answer, the reference numbers that support it and where it sits.

    `part` is one of PARTS; `heading` names the section a SECTION sentence belongs to.
    `evidence` holds, per citation, the supporting span of the cited passage when known.
    """

    text: str
    citations: tuple[int, ...]
    evidence: tuple[Evidence, ...] = ()
    part: str = SECTION
    heading: str = ""


@dataclass(frozen=True, slots=True)
class RemovedSentence:
    """A sentence the composer or the verifier dropped, and why (kept for audit, never shown
    as part of the answer)."""

    text: str
    citations: tuple[int, ...]
    reason: str
    score: float | None = None


@dataclass(frozen=True, slots=True)
class AnswerSection:
    """A heading and its sentences: the answer page's body between bottom line and pitfalls."""

    heading: str
    sentences: tuple[AnswerSentence, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """A drafted answer: every sentence cites references that exist in `references`.

    `sentences` is the single source of truth, in reading order (bottom line, sections,
    pitfalls); `bottom_line`, `sections` and `pitfalls` are views of it, so the flat list the
    eval harness scores and the page a reader sees cannot disagree.
    """

    question: str
    sentences: list[AnswerSentence]
    references: list[Reference]
    abstained: bool
    abstain_reason: str = ""
    generator: str = ""
    retrieved: list[Hit] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    removed: list[RemovedSentence] = field(default_factory=list)
    disclaimer: str = DISCLAIMER

    @property
    def bottom_line(self) -> list[AnswerSentence]:
        return [s for s in self.sentences if s.part == BOTTOM_LINE]

    @property
    def pitfalls(self) -> list[AnswerSentence]:
        return [s for s in self.sentences if s.part == PITFALL]

    @property
    def sections(self) -> list[AnswerSection]:
        """Section sentences grouped by heading, headings in order of first appearance."""
        groups: dict[str, list[AnswerSentence]] = {}
        for s in self.sentences:
            if s.part == SECTION:
                groups.setdefault(s.heading, []).append(s)
        return [AnswerSection(h, tuple(ss)) for h, ss in groups.items()]


# --- the engine's event stream (the service puts it on SSE and the OpenAI endpoint) ---------


@dataclass(frozen=True, slots=True)
class RetrievedEvent:
    """First event: the passages the answer will be drafted from."""

    hits: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class SentenceEvent:
    """One accepted sentence, in reading order, numbered as in the final answer."""

    index: int
    sentence: AnswerSentence


@dataclass(frozen=True, slots=True)
class AnswerEvent:
    """Last event: the complete, verified answer (or the abstention)."""

    answer: Answer


AnswerStreamEvent = RetrievedEvent | SentenceEvent | AnswerEvent
