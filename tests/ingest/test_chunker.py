"""Chunker invariants with a word-count tokenizer (fast), plus the real tokenizer once."""

from __future__ import annotations

from collections.abc import Sequence

from medcite.core.types import Block
from medcite.ingest.chunker import Chunker, document_text


def words(texts: Sequence[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def sentence(i: int) -> str:
    return f"Sentence number {i} says something about drug {i} at dose {i} mg daily."  # 13 words


def test_chunks_respect_sections_bounds_and_offsets() -> None:
    blocks = [Block(" ".join(sentence(i) for i in range(40)), ("Recommendations", "Dosing"))]
    blocks += [Block(sentence(100 + i), ("Harms",)) for i in range(6)]
    chunker = Chunker(words, max_tokens=60, overlap_tokens=13, min_section_tokens=5)
    chunks = chunker.chunk("doc", blocks)
    text, _ = document_text(blocks)
    assert all(c.n_tokens <= 60 for c in chunks)
    assert {c.section for c in chunks} == {"Recommendations > Dosing", "Harms"}
    for c in chunks:
        assert c.section in ("Recommendations > Dosing", "Harms")
        first_unit = c.text.split("\n")[0]
        assert text[c.char_start : c.char_start + len(first_unit)] == first_unit
    dosing = [c for c in chunks if c.section.startswith("Recommendations")]
    # consecutive chunks of one section overlap by one whole sentence
    assert dosing[0].text.split("\n")[-1] == dosing[1].text.split("\n")[0]
    assert [c.chunk_id for c in chunks] == [f"doc#{i:04d}" for i in range(len(chunks))]


def test_tiny_sections_share_a_chunk_and_reference_lists_are_dropped() -> None:
    blocks = [
        Block("Counseling; Management", ("Scope", "Guideline Category")),
        Block("Family Practice; Neurology", ("Scope", "Clinical Specialty")),
        Block(" ".join(sentence(i) for i in range(3)), ("Scope", "Target Population")),
        Block("Smith J. A trial. JAMA 2019;1:2.", ("References",)),
    ]
    chunks = Chunker(words, max_tokens=100, overlap_tokens=10, min_section_tokens=8).chunk("d", blocks)
    assert len(chunks) == 1
    assert chunks[0].section == "Scope > Guideline Category; Clinical Specialty; Target Population"
    assert "JAMA" not in chunks[0].text


def test_overlong_sentence_is_split_at_words() -> None:
    blocks = [Block(" ".join(f"w{i}" for i in range(250)), ("S",))]
    chunks = Chunker(words, max_tokens=100, overlap_tokens=0).chunk("d", blocks)
    assert [c.n_tokens for c in chunks] == [100, 100, 50]
    assert " ".join(c.text for c in chunks) == blocks[0].text


def test_pages_carry_through(embedder) -> None:  # type: ignore[no-untyped-def]
    blocks = [Block("Page one text about opioids. " * 20, ("A",), 1), Block("Page two text.", ("A",), 2)]
    chunks = Chunker(embedder.count_tokens, max_tokens=200, overlap_tokens=20).chunk("d", blocks)
    assert chunks[0].page_start == 1
    assert chunks[-1].page_end == 2
    assert all(c.n_tokens <= 200 for c in chunks)
