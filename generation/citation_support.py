"""Citation faithfulness with the ALCE definitions (Gao et al. 2023, princeton-nlp/ALCE eval.py).

The whole answer is split into sentences (ALCE truncates at the first newline; we do not).
citation recall: share of sentences whose cited passages, concatenated, entail the
    sentence; a sentence with no citation or an out-of-range number scores 0.
citation precision: entailed citations / all citations, where a citation of a jointly
    entailed multi-citation sentence is "irrelevant" (not counted) if it alone does not
    entail the sentence and the other citations still do; a single citation counts when it
    entails its sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from medcite.core.protocols import Verifier
from medcite.core.types import AnswerSentence


@dataclass
class SentenceVerdict:
    text: str
    citations: list[int]
    supported: bool
    reason: str = ""  # "uncited" | "out_of_range" | "" (judged)
    score: float | None = None
    irrelevant: list[int] = field(default_factory=list)


@dataclass
class CitationScores:
    recall: float
    precision: float
    n_sentences: int
    n_citations: int
    verdicts: list[SentenceVerdict]


def _entails(verifier: Verifier, premise: str, claim: str) -> tuple[bool, float]:
    score = verifier.scores([(premise, claim)])[0]
    return score >= verifier.threshold, score


def citation_scores(
    sentences: Sequence[AnswerSentence], passages: Mapping[int, str], verifier: Verifier
) -> CitationScores:
    """Score an answer's [n] citations against the passages they point to (numbered from 1).

    Takes the answer's sentences as drafted; an answer that exists only as text (another
    system's Markdown) goes through `medcite.generation.grounding.parse_cited_text` first.
    """
    verdicts: list[SentenceVerdict] = []
    entailed = 0
    precise = 0
    total_citations = 0
    for sentence in sentences:
        refs = list(sentence.citations)
        total_citations += len(refs)
        verdict = SentenceVerdict(sentence.text, refs, False)
        if not refs:
            verdict.reason = "uncited"
        elif any(n not in passages for n in refs):
            verdict.reason = "out_of_range"
        else:
            joint = "\n".join(passages[n] for n in refs)
            verdict.supported, verdict.score = _entails(verifier, joint, sentence.text)
        if verdict.supported:
            entailed += 1
            if len(refs) == 1:
                precise += 1
            else:
                for n in refs:
                    alone, _ = _entails(verifier, passages[n], sentence.text)
                    if alone:
                        precise += 1
                        continue
                    rest = "\n".join(passages[m] for m in refs if m != n)
                    still, _ = _entails(verifier, rest, sentence.text)
                    if still:
                        verdict.irrelevant.append(n)
                    else:
                        precise += 1
        verdicts.append(verdict)
    n = len(sentences)
    return CitationScores(
        recall=entailed / n if n else 0.0,
        precision=precise / total_citations if total_citations else 0.0,
        n_sentences=n,
        n_citations=total_citations,
        verdicts=verdicts,
    )
