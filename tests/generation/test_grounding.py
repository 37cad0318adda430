"""Citation parsing, cleaning, renumbering and verbatim-quote checks on untrusted model text.

A model's reply reaches the user only through these functions, so each citation style they
must read has a test, and so does each look-alike (doses, years, exponents, units) they must
leave alone: a parser that is too greedy invents support a sentence does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from medcite.core.types import AnswerSentence
from medcite.generation.grounding import (
    clean_citations,
    parse_cited_text,
    quote_in_passage,
    renumber_by_first_use,
)


def _s(text: str, *citations: int) -> AnswerSentence:
    return AnswerSentence(text=text, citations=citations)


def _parsed(text: str) -> list[tuple[str, tuple[int, ...]]]:
    return [(p.text, p.citations) for p in parse_cited_text(text)]


@dataclass(frozen=True, slots=True)
class _QuotedSentence(AnswerSentence):
    """Stands in for a future AnswerSentence with extra fields: they must survive cleaning."""

    quote: str = ""


# --- parse_cited_text: every style a model writes ----------------------------------------
@pytest.mark.parametrize(
    ("text", "citations"),
    [
        ("Claim [1].", (1,)),
        ("Claim [1, 2].", (1, 2)),
        ("Claim [1;2].", (1, 2)),
        ("Claim [1][2].", (1, 2)),
        ("Claim [1-3].", (1, 2, 3)),
        ("Claim [1–3].", (1, 2, 3)),
        ("Claim [1, 3-4].", (1, 3, 4)),
        ("Claim 【1】.", (1,)),
        ("Claim 【1,2】.", (1, 2)),
        ("Claim 【1，2】.", (1, 2)),
        ("Claim 【１】.", (1,)),
        ("Claim 【3†source】.", (3,)),
        ("Claim ［1］.", (1,)),
        ("Claim¹.", (1,)),
        ("Claim.¹", (1,)),
        ("Claim¹².", (12,)),
        ("Claim¹˒².", (1, 2)),
        ("Claim¹,³.", (1, 3)),
        ("Claim¹⁻³.", (1, 2, 3)),
        ("Claim<sup>1</sup>.", (1,)),
        ("Claim<sup>1,2</sup>.", (1, 2)),
        ("Claim<SUP>2</SUP>.", (2,)),
        ("Claim<sup>[2]</sup>.", (2,)),
        ("Claim^1.", (1,)),
        ("Claim^1,2.", (1, 2)),
        ("Claim^[1].", (1,)),
        ("Claim [ref 1].", (1,)),
        ("Claim [Ref. 2].", (2,)),
        ("Claim [source 3].", (3,)),
        ("Claim [Passage 1].", (1,)),
        ("Claim [Sources 1, 2].", (1, 2)),
        ("Claim [Passages 1-2].", (1, 2)),
        ("Claim [Passage 1; Passage 3].", (1, 3)),
        ("Claim [Reference: 4].", (4,)),
    ],
)
def test_parse_reads_citation_style(text: str, citations: tuple[int, ...]) -> None:
    assert _parsed(text) == [("Claim.", citations)]


def test_parse_reads_superscript_after_a_word_containing_digits() -> None:
    assert _parsed("HbA1c fell².") == [("HbA1c fell.", (2,))]


@pytest.mark.parametrize(
    "text",
    [
        "Keep blood pressure below 140/90 mmHg.",
        "The guideline writes it as published [sic].",
        "The review was published (2019) by NICE.",
        "This is a Grade 1 recommendation.",
        "Give 2 mg twice daily.",
        "See [Table 2] and [Figure 3] for doses.",
        "Dose by body surface area in mg/m².",
        "Refer when eGFR is below 60 mL/min/1.73 m².",
        "Body mass index above 30 kg/m² counts as obesity.",
        "Lesions over 10 cm² need review.",
        "Heterogeneity was low (I² = 12%).",
        "The model fit was good (R² = 0.91).",
        "Serum Ca²⁺ and Mg²⁺ were normal.",
        "Sulfate SO₄²⁻ was measured.",
        "Stop if neutrophils fall below 1.5 × 10⁹/L.",
        "Infuse at 2 mL·kg⁻¹·h⁻¹ for one hour.",
        "Stop if neutrophils fall below 1.5 × 10^9/L.",
        "Body mass index above 30 kg/m^2 counts as obesity.",
        "Stop if neutrophils fall below 1.5 × 10<sup>9</sup>/L.",
        "Body mass index above 30 kg/m<sup>2</sup> counts as obesity.",
        "Use the formula x^2 for the area.",
    ],
)
def test_parse_leaves_numbers_that_are_not_citations(text: str) -> None:
    assert _parsed(text) == [(text, ())]


def test_parse_reads_bracketed_sup_after_a_letter_and_drops_the_empty_tag() -> None:
    assert _parsed("Take vitamin D<sup>[2]</sup>.") == [("Take vitamin D.", (2,))]


def test_parse_strips_numbered_list_bullets_without_citing_them() -> None:
    assert _parsed("1. Start metformin.\n2) Review in 3 months.") == [
        ("Start metformin.", ()),
        ("Review in 3 months.", ()),
    ]


def test_parse_removes_markers_and_fixes_space_before_punctuation() -> None:
    assert _parsed("Claim [1] , more 【2】 ; last [ref 3] .") == [("Claim, more; last.", (1, 2, 3))]


def test_parse_gives_marker_after_period_to_the_sentence_before() -> None:
    assert _parsed("First claim. [1] Second claim. [2]") == [("First claim.", (1,)), ("Second claim.", (2,))]


def test_parse_gives_superscript_after_period_to_the_sentence_before() -> None:
    assert _parsed("First claim.¹ Second claim.²") == [("First claim.", (1,)), ("Second claim.", (2,))]


def test_parse_keeps_a_line_opening_marker_with_its_own_sentence() -> None:
    assert _parsed("- Claim one.\n[2] Claim two.") == [("Claim one.", ()), ("Claim two.", (2,))]


def test_parse_deduplicates_citations_in_first_seen_order() -> None:
    assert _parsed("Claim [2][1, 2]¹.") == [("Claim.", (2, 1))]


def test_parse_does_not_expand_an_absurd_range() -> None:
    assert _parsed("Claim [2-300].") == [("Claim.", (2, 300))]


def test_parse_does_not_expand_a_reversed_range() -> None:
    assert _parsed("Claim [3-1].") == [("Claim.", (3, 1))]


def test_parse_superscript_range_after_period_then_next_sentence() -> None:
    assert _parsed("Statins lower risk.¹⁻³ Aspirin does not.⁴") == [
        ("Statins lower risk.", (1, 2, 3)),
        ("Aspirin does not.", (4,)),
    ]


# --- clean_citations ----------------------------------------------------------------------
def test_clean_keeps_sentences_whose_citations_exist() -> None:
    sentences = [_s("A.", 1), _s("B.", 2, 5)]
    assert clean_citations(sentences, 5) == (sentences, [])


def test_clean_removes_out_of_range_number_and_keeps_the_sentence() -> None:
    assert clean_citations([_s("A.", 1, 9)], 5) == ([_s("A.", 1)], [])


def test_clean_drops_sentence_citing_only_unknown_passages() -> None:
    sentence = _s("A.", 9, 6)
    assert clean_citations([sentence], 5) == ([], [(sentence, "unknown_reference")])


def test_clean_treats_zero_as_unknown() -> None:
    sentence = _s("A.", 0)
    assert clean_citations([sentence], 5) == ([], [(sentence, "unknown_reference")])


def test_clean_drops_uncited_sentence() -> None:
    sentence = _s("A.")
    assert clean_citations([sentence], 5) == ([], [(sentence, "uncited")])


def test_clean_caps_citations_at_first_three_in_order() -> None:
    assert clean_citations([_s("A.", 4, 2, 5, 1)], 5)[0] == [_s("A.", 4, 2, 5)]


def test_clean_caps_after_removing_unknown_numbers() -> None:
    assert clean_citations([_s("A.", 9, 1, 2, 3, 4)], 5)[0] == [_s("A.", 1, 2, 3)]


def test_clean_collapses_duplicate_numbers_before_capping() -> None:
    assert clean_citations([_s("A.", 2, 2, 3, 3, 4)], 5)[0] == [_s("A.", 2, 3, 4)]


def test_clean_keeps_order_of_kept_and_dropped() -> None:
    kept, dropped = clean_citations([_s("A.", 1), _s("B."), _s("C.", 2), _s("D.", 7)], 2)
    assert [s.text for s in kept] == ["A.", "C."]
    assert [(s.text, why) for s, why in dropped] == [("B.", "uncited"), ("D.", "unknown_reference")]


def test_clean_keeps_extra_sentence_fields() -> None:
    kept, _ = clean_citations([_QuotedSentence(text="A.", citations=(1, 8), quote="q")], 3)
    assert kept == [_QuotedSentence(text="A.", citations=(1,), quote="q")]


# --- renumber_by_first_use ----------------------------------------------------------------
def test_renumber_orders_by_first_use() -> None:
    renumbered, mapping = renumber_by_first_use([_s("A.", 3), _s("B.", 1, 3), _s("C.", 5)])
    assert renumbered == [_s("A.", 1), _s("B.", 2, 1), _s("C.", 3)]
    assert mapping == {3: 1, 1: 2, 5: 3}


def test_renumber_is_identity_when_already_in_order() -> None:
    sentences = [_s("A.", 1), _s("B.", 2, 1)]
    assert renumber_by_first_use(sentences) == (sentences, {1: 1, 2: 2})


def test_renumber_passes_uncited_sentence_through() -> None:
    assert renumber_by_first_use([_s("A."), _s("B.", 4)]) == ([_s("A."), _s("B.", 1)], {4: 1})


def test_renumber_of_nothing_is_empty() -> None:
    assert renumber_by_first_use([]) == ([], {})


def test_renumber_keeps_extra_sentence_fields() -> None:
    renumbered, _ = renumber_by_first_use([_QuotedSentence(text="A.", citations=(4,), quote="q")])
    assert renumbered == [_QuotedSentence(text="A.", citations=(1,), quote="q")]


def test_model_reply_parsed_cleaned_and_renumbered() -> None:
    """The order a backend's reply goes through: parse, clean against 4 passages, renumber."""
    kept, dropped = clean_citations(parse_cited_text("Use A.【3】 Avoid B [9]. Check CRP¹˒³. Also D."), 4)
    renumbered, mapping = renumber_by_first_use(kept)
    assert [(s.text, s.citations) for s in renumbered] == [("Use A.", (1,)), ("Check CRP.", (2, 1))]
    assert mapping == {3: 1, 1: 2}
    assert [(s.text, why) for s, why in dropped] == [
        ("Avoid B.", "unknown_reference"),
        ("Also D.", "uncited"),
    ]


