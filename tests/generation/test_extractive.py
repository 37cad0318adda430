"""Grounded answers on the starter corpus, and the citation checker catching bad answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from medcite.api.schemas import AnswerOut
from medcite.core.types import BOTTOM_LINE, Answer, AnswerSentence
from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION
from medcite.generation.grounding import check_grounding, parse_cited_text
from medcite.generation.render import to_markdown

SEED = SEED_QUESTION
QUESTIONS = [
    SEED,
    "What blood pressure target does the ACC/AHA guideline recommend for most adults?",
    "At what age should colorectal cancer screening start?",
    "Which drugs are first-line for chronic low back pain after nonpharmacologic therapy fails?",
    "What HbA1c level diagnoses diabetes?",
    "Should clinicians offer naloxone to patients on opioids?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_sentence_is_cited_and_every_number_exists(
    starter_engine: Engine, question: str, assert_grounded: Callable[[Answer], None]
) -> None:
    assert_grounded(starter_engine.ask(question))


def test_seed_question_gets_the_answer_page_shape(starter_engine: Engine) -> None:
    """The issue's target shape: a bottom line that names the fourth-line options and
    specialist referral, never an option the question lists as already tried; sections and
    pitfalls; evidence spans; the disclaimer."""
    answer = starter_engine.ask(SEED)
    first = answer.sentences[0]
    assert first.part == BOTTOM_LINE and "fourth-line" in first.text and "methadone" in first.text
    ref = answer.references[first.citations[0] - 1]
    assert ref.hit.document.doc_id == "neuropathic-pain"
    assert ref.hit.chunk.section == "Fourth-line treatment"
    bottom = " ".join(s.text for s in answer.bottom_line).lower()
    assert "interdisciplinary" in bottom or "spinal cord stimulation" in bottom or "specialist" in bottom
    for tried in ("gabapentin", "pregabalin", "duloxetine", "tramadol", "tapentadol", "lidocaine"):
        assert tried not in bottom
    tried_names = ("gabapentin", "pregabalin", "duloxetine", "tramadol", "tapentadol", "lidocaine")
    about_tried = [s for s in answer.sentences if any(t in s.text.lower() for t in tried_names)]
    assert len(about_tried) <= 1, about_tried  # context at most: the answer spends itself on what is asked
    body = " ".join(s.text for s in answer.sentences).lower()
    assert answer.sections and answer.pitfalls
    assert "botulinum toxin" in body
    for s in answer.sentences:
        (ev,) = s.evidence
        assert answer.references[ev.n - 1].hit.chunk.text[ev.start : ev.end] == s.text
    page = to_markdown(answer)
    assert page.index("**Bottom line:**") < page.index("### Pitfalls") < page.index("**References**")
    assert "Fourth-line treatment" in page and answer.disclaimer in page
    out = AnswerOut.of(answer).model_dump()
    assert out["schema_version"] == 2 and out["disclaimer"]
    assert [s["text"] for s in out["bottom_line"]] == [s.text for s in answer.bottom_line]
    assert sum(len(sec["sentences"]) for sec in out["sections"]) + len(out["bottom_line"]) + len(
        out["pitfalls"]
    ) == len(out["sentences"])


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "How do I replace the timing belt on a 2009 Honda Civic?"],
)
def test_abstains_when_guidelines_do_not_cover_it(starter_engine: Engine, question: str) -> None:
    answer = starter_engine.ask(question)
    assert answer.abstained and not answer.sentences and not answer.references
    assert "do not contain enough evidence" in answer.abstain_reason
    out = AnswerOut.of(answer)
    assert out.abstained and out.answer == answer.abstain_reason


def test_checker_catches_uncited_and_out_of_range_citations(starter_engine: Engine) -> None:
    good = starter_engine.ask(QUESTIONS[1])
    fabricated = replace(good, sentences=[*good.sentences, AnswerSentence("Aspirin cures hypertension.", ())])
    out_of_range = replace(
        good, sentences=[AnswerSentence(good.sentences[0].text, (len(good.references) + 3,))]
    )
    empty = replace(good, sentences=[])
    assert [p.kind for p in check_grounding(fabricated)] == ["uncited"]
    assert [p.kind for p in check_grounding(out_of_range)] == ["unknown_reference"]
    assert [p.kind for p in check_grounding(empty)] == ["no_sentences"]


def test_parse_cited_text_reads_every_line_and_trailing_markers() -> None:
    text = "- First claim [1].\n- Second claim. [2]\nThird claim without citation.\nFourth [1, 3][4-5]."
    parsed = parse_cited_text(text)
    assert [(p.text, p.citations) for p in parsed] == [
        ("First claim.", (1,)),
        ("Second claim.", (2,)),
        ("Third claim without citation.", ()),
        ("Fourth.", (1, 3, 4, 5)),
    ]
