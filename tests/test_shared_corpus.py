"""End to end on the 109 real guideline documents in ../shared/corpus (skipped when absent)."""

from __future__ import annotations

import json

import pytest

from medcite.engine import Engine
from tests.conftest import REPO, SHARED_CORPUS
from tests.test_answer import SEED, assert_grounded

pytestmark = pytest.mark.slow

SANITY_SUITE = REPO / "eval" / "suites" / "shared-sanity-10.jsonl"
# (question, the document that answers it): written for medcite, not taken from the corpus.
RETRIEVAL_QUESTIONS = [
    (case["question"], case["doc_ids"][0]) for case in map(json.loads, SANITY_SUITE.read_text().splitlines())
]


@pytest.fixture(scope="module")
def engine(shared_engine: Engine) -> Engine:
    return shared_engine


def test_every_document_ingests_or_fails_with_a_named_error(engine: Engine) -> None:
    manifest = json.loads((SHARED_CORPUS / "manifest.json").read_text())
    expected = {entry["file"].rsplit("/", 1)[-1].rsplit(".", 1)[0] for entry in manifest}
    report = engine.last_report  # type: ignore[attr-defined]
    failed = {f.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]: f.error for f in report.failed}
    assert set(report.added) | set(failed) == expected
    assert all(error.endswith("Error") for error in failed.values())
    assert not failed, failed  # all 109 real documents are readable today
    docs = {d.doc_id: d for d in engine.documents()}
    assert docs["ngc-11313"].developer.startswith("Colorado Division of Workers' Compensation")
    assert docs["cdc-2022-opioids-chronic-pain-rr7103a1"].year == 2022
    assert all(d.n_chunks > 0 for d in docs.values())


def test_pdf_sentence_maps_to_its_page_and_section(engine: Engine) -> None:
    store = engine.snapshot().store
    needle = "immediate-release opioids instead of extended-release"
    chunks = [c for c in store.chunks_of("cdc-2022-opioids-chronic-pain-rr7103a1") if needle in c.text]
    assert chunks
    # Physical page 30 of the PDF (printed folio 28), checked against poppler's pdftotext.
    assert all(
        c.page_start is not None and c.page_start <= 30 <= (c.page_end or c.page_start) for c in chunks
    )
    assert any("Recommendation 3" in c.section for c in chunks)
    text = store.document_text("cdc-2022-opioids-chronic-pain-rr7103a1")
    for c in chunks:
        first = c.text.split("\n")[0]
        assert text[c.char_start : c.char_start + len(first)] == first


def test_html_chunk_has_its_section_path(engine: Engine) -> None:
    chunks = [
        c
        for c in engine.snapshot().store.chunks_of("ngc-11313")
        if "5% lidocaine patch may be used as a secondary option" in c.text
    ]
    assert chunks
    assert chunks[0].section == (
        "Recommendations > Major Recommendations > "
        "Evidence Statements Regarding Topical Drug Delivery: Lidocaine"
    )
    assert chunks[0].page_start is None


@pytest.mark.parametrize(("question", "doc_id"), RETRIEVAL_QUESTIONS)
def test_right_document_in_top_5(engine: Engine, question: str, doc_id: str) -> None:
    hits = engine.search(question, k=5)
    assert doc_id in [h.document.doc_id for h in hits]


def test_seed_question_finds_the_colorado_chronic_pain_guideline(engine: Engine) -> None:
    hits = engine.search(SEED, k=5)
    assert "ngc-11313" in [h.document.doc_id for h in hits]
    answer = engine.ask(SEED)
    assert_grounded(answer)
    assert "ngc-11313" in {r.hit.document.doc_id for r in answer.references}
