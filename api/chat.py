"""What the OpenAI-compatible endpoint needs beyond the engine: the question a conversation
asks, and the answer as Markdown pieces (one per sentence, then the reference list).

The pieces are the same for a streamed and a whole reply, so a client that joins the
streamed deltas gets exactly the non-streamed message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from medcite.core.serialize import cite
from medcite.core.types import Answer, AnswerSentence, Reference

_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|and what|same|then|what if|why|how long|which dose)\b"
    r"|\b(it|its|they|them|their|this|that|these|those|he|she|the same)\b",
    re.IGNORECASE,
)
_MAX_FOLLOW_UP_WORDS = 5  # "And in pregnancy?" is a follow-up; a whole question is not


def message_text(content: str | list[dict[str, Any]] | None) -> str:
    """A message's text: the string, or the text parts of a multi-part content list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return " ".join(str(p.get("text", "")) for p in content if p.get("type") == "text")


def resolve_question(turns: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(question shown, question retrieved with) from (role, text) turns.

    The last user turn is the question. Earlier user turns are used only when it reads as a
    follow-up (short, or leaning on a pronoun such as 'it' or 'that'): then the previous user
    question is prepended for retrieval, so "what about in pregnancy?" finds the right guideline.
    """
    users = [text.strip() for role, text in turns if role == "user" and text.strip()]
    if not users:
        return "", ""
    last = users[-1]
    if len(users) > 1 and (len(last.split()) <= _MAX_FOLLOW_UP_WORDS or _FOLLOW_UP.search(last)):
        return last, f"{users[-2]} {last}"
    return last, last


def sentence_piece(sentence: AnswerSentence, previous: AnswerSentence | None) -> str:
    """One sentence as Markdown, with the label or heading that opens its part of the page."""
    text = cite(sentence)
    if sentence.part == "bottom_line":
        return f"**Bottom line:** {text}" if previous is None else f" {text}"
    lead = "\n\n" if previous is not None else ""
    same_block = (
        previous is not None and previous.part == sentence.part and previous.heading == sentence.heading
    )
    if same_block:
        return f"\n- {text}"
    heading = "Pitfalls" if sentence.part == "pitfall" else sentence.heading
    return f"{lead}### {heading}\n- {text}" if heading else f"{lead}- {text}"


def sentence_pieces(sentences: Sequence[AnswerSentence]) -> Iterator[str]:
    previous: AnswerSentence | None = None
    for sentence in sentences:
        yield sentence_piece(sentence, previous)
        previous = sentence


def reference_line(ref: Reference, url: str) -> str:
    doc, chunk = ref.hit.document, ref.hit.chunk
    where = ", ".join(
        p
        for p in (doc.developer, doc.released, chunk.section, f"p. {chunk.pages}" if chunk.pages else "")
        if p
    )
    note = f" **{ref.hit.note}**" if ref.hit.note else ""
    return f"[{ref.n}] {doc.title}" + (f" ({where})" if where else "") + f".{note} <{url}>"


def closing_piece(answer: Answer, urls: Sequence[str]) -> str:
    """What follows the sentences: warnings, the numbered references and the disclaimer
    (or, for an abstention, its message)."""
    blocks: list[str] = []
    if answer.abstained:
        blocks.append(answer.abstain_reason)
    if answer.warnings:
        blocks.append("\n".join(f"> **Warning:** {w}" for w in answer.warnings))
    if answer.references and not answer.abstained:
        lines = [reference_line(r, u) for r, u in zip(answer.references, urls, strict=True)]
        blocks.append("**References**\n\n" + "\n".join(lines))
    if answer.disclaimer:
        blocks.append(f"*{answer.disclaimer}*")
    lead = "" if answer.abstained or not answer.sentences else "\n\n"
    return lead + "\n\n".join(blocks)


def citation_url(base_url: str, ref: Reference) -> str:
    """The reference's original file at the server, at its first page when it has pages."""
    pages = ref.hit.chunk.page_start
    anchor = f"#page={pages}" if pages else ""
    return f"{base_url.rstrip('/')}/documents/{ref.hit.document.doc_id}/source{anchor}"
