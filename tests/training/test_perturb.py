"""Each claim generator makes exactly the change it claims, on real guideline sentences."""

from __future__ import annotations

import random
import re

import pytest

from medcite.generation.verifier import numbers_in
from medcite.retrieval.vocabulary import ABBREVIATIONS, BRAND_TO_GENERIC, ENTITY_CLASSES, canonical_entity
from medcite.training.judge_data import (
    V1_SUPPORTED,
    V1_UNSUPPORTED,
    V2_REWRITE_UNSUPPORTED,
    V3_SUPPORTED,
    V3_UNSUPPORTED,
    build_pairs,
)
from medcite.training.perturb import PERTURBATIONS, SUPPORTED_KINDS, UNSUPPORTED_KINDS, Context, perturbation
from medcite.training.perturb.supported import (
    clause,
    compress,
    lead_in,
    merge,
    number_format,
    paraphrase_chain,
    passive,
    reorder,
    reword,
    subject_front,
    synonym_swap,
)
from medcite.training.perturb.unsupported import (
    added_clause,
    entity_role_swap,
    entity_swap,
    negation,
    number_change,
    other_sentence,
    qualifier_drop,
)
from medcite.training.sources import Passage

# Real recommendation sentences (USPSTF, CDC and VA/DoD texts in ../shared/corpus).
AAA = (
    "The USPSTF recommends 1-time screening for abdominal aortic aneurysm (AAA) with ultrasonography "
    "in men aged 65 to 75 years who have ever smoked."
)
CRC = "The USPSTF recommends screening for colorectal cancer starting at age 50 years and continuing until age 75 years."
OPIOID = (
    "When starting opioid therapy for chronic pain, clinicians should prescribe immediate-release opioids "
    "instead of extended-release/long-acting (ER/LA) opioids."
)
BENZO = "The Work Group recommends against the concurrent use of benzodiazepines and opioids."
SYPHILIS = "MSM or persons living with HIV may benefit from more frequent screening."
DOSE = "Gabapentin is usually started at 300 mg once daily and increased every 3 days."
GLUCOSE = (
    "The USPSTF recommends screening for abnormal blood glucose as part of cardiovascular risk "
    "assessment in adults aged 40 to 70 years who are overweight or obese. (B recommendation)"
)
FOREIGN = ["Hydroxyurea reduces the frequency of pain crises in adults with sickle cell anemia."]


def words(text: str) -> list[str]:
    return re.findall(r"[\w/.-]+", text.lower())


def ctx(premise: str) -> Context:
    return Context(premise=premise, neighbours=[premise], foreign=FOREIGN)


@pytest.mark.parametrize("seed", range(5))
def test_number_change_alters_exactly_one_number(seed: int) -> None:
    out = number_change(AAA, random.Random(seed), ctx(AAA))
    assert out is not None
    a, b = words(AAA), words(out)
    assert len(a) == len(b)
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    assert len(diffs) == 1
    assert re.search(r"\d", diffs[0][0]) and re.search(r"\d", diffs[0][1])
    assert numbers_in(out) - numbers_in(AAA)  # the new number is not in the premise


def test_number_format_keeps_the_quantity() -> None:
    for sentence in (DOSE, "The response rate was 10% at 12 weeks.", "Screen every year for infection."):
        out = number_format(sentence, random.Random(0), ctx(sentence))
        assert out is not None and out != sentence
        assert numbers_in(out) == numbers_in(sentence)


def test_negation_flips_only_the_negation() -> None:
    removed = negation(BENZO, random.Random(0), ctx(BENZO))
    assert removed == "The Work Group recommends the concurrent use of benzodiazepines and opioids."
    inserted = negation(CRC, random.Random(0), ctx(CRC))
    assert inserted == CRC.replace("recommends", "recommends against")
    assert negation("Blue sky over the hills.", random.Random(0), ctx("x")) is None


@pytest.mark.parametrize("seed", range(5))
def test_entity_swap_replaces_one_term_with_a_same_class_term_absent_from_premise(seed: int) -> None:
    out = entity_swap(OPIOID, random.Random(seed), ctx(OPIOID)) or entity_swap(
        CRC, random.Random(seed), ctx(CRC)
    )
    assert out is not None
    source = OPIOID if out.startswith("When") else CRC
    removed = [
        t
        for cls in ENTITY_CLASSES.values()
        for t in cls
        if t.lower() in source.lower() and t.lower() not in out.lower()
    ]
    added = [
        t
        for cls in ENTITY_CLASSES.values()
        for t in cls
        if t.lower() in out.lower() and t.lower() not in source.lower()
    ]
    assert removed and added
    assert not any(a.lower() in source.lower() for a in added)


def test_qualifier_drop_overgeneralises() -> None:
    hedged = qualifier_drop(SYPHILIS, random.Random(0), ctx(SYPHILIS))
    assert hedged == "MSM or persons living with HIV will benefit from more frequent screening."
    restricted = qualifier_drop(AAA, random.Random(1), ctx(AAA))
    assert restricted is not None and len(restricted) < len(AAA)
    assert set(words(restricted)) < set(words(AAA))  # only words were taken away


