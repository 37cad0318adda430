"""Grounding enforced after any generator: a drafted reply becomes an Answer only sentence by
sentence, each one checked.

The steps, in order, each one recorded in `Answer.removed` when it drops a sentence:
1. parse the layout and the citations in every common form (`grounding.parse_cited_text`);
2. drop numbers out of range and sentences left uncited (`grounding.clean_citations`);
3. drop a sentence that repeats an instruction planted in a passage, or whose quote is one;
4. the exact quote check: a generative backend gives, with each sentence, the verbatim words
   of the cited passage it relies on; a quote not found in a cited passage (after normalising
   case, whitespace and hyphenation) drops the sentence, with no model involved;
5. the citation judge: the sentence against its quote and against each cited passage (best
   window); below the judge's threshold it is removed (or kept and flagged);
6. references renumbered by first use; no bottom line left, or nothing left: abstain.

`medcite verify` runs the same steps on an answer written elsewhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from medcite.core.protocols import Verifier
from medcite.core.types import (
    BOTTOM_LINE,
    Answer,
    AnswerSentence,
    Evidence,
    Hit,
    Reference,
    RemovedSentence,
)
from medcite.generation.abstention import abstained
from medcite.generation.compose import reading_order
from medcite.generation.grounding import (
    clean_citations,
    parse_cited_text,
    quote_in_passage,
    renumber_by_first_use,
)
from medcite.generation.injection import looks_like_instruction
from medcite.generation.sentences import split_sentences
from medcite.generation.verifier import WINDOW_SENTENCES, premise_windows

log = logging.getLogger(__name__)

# What the prompt tells a model to reply when the passages do not answer.
ABSTAIN_SENTENCE = "The provided guideline passages do not answer this question."
ABSTAIN_MODEL = (
    "The generator found no answer in the retrieved guideline passages; no answer is given "
    "rather than one that is not supported."
)
ABSTAIN_NOTHING_LEFT = (
    "No sentence of the drafted answer survived verification against the cited passages "
    "({removed} removed); no answer is given rather than one that is not supported."
)
ABSTAIN_NO_BOTTOM_LINE = (
    "The drafted bottom line was not supported by the passages it cites, so the answer is "
    "withheld ({removed} of {total} sentences removed)."
)
FLAGGED = "Possibly unsupported by its citations (judge score {score:.2f}): {text}"

# '(quote: "...")' after a sentence: the verbatim words it relies on (see generation.prompt).
_QUOTE = re.compile(
    r"\s*\((?:quote|evidence|source\s+text)\s*:\s*[\"“”'‘]?(?P<q>.+?)[\"“”'’]?\s*\)",
    re.IGNORECASE | re.DOTALL,
)
_TOKEN = re.compile(r"⟦(\d+)⟧")
_AFTER_PERIOD = re.compile(r"([.!?])\s*(⟦\d+⟧(?:\s*⟦\d+⟧)*)")


@dataclass(frozen=True, slots=True)
class Policy:
    """How strictly a draft is checked. `require_quotes`: a sentence without a quote is
    dropped (generative backends are asked for one). `unsupported`: "remove" drops what the
    judge does not support; "flag" keeps it and adds a warning."""

    require_quotes: bool = True
    unsupported: str = "remove"
    use_judge: bool = True


def pull_quotes(text: str) -> tuple[str, list[str]]:
    """Replace each quote by a token the sentence splitter keeps with its sentence."""
    quotes: list[str] = []

    def token(match: re.Match[str]) -> str:
        quotes.append(" ".join(match.group("q").split()))
        return f" ⟦{len(quotes) - 1}⟧"

    tokenised = _QUOTE.sub(token, text)
    # 'Claim [1]. (quote: "...")': the quote belongs to the claim before the period
    return _AFTER_PERIOD.sub(r" \2\1", tokenised), quotes


Quoted = list[tuple[AnswerSentence, list[str]]]  # a sentence and the quotes it gave


def _without_tokens(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(_TOKEN.sub("", text).split()))


def with_quotes(sentences: list[AnswerSentence], quotes: list[str]) -> Quoted:
    out: Quoted = []
    for s in sentences:
        found = [quotes[int(i)] for i in _TOKEN.findall(s.text)]
        out.append((replace(s, text=_without_tokens(s.text)), found))
    return out


def data_only(passage: str) -> str:
    """The passage without sentences addressed to a reader or a model (a judge premise)."""
    sentences = split_sentences(passage)
    if not any(looks_like_instruction(s) for s in sentences):
        return passage
    return " ".join(s for s in sentences if not looks_like_instruction(s))


def _is_abstention(sentences: Sequence[AnswerSentence]) -> bool:
    key = ABSTAIN_SENTENCE.lower().rstrip(".")
    return any(key in s.text.lower() for s in sentences) and all(not s.citations for s in sentences)


@dataclass(slots=True)
class _Checked:
    sentence: AnswerSentence
    evidence: list[Evidence]
    score: float | None = None


def _removed(s: AnswerSentence, reason: str, score: float | None = None) -> RemovedSentence:
    return RemovedSentence(text=s.text, citations=s.citations, reason=reason, score=score)


def _exact_checks(
    pairs: Quoted, hits: Sequence[Hit], policy: Policy
) -> tuple[list[_Checked], list[RemovedSentence]]:
    """Steps 3 and 4: planted instructions and the verbatim quote check."""
    kept: list[_Checked] = []
    removed: list[RemovedSentence] = []
    for sentence, quotes in pairs:
        if looks_like_instruction(sentence.text) or any(looks_like_instruction(q) for q in quotes):
            removed.append(_removed(sentence, "instruction"))
            continue
        evidence: list[Evidence] = []
        for n in sentence.citations:
            found = first_evidence(n, hits[n - 1].chunk.text, quotes or [sentence.text])
            if found is not None:
                evidence.append(found)
        if policy.require_quotes and not quotes:
            removed.append(_removed(sentence, "no_quote"))
        elif quotes and not evidence:
            removed.append(_removed(sentence, "quote_not_found"))
        else:
            kept.append(_Checked(sentence, evidence))
    return kept, removed


def first_evidence(n: int, passage: str, texts: Sequence[str]) -> Evidence | None:
    """Passage [n]'s span of the first of `texts` found in it (a quote the model gave, the
    sentence itself, or the judge's best window), with the passage's own words."""
    for text in texts:
        span = quote_in_passage(text, passage)
        if span is not None:
            start, end = span
            return Evidence(n=n, start=start, end=end, quote=passage[start:end])
    return None


def best_window(judge: Verifier, claim: str, passage: str) -> tuple[float, str]:
    """The judge's best-scoring window of `passage` for `claim` (instructions left out)."""
    windows = premise_windows(data_only(passage), getattr(judge, "window", WINDOW_SENTENCES))
    scores = judge.scores([(w, claim) for w in windows])
    best = max(range(len(windows)), key=lambda i: scores[i])
    return scores[best], windows[best]


