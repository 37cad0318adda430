"""The one place that turns the typed objects into medcite's stable JSON.

The CLI's `--json`, the HTTP API (its pydantic schemas validate exactly these dicts) and the
eval harness's results all use it, so a key cannot mean one thing in one place and another
elsewhere. `SCHEMA_VERSION` changes whenever a key changes meaning, appears or disappears
(2: the answer page's `bottom_line`, `sections`, `pitfalls`, `warnings`, `disclaimer`,
`removed`, and per-sentence `evidence` spans).
"""

from __future__ import annotations

from typing import Any

from medcite.core.types import (
    Answer,
    AnswerSentence,
    Document,
    Evidence,
    Hit,
    Reference,
    RemovedSentence,
)

SCHEMA_VERSION = 2


def cite(sentence: AnswerSentence) -> str:
    """'Text [1][2].': markers go before the sentence's final punctuation."""
    text = sentence.text.rstrip()
    marks = "".join(f"[{n}]" for n in sentence.citations)
    if not marks:
        return text
    if text and text[-1] in ".!?":
        return f"{text[:-1].rstrip()} {marks}{text[-1]}"
    return f"{text} {marks}"


def answer_body(answer: Answer) -> str:
    """The answer text (Markdown with [n] markers), laid out as the answer page reads: the
    bottom line, then each section under its heading, then pitfalls; or the abstention message.

    `medcite.generation.grounding.parse_cited_text` reads it back sentence for sentence
    (headings and labels are not sentences).
    """
    if answer.abstained:
        return answer.abstain_reason
    blocks: list[str] = []
    if answer.bottom_line:
        blocks.append("**Bottom line:** " + " ".join(cite(s) for s in answer.bottom_line))
    for section in answer.sections:
        lines = [f"### {section.heading}"] if section.heading else []
        blocks.append("\n".join(lines + [f"- {cite(s)}" for s in section.sentences]))
    if answer.pitfalls:
        blocks.append("\n".join(["### Pitfalls"] + [f"- {cite(s)}" for s in answer.pitfalls]))
    return "\n\n".join(blocks)


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    return {"n": evidence.n, "start": evidence.start, "end": evidence.end, "quote": evidence.quote}


def sentence_json(sentence: AnswerSentence) -> dict[str, Any]:
    """One answer sentence: its text, citations and the supporting span of each cited passage."""
    return {
        "text": sentence.text,
        "citations": list(sentence.citations),
        "evidence": [evidence_json(e) for e in sentence.evidence],
        "part": sentence.part,
        "heading": sentence.heading,
    }


def removed_json(removed: RemovedSentence) -> dict[str, Any]:
    return {
        "text": removed.text,
        "citations": list(removed.citations),
        "reason": removed.reason,
        "score": _round(removed.score),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def hit_json(hit: Hit) -> dict[str, Any]:
    """A retrieved passage: `medcite search --json`, `POST /search`, `retrieved` of an answer."""
    return {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "doc_id": hit.document.doc_id,
        "chunk_id": hit.chunk.chunk_id,
        "title": hit.document.title,
        "section": hit.chunk.section,
        "pages": hit.chunk.pages,
        "text": hit.chunk.text,
        "dense_score": _round(hit.dense_score),
        "lexical_score": _round(hit.lexical_score),
        "developer": hit.document.developer,
        "date": hit.document.released,
        "note": hit.note,
    }


def reference_json(ref: Reference) -> dict[str, Any]:
    """A numbered reference: the passage a citation [n] points to, with its provenance."""
    doc, chunk = ref.hit.document, ref.hit.chunk
    return {
        "n": ref.n,
        "doc_id": doc.doc_id,
        "chunk_id": chunk.chunk_id,
        "title": doc.title,
        "developer": doc.developer,
        "date": doc.released,
        "section": chunk.section,
        "pages": chunk.pages,
        "text": chunk.text,
        "source": doc.source,
        "note": ref.hit.note,
    }


def answer_json(answer: Answer, retrieved: bool = True) -> dict[str, Any]:
    """A cited answer (`medcite ask --json`, `POST /ask`); `retrieved=False` leaves the
    retrieved-passage list out (the eval harness stores it separately)."""
    out: dict[str, Any] = {
        "question": answer.question,
        "answer": answer_body(answer),
        "abstained": answer.abstained,
        "sentences": [sentence_json(s) for s in answer.sentences],
        "references": [reference_json(r) for r in answer.references],
        "bottom_line": [sentence_json(s) for s in answer.bottom_line],
        "sections": [
            {"heading": sec.heading, "sentences": [sentence_json(s) for s in sec.sentences]}
            for sec in answer.sections
        ],
        "pitfalls": [sentence_json(s) for s in answer.pitfalls],
        "warnings": list(answer.warnings),
        "disclaimer": answer.disclaimer,
        "removed": [removed_json(r) for r in answer.removed],
        "abstain_reason": answer.abstain_reason,
        "generator": answer.generator,
        "timings_ms": dict(answer.timings_ms),
        "schema_version": SCHEMA_VERSION,
    }
    if retrieved:
        out["retrieved"] = [hit_json(h) for h in answer.retrieved]
    return out


def document_json(doc: Document) -> dict[str, Any]:
    """An indexed document (`medcite docs --json`)."""
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "developer": doc.developer,
        "released": doc.released,
        "year": doc.year,
        "format": doc.format,
        "n_chunks": doc.n_chunks,
        "path": doc.path,
        "content_hash": doc.content_hash,
    }
