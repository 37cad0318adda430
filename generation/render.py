"""Renderings of an Answer: the Markdown body with [n] markers, and a full Markdown page."""

from __future__ import annotations

from medcite.core.serialize import answer_body
from medcite.core.types import Answer, Reference


def reference_line(ref: Reference) -> str:
    doc, chunk = ref.hit.document, ref.hit.chunk
    parts = [doc.title.rstrip(".") + "."]
    if doc.developer:
        parts.append(doc.developer.rstrip(".") + ".")
    if doc.released:
        parts.append(doc.released.rstrip(".") + ".")
    if chunk.section:
        parts.append(f"Section: {chunk.section}.")
    if chunk.pages:
        label = "Pages" if "-" in chunk.pages else "Page"
        parts.append(f"{label} {chunk.pages}.")
    parts.append(f"`{chunk.chunk_id}`")
    if ref.hit.note:
        parts.append(f"(Note: {ref.hit.note}.)")
    return " ".join(parts)


def to_markdown(answer: Answer) -> str:
    """The answer page in the seed shape: question, bottom line, sections, pitfalls,
    warnings, references, and the disclaimer last (always, abstentions included)."""
    lines = [f"**Question:** {answer.question}", "", answer_body(answer)]
    if answer.warnings:
        lines += ["", "**Warnings**"] + [f"- {w}" for w in answer.warnings]
    if answer.references:
        lines += ["", "**References**"]
        lines += [f"{ref.n}. {reference_line(ref)}" for ref in answer.references]
    lines += ["", f"_{answer.disclaimer}_"]
    return "\n".join(lines) + "\n"