def test_added_clause_and_other_sentence_bring_foreign_text() -> None:
    added = added_clause(CRC, random.Random(0), ctx(CRC))
    assert added is not None and added.startswith(CRC[:-1] + ", and ")
    assert "hydroxyurea reduces" in added
    other = other_sentence(CRC, random.Random(0), ctx(CRC))
    assert other == FOREIGN[0] and other not in CRC


def test_supported_rewrites_keep_the_content() -> None:
    rng = random.Random(0)
    assert clause(
        "Screening is recommended for adults at average risk; it is not recommended for children.",
        rng,
        ctx(""),
    ) == ("Screening is recommended for adults at average risk.")
    swapped = synonym_swap("Patients tried Neurontin and then Cymbalta for pain.", rng, ctx(""))
    assert swapped is not None
    changed = set(words(swapped)) ^ set(words("Patients tried Neurontin and then Cymbalta for pain."))
    names = set(BRAND_TO_GENERIC) | set(BRAND_TO_GENERIC.values())
    assert changed and changed <= names
    expanded = synonym_swap("Adults with COPD need spirometry.", rng, ctx(""))
    assert expanded == f"Adults with {ABBREVIATIONS['copd']} need spirometry."
    merged = merge(CRC, rng, Context(premise=CRC + " " + AAA, neighbours=[CRC, AAA]))
    assert merged is not None and CRC[:-1] in merged and AAA[5:] in merged
    led = lead_in(CRC, rng, ctx(CRC))
    assert led is not None and led.endswith(CRC[1:]) and led != CRC


def test_build_pairs_balances_labels_and_kinds() -> None:
    split = "Opioids are not first-line therapy for chronic pain in most adults, but they may be considered later."
    text = " ".join([AAA, CRC, OPIOID, BENZO, SYPHILIS, DOSE, GLUCOSE, split])
    passages = [Passage(f"t:{i}", f"g{i}", text) for i in range(4)]
    passages.append(
        Passage("t:x", "other", " ".join(FOREIGN * 3 + ["Adults with COPD should not smoke tobacco."]))
    )
    pairs = build_pairs(passages, 120, seed=3, rewrite_unsupported=V2_REWRITE_UNSUPPORTED)
    assert len(pairs) == 120
    assert sum(p.label == "supported" for p in pairs) == 60
    kinds = {p.kind for p in pairs}
    assert kinds == set(SUPPORTED_KINDS) | set(UNSUPPORTED_KINDS) == set(PERTURBATIONS)
    assert all(p.hypothesis not in p.premise for p in pairs if p.label == "unsupported")
    # the shipped judge's recipe uses only the v1 kinds; v3 adds three paraphrase kinds
    v1 = build_pairs(passages, 60, seed=3, supported_kinds=V1_SUPPORTED, unsupported_kinds=V1_UNSUPPORTED)
    assert {p.kind for p in v1} == set(V1_SUPPORTED) | set(V1_UNSUPPORTED)
    assert set(V3_SUPPORTED) - set(V1_SUPPORTED) == {"passive", "paraphrase_chain", "subject_front"}
    assert V3_UNSUPPORTED == V1_UNSUPPORTED


def test_paraphrase_generators_keep_numbers_entities_and_polarity() -> None:
    from medcite.generation.verifier import entities_in

    rng = random.Random(2)
    for sentence in (
        AAA,
        CRC,
        BENZO,
        "The Work Group suggests initiation of a moderate-dose statin for patients with an estimated 10-year CVD risk of 12% or greater. (Weak For)",
    ):
        for generator in (reword, reorder, compress, passive, paraphrase_chain, subject_front):
            out = generator(sentence, rng, ctx(sentence))
            if out is None:
                continue
            assert out != sentence
            assert numbers_in(out) <= numbers_in(sentence), (generator.__name__, out)
            assert entities_in(out) <= entities_in(sentence), (generator.__name__, out)
            assert ("against" in out) == ("against" in sentence)
    assert reorder(CRC, rng, ctx(CRC)) is None or reorder(CRC, rng, ctx(CRC)) != CRC
    assert reorder(AAA, random.Random(0), ctx(AAA)).startswith(
        "In men aged 65 to 75 years who have ever smoked, "
    )
    assert compress(AAA, random.Random(1), ctx(AAA)) is not None and "(AAA)" not in compress(
        AAA, random.Random(1), ctx(AAA)
    )


def test_passive_voice_keeps_agent_object_and_qualifiers() -> None:
    rng = random.Random(0)
    assert passive(CRC, rng, ctx(CRC)) == (
        "Screening for colorectal cancer starting at age 50 years and continuing until age 75 years "
        "is recommended by the USPSTF."
    )
    vial = "Cleanse the access diaphragms of medication vials with alcohol before inserting a device into the vial."
    assert passive(vial, rng, ctx(vial)) == (
        "The access diaphragms of medication vials should be cleansed with alcohol before inserting a "
        "device into the vial."
    )
    # "Treat adults with X with Y" has no safe passive: the population is not the object
    treat = "Treat adults with sickle cell anemia who have three or more pain crises with hydroxyurea."
    assert passive(treat, rng, ctx(treat)) is None
    assert passive("Do not share vials between patients.", rng, ctx("")) is None
    assert passive("Refer to the original guideline document for doses.", rng, ctx("")) is None  # no object


