"""Query understanding, section priors, version preference and diversity: focused unit tests."""

from __future__ import annotations

import numpy as np
import pytest

from medcite.core.text import release_year, without_years, years_in
from medcite.core.types import Chunk, Document, Hit
from medcite.retrieval.diversity import cap_per_document, drop_near_duplicates
from medcite.retrieval.priors import is_administrative, section_weight
from medcite.retrieval.query import replace_brands, synonyms_for, understand
from medcite.retrieval.versions import prefer_versions, same_guideline
from medcite.store.vector_index import VectorIndex

SEED = (
    "What is a fourth-line option for treatment-resistant peripheral neuropathy after "
    "gabapentinoids, SNRIs, tramadol and topical agents?"
)


def test_seed_question_splits_the_tried_list_from_what_is_asked() -> None:
    plan = understand(SEED)
    assert plan.focus == "What is a fourth-line option for treatment-resistant peripheral neuropathy?"
    assert plan.tried == ("gabapentinoids", "SNRIs", "tramadol", "topical agents")


@pytest.mark.parametrize(
    ("question", "tried"),
    [
        (
            "Patient already tried Neurontin and Cymbalta for diabetic neuropathy; what next?",
            ("Neurontin", "Cymbalta"),
        ),
        ("Which drug for hypertension in patients intolerant of ACE inhibitors?", ("ACE inhibitors",)),
        ("What are options other than opioids for chronic low back pain?", ("opioids",)),
    ],
)
def test_tried_cues(question: str, tried: tuple[str, ...]) -> None:
    plan = understand(question)
    assert plan.tried == tried
    assert all(t not in plan.focus for t in tried)


@pytest.mark.parametrize(
    "question",
    [
        "When should women stop cervical screening after age 65 and after a hysterectomy?",
        "How soon after delivery should women with gestational diabetes be tested?",
        "Should adults without respiratory symptoms be screened for COPD?",
    ],
)
def test_after_without_a_list_of_therapies_is_not_a_tried_list(question: str) -> None:
    plan = understand(question)
    assert plan.tried == ()
    assert plan.focus == question


def test_synonyms_expand_brands_abbreviations_and_spelled_out_forms() -> None:
    assert "gabapentin" in synonyms_for("Is Neurontin effective?")
    assert "chronic obstructive pulmonary disease" in synonyms_for("screening for COPD")
    assert "copd" in synonyms_for("chronic obstructive pulmonary disease in smokers")
    # lower-case words that happen to be abbreviations stay words; two-letter ones are not expanded
    assert synonyms_for("patients who smoke") == []
    assert synonyms_for("a CT scan") == []
    # nothing the text already says
    assert synonyms_for("gabapentin (Neurontin)") == []


def test_dense_text_uses_generic_names_and_the_focus() -> None:
    plan = understand(
        "Is Lyrica better than Cymbalta for fibromyalgia after failure of amitriptyline and exercise?"
    )
    assert plan.dense_text == "Is pregabalin better than duloxetine for fibromyalgia?"
    assert replace_brands("XYLOCAINE patch") == "lidocaine patch"


def test_years_named_in_the_question_and_in_release_strings() -> None:
    """One year rule for questions, release strings and version titles (core.text)."""
    assert years_in("Under the 2016 CDC guideline, how many days?") == (2016,)
    assert years_in("a 1200 mg dose for 30 days") == ()  # 1950-2099 only
    assert release_year("2006 (revised 2015 Aug)") == 2015 and release_year("") is None
    assert without_years("CDC guideline 2016") == without_years("CDC guideline 2022")


def test_administrative_sections() -> None:
    assert is_administrative("Methodology > Description of Methods Used to Collect/Select the Evidence")
    assert is_administrative("Scope > Intended Users")
    assert is_administrative("Identifying Information and Availability > Source(s) of Funding")
    assert not is_administrative("Recommendations > Major Recommendations")
    assert not is_administrative("Scope > Target Population")
    assert not is_administrative("Declarations of interest; Executive Summary")  # one useful label
    assert section_weight("Methodology", 0.7) == 0.7
    assert section_weight("Recommendations", 0.7) == 1.0


def _doc(doc_id: str, title: str, developer: str, year: int | None, **extra: str) -> Document:
    return Document(
        doc_id=doc_id,
        title=title,
        developer=developer,
        released=str(year),
        year=year,
        source="",
        copyright="",
        path="",
        format="html",
        content_hash=doc_id,
        extra=dict(extra),
    )