def _judge(checked: list[_Checked], hits: Sequence[Hit], judge: Verifier) -> None:
    """Step 5: score each sentence against its quotes and its cited passages; fill in the
    evidence span from the best window when no quote gave one."""
    for item in checked:
        claim = item.sentence.text
        premises = [e.quote for e in item.evidence]
        best = max(judge.scores([(q, claim) for q in premises]), default=0.0)
        for n in item.sentence.citations:
            score, window = best_window(judge, claim, hits[n - 1].chunk.text)
            best = max(best, score)
            if not any(e.n == n for e in item.evidence):
                found = first_evidence(n, hits[n - 1].chunk.text, [window])
                if found is not None:
                    item.evidence.append(found)
        item.score = best


def enforce_grounding(
    question: str,
    draft: str,
    hits: Sequence[Hit],
    judge: Verifier | None,
    generator: str,
    policy: Policy | None = None,
) -> Answer:
    """Turn a drafted reply (Markdown with [n] markers over `hits` numbered 1..len(hits)) into
    an Answer in which every sentence survived every check, or an abstention that says why."""
    policy = policy or Policy()
    text, quotes = pull_quotes(draft)
    parsed = parse_cited_text(text)
    if not parsed or _is_abstention(parsed):
        return abstained(question, hits, ABSTAIN_MODEL, generator)
    cited, dropped = clean_citations(parsed, len(hits))
    removed = [_removed(s, reason) for s, reason in dropped]
    pairs = with_quotes(cited, quotes)
    checked, exact_removed = _exact_checks(pairs, hits, policy)
    removed += exact_removed
    warnings: list[str] = []
    if policy.use_judge and judge is not None and checked:
        _judge(checked, hits, judge)
        survivors: list[_Checked] = []
        for item in checked:
            assert item.score is not None
            if item.score >= judge.threshold:
                survivors.append(item)
            elif policy.unsupported == "flag":
                survivors.append(item)
                warnings.append(FLAGGED.format(score=item.score, text=item.sentence.text))
            else:
                removed.append(_removed(item.sentence, "unsupported", item.score))
        checked = survivors
    return _finish(question, parsed, checked, removed, warnings, hits, generator)


def _finish(
    question: str,
    parsed: list[AnswerSentence],
    checked: list[_Checked],
    removed: list[RemovedSentence],
    warnings: list[str],
    hits: Sequence[Hit],
    generator: str,
) -> Answer:
    total = len(parsed)
    removed = [replace(r, text=_without_tokens(r.text)) for r in removed]
    if not checked:
        return replace(
            abstained(question, hits, ABSTAIN_NOTHING_LEFT.format(removed=len(removed)), generator),
            removed=removed,
        )
    drafted_bottom = any(s.part == BOTTOM_LINE for s in parsed)
    if drafted_bottom and not any(c.sentence.part == BOTTOM_LINE for c in checked):
        reason = ABSTAIN_NO_BOTTOM_LINE.format(removed=len(removed), total=total)
        return replace(abstained(question, hits, reason, generator), removed=removed)
    sentences = [replace(c.sentence, evidence=tuple(c.evidence)) for c in checked]
    if not drafted_bottom:  # an unstructured reply: its first sentence leads
        sentences[0] = replace(sentences[0], part=BOTTOM_LINE, heading="")
    sentences = reading_order(sentences, lambda s: s.part, lambda s: s.heading)
    renumbered, mapping = renumber_by_first_use(sentences)
    renumbered = [
        replace(s, evidence=tuple(replace(e, n=mapping[e.n]) for e in s.evidence if e.n in mapping))
        for s in renumbered
    ]
    references = [
        Reference(n=new, hit=hits[old - 1]) for old, new in sorted(mapping.items(), key=lambda p: p[1])
    ]
    return Answer(
        question=question,
        sentences=renumbered,
        references=references,
        abstained=False,
        generator=generator,
        retrieved=list(hits),
        warnings=warnings,
        removed=removed,
    )
