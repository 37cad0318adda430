"""Section-aware chunking bounded in tokens of the embedding model.

Blocks are packed into chunks that never cross a section boundary, except that tiny
sections (a one-line "Guideline Category" field, say) are packed together with their
neighbours so they are not indexed as near-empty chunks. A block longer than the bound is
split at sentence boundaries (pysbd), and a sentence longer than the bound at words.
Consecutive chunks of one section overlap by up to `overlap_tokens` of whole units.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pysbd

from medcite.core.types import Block, Chunk

TokenCounter = Callable[[Sequence[str]], list[int]]
BLOCK_SEPARATOR = "\n\n"
# A document's own reference list is not evidence: citing "Smith 2019. JAMA." answers nothing.
_REFERENCE_SECTION = re.compile(
    r"^(references?|bibliography|sources|works cited|literature cited|reference list)$", re.IGNORECASE
)


def is_reference_section(section: tuple[str, ...]) -> bool:
    return any(_REFERENCE_SECTION.match(part.strip()) for part in section)


@dataclass(frozen=True, slots=True)
class _Unit:
    text: str
    section: tuple[str, ...]
    page: int | None
    start: int
    end: int
    tokens: int


def document_text(blocks: Sequence[Block]) -> tuple[str, list[int]]:
    """The document's clean text (blocks joined by blank lines) and each block's offset."""
    offsets: list[int] = []
    pos = 0
    for block in blocks:
        offsets.append(pos)
        pos += len(block.text) + len(BLOCK_SEPARATOR)
    return BLOCK_SEPARATOR.join(b.text for b in blocks), offsets


class Chunker:
    def __init__(
        self,
        count_tokens: TokenCounter,
        max_tokens: int = 200,
        overlap_tokens: int = 40,
        min_section_tokens: int = 24,
    ) -> None:
        if not 0 <= overlap_tokens < max_tokens:
            raise ValueError("overlap_tokens must be >= 0 and smaller than max_tokens")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.min_section_tokens = min_section_tokens
        self._segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)

    # -- splitting blocks into units no longer than max_tokens ---------------------------
    def _units(self, blocks: Sequence[Block]) -> list[_Unit]:
        """Units with offsets into the clean text of all `blocks`; reference lists left out."""
        _, all_offsets = document_text(blocks)
        kept = [
            (b, o) for b, o in zip(blocks, all_offsets, strict=True) if not is_reference_section(b.section)
        ]
        counts = self.count_tokens([b.text for b, _ in kept])
        units: list[_Unit] = []
        for (block, start), n in zip(kept, counts, strict=True):
            if n <= self.max_tokens:
                units.append(_Unit(block.text, block.section, block.page, start, start + len(block.text), n))
            else:
                units.extend(self._split_block(block, start))
        return units

    def _split_block(self, block: Block, start: int) -> list[_Unit]:
        spans = [(s.start, s.end) for s in self._segmenter.segment(block.text)]
        pieces = [(block.text[a:b].strip(), a) for a, b in spans if block.text[a:b].strip()]
        counts = self.count_tokens([p for p, _ in pieces])
        units: list[_Unit] = []
        for (text, offset), n in zip(pieces, counts, strict=True):
            lead = block.text.find(text, offset)
            lead = offset if lead < 0 else lead
            if n <= self.max_tokens:
                units.append(
                    _Unit(text, block.section, block.page, start + lead, start + lead + len(text), n)
                )
            else:
                units.extend(self._split_words(text, block, start + lead))
        return units

    def _split_words(self, text: str, block: Block, start: int) -> list[_Unit]:
        words = text.split(" ")
        counts = self.count_tokens(words)
        units: list[_Unit] = []
        cur: list[str] = []
        cur_tokens = 0
        pos = start
        for word, n in zip(words, counts, strict=True):
            if cur and cur_tokens + n > self.max_tokens:
                piece = " ".join(cur)
                units.append(_Unit(piece, block.section, block.page, pos, pos + len(piece), cur_tokens))
                pos += len(piece) + 1
                cur, cur_tokens = [], 0
            cur.append(word)
            cur_tokens += n
        if cur:
            piece = " ".join(cur)
            units.append(_Unit(piece, block.section, block.page, pos, pos + len(piece), cur_tokens))
        return units

    # -- packing units into chunks -----------------------------------------------------
    def chunk(self, doc_id: str, blocks: Sequence[Block]) -> list[Chunk]:
        units = self._units([b for b in blocks if b.text.strip()])
        groups: list[list[_Unit]] = []
        current: list[_Unit] = []
        for unit in units:
            if current and unit.section != current[-1].section and not self._tiny(current):
                groups.append(current)
                current = []
            current.append(unit)
        if current:
            groups.append(current)
        chunks: list[Chunk] = []
        for group in groups:
            for packed in self._pack(group):
                chunks.append(self._make_chunk(doc_id, len(chunks), packed))
        return chunks

    def _tiny(self, units: list[_Unit]) -> bool:
        """A section run so small it should share a chunk with the next section."""
        return sum(u.tokens for u in units) < self.min_section_tokens

    def _pack(self, units: list[_Unit]) -> list[list[_Unit]]:
        packed: list[list[_Unit]] = []
        current: list[_Unit] = []
        tokens = 0
        for unit in units:
            if current and tokens + unit.tokens > self.max_tokens:
                packed.append(current)
                current = self._overlap(current, unit.tokens)
                tokens = sum(u.tokens for u in current)
            current.append(unit)
            tokens += unit.tokens
        if current:
            packed.append(current)
        return packed

    def _overlap(self, previous: list[_Unit], next_tokens: int) -> list[_Unit]:
        """Trailing whole units of the previous chunk that fit the overlap budget."""
        carried: list[_Unit] = []
        budget = min(self.overlap_tokens, self.max_tokens - next_tokens)
        for unit in reversed(previous[1:]):
            if unit.tokens > budget:
                break
            carried.insert(0, unit)
            budget -= unit.tokens
        return carried

    def _make_chunk(self, doc_id: str, ordinal: int, units: list[_Unit]) -> Chunk:
        pages = [u.page for u in units if u.page is not None]
        return Chunk(
            chunk_id=f"{doc_id}#{ordinal:04d}",
            doc_id=doc_id,
            ordinal=ordinal,
            text="\n".join(u.text for u in units),
            section=_section_label([u.section for u in units]),
            page_start=min(pages) if pages else None,
            page_end=max(pages) if pages else None,
            char_start=units[0].start,
            char_end=units[-1].end,
            n_tokens=sum(u.tokens for u in units),
        )


def _section_label(paths: list[tuple[str, ...]]) -> str:
    """'A > B' for one section; 'A > B; C' when tiny sibling sections share a chunk."""
    distinct = [p for p in dict.fromkeys(paths) if p] or [()]
    if len(distinct) == 1:
        return " > ".join(distinct[0])
    prefix = distinct[0][:-1]
    if all(p[:-1] == prefix and p for p in distinct):
        lasts = "; ".join(p[-1] for p in distinct)
        return " > ".join((*prefix, lasts))
    return " > ".join(distinct[0])