# --- quote_in_passage ---------------------------------------------------------------------
def _span(quote: str, passage: str) -> str | None:
    found = quote_in_passage(quote, passage)
    return None if found is None else passage[found[0] : found[1]]


def test_quote_found_verbatim_returns_original_offsets() -> None:
    passage = "In adults, offer a statin to lower cardiovascular risk."
    assert quote_in_passage("offer a statin", passage) == (11, 25)


def test_quote_ignores_case() -> None:
    assert _span("OFFER A STATIN", "In adults, offer a statin.") == "offer a statin"


def test_quote_folds_whitespace_runs_and_newlines() -> None:
    passage = "Aim to lower  blood\npressure in\tadults over 80."
    assert _span("lower blood pressure in adults", passage) == "lower  blood\npressure in\tadults"


def test_quote_folds_curly_quotes() -> None:
    passage = "The so-called “white coat” effect is common."
    assert _span('the so-called "white coat" effect', passage) == "The so-called “white coat” effect"


def test_quote_folds_en_and_em_dashes() -> None:
    assert _span("doses of 5-10 mg daily", "Give doses of 5–10 mg daily.") == "doses of 5–10 mg daily"
    assert _span("risk - not benefit - dominates", "The risk — not benefit — dominates.") == (
        "risk — not benefit — dominates"
    )


