"""The answer page layout: reading order, numbering by first use, evidence spans, pitfalls,
tried options and superseded-guideline warnings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from medcite.core.types import BOTTOM_LINE, PITFALL, SECTION, Answer, Chunk, Document, Hit
from medcite.generation.compose import (
    Placed,
    is_caution,
    lay_out,
    mentions_tried,
    superseded_warnings,
    tried_terms,
)


def _hit(chunk_id: str, text: str, section: str, note: str = "", year: int | None = 2022) -> Hit:
    doc = Document(
        chunk_id.split(":")[0], "Pain guideline", "Example", str(year), year, "", "", "", "md", "h"
    )
    chunk = Chunk(chunk_id, doc.doc_id, 0, text, section, None, None, 0, len(text), 10)
    return Hit(chunk=chunk, document=doc, score=1.0, rank=1, note=note)


A = _hit(
    "a:0",
    "Intro words. Methadone is a fourth-line option. Monitor closely for QT prolongation.",
    "Pain > Fourth-line",
)
B = _hit("b:0", "Capsaicin 8% patches suit focal pain.", "Pain > Topical")


def test_lay_out_orders_the_page_and_numbers_references_by_first_use() -> None:
    placed = [
        Placed("Capsaicin 8% patches suit focal pain.", B, SECTION),
        Placed("Monitor closely for QT prolongation.", A, PITFALL),
        Placed("Methadone is a fourth-line option.", A, BOTTOM_LINE),
    ]
    sentences, references = lay_out(placed)
    assert [s.part for s in sentences] == [BOTTOM_LINE, SECTION, PITFALL]
    assert [s.citations for s in sentences] == [(1,), (2,), (1,)]  # A is used first (bottom line)
    assert [r.hit.chunk.chunk_id for r in references] == ["a:0", "b:0"]
    assert sentences[1].heading == "Topical" and sentences[0].heading == ""
    for s in sentences:
        (ev,) = s.evidence
        passage = references[ev.n - 1].hit.chunk.text
        assert passage[ev.start : ev.end] == s.text == ev.quote
    answer = Answer("q", sentences, references, abstained=False)
    assert [sec.heading for sec in answer.sections] == ["Topical"]
    assert answer.bottom_line == sentences[:1] and answer.pitfalls == sentences[2:]
    assert answer.disclaimer.startswith("Not medical advice")


def test_a_sentence_that_is_not_verbatim_gets_no_evidence_span() -> None:
    (s,), _ = lay_out([Placed("Methadone is a first-line option.", A, BOTTOM_LINE)])
    assert s.evidence == ()


@pytest.mark.parametrize(
    ("text", "caution"),
    [
        ("Avoid benzodiazepines with opioids.", True),
        ("Opioids should not be used for chronic low back pain.", True),
        ("NSAIDs are contraindicated in severe renal impairment.", True),
        ("Methadone needs close monitoring of the QT interval.", True),
        ("Offer a statin to adults aged 40 to 75.", False),
        ("Home blood pressure monitoring is recommended to confirm the diagnosis.", False),
    ],
)
def test_cautions_are_told_from_recommendations(text: str, caution: bool) -> None:
    assert is_caution(text) is caution


def test_tried_options_are_matched_by_brand_and_generic_name() -> None:
    tried = tried_terms(["first-line treatments such as Neurontin", "duloxetine (Cymbalta)"])
    assert mentions_tried("Gabapentin is first-line.", tried)  # Neurontin -> gabapentin
    assert mentions_tried("Duloxetine 60 mg daily.", tried)
    assert not mentions_tried("Methadone is a fourth-line treatment option.", tried)  # generic words ignored
    assert not mentions_tried("Anything at all.", set())


def test_superseded_passages_get_a_warning() -> None:
    old = replace(A, note="superseded by b (2022), a newer version of this guideline")
    _, refs = lay_out([Placed("Methadone is a fourth-line option.", old, BOTTOM_LINE)])
    (warning,) = superseded_warnings(refs)
    assert warning.startswith("[1] cites Pain guideline (2022)") and "superseded by b" in warning
    _, fresh = lay_out([Placed("Methadone is a fourth-line option.", A, BOTTOM_LINE)])
    assert superseded_warnings(fresh) == []