def test_subject_front_makes_the_population_the_subject() -> None:
    rng = random.Random(0)
    assert subject_front(GLUCOSE, rng, ctx(GLUCOSE)) == (
        "Adults aged 40 to 70 years who are overweight or obese should be screened for abnormal blood "
        "glucose as part of cardiovascular risk assessment."
    )
    # a trailing second action is dropped, not attached to the wrong subject
    obesity = (
        "The USPSTF recommends that clinicians screen for obesity in children 6 years or older and offer "
        "them or refer them to a comprehensive, intensive behavioral intervention (B recommendation)."
    )
    assert (
        subject_front(obesity, rng, ctx(obesity))
        == "Children 6 years or older should be screened for obesity."
    )
    # "suggests" stays weaker than "recommends"
    gaba = (
        "For patients with moderate-severe alcohol use disorder for whom first-line pharmacotherapy is "
        "contraindicated or ineffective, the Work Group suggests offering gabapentin."
    )
    assert subject_front(gaba, rng, ctx(gaba)) == (
        "Patients with moderate-severe alcohol use disorder for whom first-line pharmacotherapy is "
        "contraindicated or ineffective may be offered gabapentin."
    )
    hu = (
        "In adults with SCA who have three or more sickle cell-associated moderate to severe pain crises "
        "in a 12-month period, treat with hydroxyurea."
    )
    assert subject_front(hu, rng, ctx(hu)) == (
        "Adults with SCA who have three or more sickle cell-associated moderate to severe pain crises "
        "in a 12-month period should be treated with hydroxyurea."
    )


def test_subject_front_refuses_what_it_cannot_rewrite_safely() -> None:
    rng = random.Random(0)
    for sentence in (
        BENZO,  # a recommendation against
        CRC,  # no population to front
        # the population is not what the action is done to
        "For patients able to integrate medical regimen into daily routine, use peer educators and "
        "counselors to facilitate adherence.",
        "In children and adults who have had a stroke, initiate a program of monthly simple or exchange "
        "transfusions.",
        # "refer to" a document, not to a clinician
        "For patients who are already prescribed long-term opioid therapy, refer to the NGC summary of "
        "the VA/DoD clinical practice guideline for opioid therapy for chronic pain.",
    ):
        assert subject_front(sentence, rng, ctx(sentence)) is None, sentence


def test_paraphrase_chain_applies_at_least_two_rewrites() -> None:
    out = paraphrase_chain(AAA, random.Random(4), ctx(AAA))
    assert out is not None and out != AAA
    one_step = {g(AAA, random.Random(4), ctx(AAA)) for g in (compress, reword, reorder, passive)}
    assert out not in one_step


def test_entity_role_swap_keeps_every_name_inside_the_premise() -> None:
    rng = random.Random(0)
    choice = "Offer colonoscopy rather than sigmoidoscopy to adults with a family history."
    assert entity_role_swap(choice, rng, ctx(choice)) == (
        "Offer sigmoidoscopy rather than colonoscopy to adults with a family history."
    )
    # list siblings ("duloxetine and pregabalin") mean the same in either order: not a swap
    siblings = "Duloxetine and pregabalin are approved for diabetic neuropathy."
    assert entity_role_swap(siblings, rng, ctx(siblings)) is None
    # a same-class name from elsewhere in the premise
    premise = "Gabapentin is used for postherpetic neuralgia. Duloxetine is used for diabetic neuropathy."
    swapped = entity_role_swap("Duloxetine is used for diabetic neuropathy.", rng, ctx(premise))
    assert swapped == "Gabapentin is used for diabetic neuropathy."


def test_each_perturbation_registers_its_kind_and_label_once() -> None:
    """One registration per generator: the kind lists are derived, so they cannot disagree."""
    assert len(SUPPORTED_KINDS) + len(UNSUPPORTED_KINDS) == len(PERTURBATIONS)
    assert all(PERTURBATIONS[k].supported for k in SUPPORTED_KINDS)
    assert not any(PERTURBATIONS[k].supported for k in UNSUPPORTED_KINDS)
    # the data builder's rotation order is the registration order, as the shipped recipe had it
    assert SUPPORTED_KINDS[-2:] == ("paraphrase_chain", "subject_front")
    with pytest.raises(ValueError, match="twice"):
        perturbation("negation", supported=False)(negation)


def test_entity_swap_never_trades_an_entity_for_another_name_of_it() -> None:
    """"ultrasound" and "ultrasonography" are one test to the judge, so swapping one for the
    other must not be written as an unsupported claim (training and judging share one table)."""
    sentence = "One-time screening with ultrasound is recommended for this group."
    ctx = Context(premise=sentence)
    for seed in range(200):
        out = entity_swap(sentence, random.Random(seed), ctx)
        assert out is None or "ultrasonography" not in out.lower()
    assert canonical_entity("Ultrasound") == canonical_entity("ultrasonography")