def test_quote_ignores_soft_hyphens() -> None:
    assert _span("hypertension is common", "Hyper\u00adtension is common.") == "Hyper\u00adtension is common"


def test_quote_joins_line_break_hyphenation() -> None:
    assert _span("hypertension is common", "Hyper-\ntension is common.") == "Hyper-\ntension is common"


def test_quote_joins_soft_hyphen_at_line_break() -> None:
    assert (
        _span("hypertension is common", "Hyper\u00ad\ntension is common.") == "Hyper\u00ad\ntension is common"
    )


def test_quote_keeps_a_real_hyphen_split_at_a_line_break() -> None:
    passage = "Offer anti-\ninflammatory drugs first."
    assert _span("anti-inflammatory drugs first", passage) == "anti-\ninflammatory drugs first"


def test_quote_does_not_drop_a_hyphen_inside_a_line() -> None:
    assert quote_in_passage("hypertension is common", "Hyper-tension is common.") is None


def test_quote_ignores_its_trailing_punctuation_and_quotation_marks() -> None:
    passage = "Hypertension is common in adults over 60 years."
    assert _span("hypertension is common.", passage) == "Hypertension is common"
    assert _span('"Hypertension is common;"', passage) == "Hypertension is common"


def test_quote_offsets_skip_expanded_and_invisible_characters_before_it() -> None:
    passage = "Note:\u00ad  some\u200bwhat   signiﬁcant. The risk of falls rises."
    assert _span("the risk of falls", passage) == "The risk of falls"


