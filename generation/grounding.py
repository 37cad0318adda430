"""Citation rules: parse [n] markers out of answer text and check them.

Used by every generator before an answer leaves the system, and by the eval harness to
score answers from any generator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcite.core.types import Answer, AnswerSentence
from medcite.generation.sentences import split_sentences

_CITATION = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
            a, b = (int(x) for x in re.split(r"\s*[–-]\s*", part))
            numbers.extend(range(a, b + 1) if a <= b and b - a < 50 else [a, b])
        elif part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def parse_cited_text(text: str) -> list[AnswerSentence]:
    """Split answer text into sentences and pull out each sentence's [n] citations.

    Every line is considered (not just the first), bullets are stripped, and a citation
    that follows a sentence's final period still belongs to that sentence.
    """
    sentences: list[AnswerSentence] = []
    for raw in split_sentences("\n".join(_BULLET.sub("", line) for line in text.splitlines())):
        cites = [n for m in _CITATION.finditer(raw) for n in _numbers(m.group(1))]
        clean = " ".join(_CITATION.sub("", raw).split())
        clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
        if not re.search(r"[A-Za-z0-9]", clean):
            if cites and sentences:  # a lone "[2]." after the period belongs to the sentence before
                prev = sentences[-1]
                sentences[-1] = AnswerSentence(prev.text, tuple(dict.fromkeys((*prev.citations, *cites))))
            continue
        sentences.append(AnswerSentence(clean, tuple(dict.fromkeys(cites))))
    return sentences


@dataclass(frozen=True, slots=True)
class GroundingProblem:
    sentence: int  # 0-based index, -1 for answer-level problems
    kind: str  # "uncited" | "unknown_reference" | "no_sentences"
    detail: str


def check_grounding(answer: Answer) -> list[GroundingProblem]:
    """Every sentence cites at least one reference, and every number exists in the list."""
    if answer.abstained:
        return []
    problems: list[GroundingProblem] = []
    known = {ref.n for ref in answer.references}
    if not answer.sentences:
        problems.append(GroundingProblem(-1, "no_sentences", "answer has no sentences and did not abstain"))
    for i, sentence in enumerate(answer.sentences):
        if not sentence.citations:
            problems.append(GroundingProblem(i, "uncited", sentence.text[:80]))
        for n in sentence.citations:
            if n not in known:
                problems.append(
                    GroundingProblem(i, "unknown_reference", f"[{n}] is not in the reference list")
                )
    return problems
