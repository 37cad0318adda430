"""Maintained vocabularies in query understanding: the drug library, the index's own
abbreviations (Schwartz–Hearst at ingest) and the curated lay shorthand."""

from __future__ import annotations

from pathlib import Path

from medcite.engine import Engine
from medcite.retrieval import drug_names
from medcite.retrieval.query import expand_shorthand, synonyms_for, understand
from medcite.store.abbreviation_index import FILE, AbbreviationIndex


def test_brand_names_resolve_through_the_drug_library_around_punctuation() -> None:
    found = synonyms_for("Zoloft, or Xanax? And Thalitone; Wegovy.")
    assert {"sertraline", "alprazolam", "chlorthalidone", "semaglutide"} <= set(found)
    assert "buprenorphine and naloxone" in synonyms_for("Suboxone induction")  # the curated entry wins
    assert "meperidine" in synonyms_for("Demerol for a sickle crisis?")  # curated: the library lacks it


def test_pharmacological_classes_are_not_taken_from_the_library() -> None:
    table = drug_names.drug_generics()
    assert len(table) > 20_000
    assert table.get("Lipitor") == "atorvastatin"
    assert table.get("opioid") is None and table.get("statin") is None and table.get("nsaids") is None


def test_the_derived_table_is_cached_and_read_back(tmp_path: Path, monkeypatch: object) -> None:
    monkeypatch.setenv("MEDCITE_CACHE_DIR", str(tmp_path))  # type: ignore[attr-defined]
    drug_names.drug_generics.cache_clear()
    try:
        first = drug_names.drug_generics()
        [cached] = tmp_path.glob("drug-names-*.sqlite")
        assert first.get("zoloft") == "sertraline"
        drug_names._write({"madeupbrand": "madeupgeneric"}, cached)
        drug_names.drug_generics.cache_clear()
        reread = drug_names.drug_generics()
        assert reread.get("MadeUpBrand") == "madeupgeneric" and len(reread) == 1  # read, not re-derived
        cached.write_bytes(b"torn file")
        drug_names.drug_generics.cache_clear()
        assert drug_names.drug_generics().get("zoloft") == "sertraline"  # rebuilt
    finally:
        drug_names.drug_generics.cache_clear()


def test_lay_shorthand_is_spelled_out_as_whole_words() -> None:
    assert "blood pressure" in synonyms_for("BP recheck interval after a high reading?")
    assert "abdominal aortic aneurysm" in synonyms_for("triple-A screening in male smokers")
    assert "low-dose aspirin" in synonyms_for("baby aspirin for primary prevention?")
    assert expand_shorthand("BP goal for pts w/ CKD, no hx of MI") == (
        "blood pressure goal for patients with CKD, no history of MI"
    )
    assert expand_shorthand("PTSD and optimal dosing") == "PTSD and optimal dosing"  # not inside words
    assert understand("BP goal in kids?").dense_text == "blood pressure goal in children?"


def test_abbreviations_are_mined_the_way_the_text_defines_them(tmp_path: Path) -> None:
    index = AbbreviationIndex.build(
        [
            "Screen men who ever smoked for abdominal aortic aneurysm (AAA) once.",
            "Latent tuberculosis infection (LTBI) testing is advised. LTBI treatment follows.",
            "no definitions here",
        ]
    )
    assert index.expansions == {"AAA": "abdominal aortic aneurysm", "LTBI": "latent tuberculosis infection"}
    index.save(tmp_path)
    assert AbbreviationIndex.load(tmp_path).expansions == index.expansions
    assert len(AbbreviationIndex.load(tmp_path / "older-generation")) == 0  # no file: none, no error
    mined = {"MMEs": "made-up expansion", "XYZ": "xylose zinc"}
    assert "xylose zinc" in synonyms_for("XYZ levels?", mined)
    assert "xylose zinc" not in synonyms_for("xyz levels?", mined)  # written as an abbreviation only


def test_every_index_write_mines_the_abbreviations_of_its_guidelines(starter_engine: Engine) -> None:
    snapshot = starter_engine.snapshot()
    assert (snapshot.path / FILE).is_file()
    assert snapshot.abbreviations.expansions, "the starter guidelines define abbreviations"
    short, long = next(iter(snapshot.abbreviations.expansions.items()))
    assert long in understand(f"What about {short}?", snapshot.abbreviations.expansions).synonyms