def _hit(doc: Document, score: float, row_id: int = 0, ordinal: int = 0) -> Hit:
    chunk = Chunk(
        chunk_id=f"{doc.doc_id}:{ordinal}",
        doc_id=doc.doc_id,
        ordinal=ordinal,
        text="t",
        section="",
        page_start=None,
        page_end=None,
        char_start=0,
        char_end=1,
        n_tokens=1,
    )
    return Hit(chunk=chunk, document=doc, score=score, rank=0, row_id=row_id)


CDC_2016 = _doc(
    "ngc-10953",
    "CDC guideline for prescribing opioids for chronic pain — United States, 2016.",
    "Centers for Disease Control and Prevention - Federal Government Agency [U.S.]",
    2016,
)
CDC_2022 = _doc(
    "cdc-2022",
    "CDC Clinical Practice Guideline for Prescribing Opioids for Pain — United States, 2022",
    "Centers for Disease Control and Prevention",
    2022,
)
SKIN_2016 = _doc("ngc-11023", "Final recommendation statement: skin cancer: screening.", "USPSTF", 2016)
SKIN_2018 = _doc(
    "ngc-11379",
    "Final recommendation statement: skin cancer prevention: behavioral counseling.",
    "USPSTF",
    2018,
)


def test_versions_of_one_guideline_are_recognised_and_different_guidelines_are_not() -> None:
    assert same_guideline(CDC_2016, CDC_2022)
    assert not same_guideline(SKIN_2016, SKIN_2018)  # screening vs counselling: two guidelines
    declared = _doc("new", "Totally renamed", "Other", 2024, supersedes="ngc-11023")
    assert same_guideline(declared, SKIN_2016)


def test_newer_version_is_preferred_and_says_so() -> None:
    hits = [_hit(CDC_2016, 1.0), _hit(CDC_2022, 0.9)]
    out = prefer_versions(hits, years=(), older_weight=0.8)
    assert [h.document.doc_id for h in out] == ["cdc-2022", "ngc-10953"]
    assert "superseded by cdc-2022 (2022)" in out[1].note
    assert out[0].note == ""


def test_question_naming_the_older_year_keeps_the_older_version_first() -> None:
    hits = [_hit(CDC_2016, 1.0), _hit(CDC_2022, 0.9)]
    out = prefer_versions(hits, years=(2016,), older_weight=0.8)
    assert [h.document.doc_id for h in out] == ["ngc-10953", "cdc-2022"]
    assert "names 2016" in out[1].note


def test_unrelated_documents_are_left_alone() -> None:
    hits = [_hit(SKIN_2016, 1.0), _hit(SKIN_2018, 0.9)]
    assert prefer_versions(hits, years=(), older_weight=0.5) == hits


def test_near_duplicates_are_dropped_and_per_document_cap_moves_extras_back() -> None:
    index = VectorIndex.empty(2)
    index.add([1, 2, 3], np.array([[1, 0], [0.999, 0.0447], [0, 1]], dtype=np.float32))
    hits = [_hit(CDC_2016, 3, row_id=1), _hit(CDC_2022, 2, row_id=2), _hit(CDC_2022, 1, row_id=3, ordinal=1)]
    kept = drop_near_duplicates(hits, index, max_cosine=0.99)
    assert [h.row_id for h in kept] == [1, 3]
    capped = cap_per_document([hits[1], hits[2], hits[0]], cap=1)
    assert [h.row_id for h in capped] == [2, 1, 3]


def test_generic_titles_that_differ_only_by_an_id_are_not_versions() -> None:
    a = _doc("pmid-1", "PubMed abstract 10340286", "PubMed", 1999)
    b = _doc("pmid-2", "PubMed abstract 10354335", "PubMed", 2001)
    assert not same_guideline(a, b)


def test_a_title_about_failure_is_not_a_tried_list() -> None:
    question = "Failed IUD insertions in community practice: an under-recognized problem?"
    assert understand(question).tried == ()
    assert understand("Best option for diabetes in a patient who failed metformin?").tried == ("metformin",)


def test_version_note_reaches_the_reference_list_and_the_json() -> None:
    from medcite.api.schemas import AnswerOut
    from medcite.core.types import Answer, AnswerSentence, Reference
    from medcite.generation.render import reference_line

    older = prefer_versions([_hit(CDC_2016, 1.0), _hit(CDC_2022, 0.9)], years=(), older_weight=0.8)[1]
    ref = Reference(n=1, hit=older)
    assert "(Note: superseded by cdc-2022 (2022)" in reference_line(ref)
    answer = Answer(
        question="q", sentences=[AnswerSentence(text="t.", citations=(1,))], references=[ref], abstained=False
    )
    assert AnswerOut.of(answer).references[0].note.startswith("superseded by cdc-2022")