def test_quote_folds_ligatures_from_pdf_text() -> None:
    assert _span("significant risk of falls", "A signiﬁcant risk of falls.") == "signiﬁcant risk of falls"


def test_quote_absent_from_passage_is_none() -> None:
    assert quote_in_passage("offer aspirin to adults", "Offer a statin to adults.") is None


def test_quote_with_a_word_changed_is_none() -> None:
    assert quote_in_passage("is not common in adults", "Hypertension is common in adults.") is None


def test_quote_must_not_start_inside_a_word() -> None:
    assert quote_in_passage("appropriate in adults", "It is inappropriate in adults.") is None


def test_quote_must_not_end_inside_a_word() -> None:
    assert quote_in_passage("common in adult", "Hypertension is common in adults.") is None


def test_quote_skips_a_word_cutting_match_for_a_later_whole_one() -> None:
    passage = "Inappropriate in adults. Appropriate in adults."
    assert quote_in_passage("appropriate in adults", passage) == (25, 46)


@pytest.mark.parametrize("quote", ["", "   ", "is common", "common.", "- - is"])
def test_quote_under_three_words_is_none(quote: str) -> None:
    assert quote_in_passage(quote, "Hypertension is common. - - is common.") is None


# --- the answer page's Markdown layout ------------------------------------------------------


def test_layout_labels_and_headings_place_sentences_and_are_not_sentences() -> None:
    text = (
        "**Bottom line:** Methadone is fourth-line [1]. Refer to a specialist [2].\n\n"
        "### Fourth-line options\n- Botulinum toxin A helps focal pain [3].\n\n"
        "**Pitfalls**\n- Opioids carry risks [1].\n\n## References\n1. Moulin D. Pain guideline. 2014."
    )
    parsed = parse_cited_text(text)
    assert [(p.part, p.heading, p.text, p.citations) for p in parsed] == [
        ("bottom_line", "", "Methadone is fourth-line.", (1,)),
        ("bottom_line", "", "Refer to a specialist.", (2,)),
        ("section", "Fourth-line options", "Botulinum toxin A helps focal pain.", (3,)),
        ("pitfall", "", "Opioids carry risks.", (1,)),
    ]


def test_a_sentence_that_starts_with_summary_is_not_a_label() -> None:
    (p,) = parse_cited_text("Summary statistics favour statins [1].")
    assert p.text == "Summary statistics favour statins." and p.part == "section"


def test_the_page_body_round_trips_through_the_parser() -> None:
    from medcite.core.serialize import answer_body
    from medcite.core.types import BOTTOM_LINE, PITFALL, SECTION, Answer

    sentences = [
        AnswerSentence(text="Methadone is fourth-line.", citations=(1,), part=BOTTOM_LINE),
        AnswerSentence(text="Botox helps focal pain.", citations=(2,), part=SECTION, heading="Injected"),
        AnswerSentence(text="Capsaicin 8% patches help.", citations=(2, 1), part=SECTION, heading="Topical"),
        AnswerSentence(text="Watch the QT interval.", citations=(1,), part=PITFALL),
    ]
    answer = Answer("q", sentences, [], abstained=False)
    parsed = parse_cited_text(answer_body(answer))
    assert [(p.text, p.citations, p.part, p.heading) for p in parsed] == [
        (s.text, s.citations, s.part, s.heading) for s in sentences
    ]
