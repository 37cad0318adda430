"""The one place that turns the typed objects into medcite's stable JSON.

The CLI's `--json`, the HTTP API (its pydantic schemas validate exactly these dicts) and the
eval harness's results all use it, so a key cannot mean one thing in one place and another
elsewhere. `SCHEMA_VERSION` changes whenever a key changes meaning or disappears.
"""

from __future__ import annotations

from typing import Any

from medcite.core.types import Answer, AnswerSentence, Document, Hit, Reference

SCHEMA_VERSION = 1


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
    """The answer text (Markdown): one cited sentence per bullet, or the abstention message."""
    if answer.abstained:
        return answer.abstain_reason
    return "\n".join(f"- {cite(s)}" for s in answer.sentences)


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
        "sentences": [{"text": s.text, "citations": list(s.citations)} for s in answer.sentences],
        "references": [reference_json(r) for r in answer.references],
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
