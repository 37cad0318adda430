"""Plain-text loader: paragraphs separated by blank lines, read in bounded blocks.

A file is decoded 1 MiB at a time through an incremental decoder and split into paragraphs as
it streams, so memory stays near the size of the text kept: no whole-file bytes copy next to a
whole-file str and a whole-file regex split (a 300 MB file of NUL bytes used to take 3.6 GB
before failing). Encodings: UTF-8 (a BOM is allowed) or UTF-16/UTF-32 *with* a BOM (what
Windows editors save as "Unicode"); anything else is an error, not mojibake. Binary data (NUL
bytes, many control bytes) is refused from its first block: "is not text".
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import Path

from medcite.core.errors import TextDecodingError
from medcite.core.types import Block, DocumentMetadata, ParsedDocument
from medcite.ingest.normalize import clean_inline

_BLOCK = 1 << 20  # bytes decoded at a time
_SNIFF = 8192  # bytes checked for binary content before anything is decoded
_BINARY_SHARE = 0.1  # more control bytes than this (tab/newline/CR/FF/VT/ESC excepted): binary
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1b")
_LINE_ENDS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")  # what str.splitlines() splits on


def _encoding(head: bytes) -> tuple[str, int]:
    """The codec a file's first bytes call for, and how many BOM bytes to skip."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: same prefix
        return "utf-32", 0
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    return "utf-8", 0


def _not_text(path: Path, why: str) -> TextDecodingError:
    return TextDecodingError(
        str(path), f"is not text ({why}): a binary file with a text extension? convert it to UTF-8 text"
    )


def _reject_binary(path: Path, head: bytes) -> None:
    if b"\x00" in head:
        raise _not_text(path, "NUL bytes at the start")
    controls = sum(1 for byte in head if byte < 0x20 and byte not in _TEXT_CONTROLS)
    if head and controls / len(head) > _BINARY_SHARE:
        raise _not_text(path, f"{controls} control bytes in the first {len(head)}")


def iter_text(path: Path) -> Iterator[str]:
    """The decoded text of `path` in pieces of about 1 MiB; a bad encoding is a TextDecodingError."""
    with path.open("rb") as fh:
        data = fh.read(_BLOCK)
        encoding, skip = _encoding(data[:4])
        if encoding == "utf-8":
            _reject_binary(path, data[skip : skip + _SNIFF])
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        data, pos = data[skip:], skip  # pos: file offset of data[0]
        while True:
            final = not data
            pending = len(decoder.getstate()[0])  # bytes of a character split across blocks
            try:
                piece = decoder.decode(data, final)
            except UnicodeDecodeError as exc:
                at = pos - pending + exc.start
                bad = exc.object[exc.start : exc.start + 1]
                name = "UTF-8" if encoding == "utf-8" else f"{encoding.upper()} (from its BOM)"
                raise TextDecodingError(
                    str(path), f"not valid {name} (byte {at}: {bad!r}); re-save the file as UTF-8"
                ) from exc
            if "\x00" in piece:
                raise _not_text(path, f"NUL characters after byte {pos}")
            if piece:
                yield piece
            if final:
                return
            pos += len(data)
            data = fh.read(_BLOCK)


def read_utf8(path: Path) -> str:
    """The whole text of a file (UTF-8, or UTF-16/32 with a BOM); for parsers that need one str."""
    return "".join(iter_text(path))


def _hold_back_cr(pieces: Iterable[str]) -> Iterator[str]:
    """Pieces with a trailing CR moved to the next piece, so a CRLF split across two blocks is
    one line end, not two (which would read as a blank line, i.e. a paragraph break)."""
    carry = ""
    for piece in pieces:
        piece = carry + piece
        carry = "\r" if piece.endswith("\r") else ""
        yield piece[:-1] if carry else piece
    if carry:
        yield carry


def iter_lines(pieces: Iterable[str]) -> Iterator[str]:
    """Lines (without their line ends) across piece boundaries; any Unicode line end counts."""
    partial: list[str] = []
    for piece in _hold_back_cr(pieces):
        for line in piece.splitlines(keepends=True):
            if line[-1] in _LINE_ENDS:
                partial.append(line[:-2] if line.endswith("\r\n") else line[:-1])
                yield "".join(partial)
                partial = []
            else:
                partial.append(line)
    if partial:
        yield "".join(partial)


def iter_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """Clean one-line paragraphs: runs of lines that are not blank."""
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
            continue
        if current:
            if text := clean_inline("\n".join(current)):
                yield text
            current = []
    if current and (text := clean_inline("\n".join(current))):
        yield text


class TextLoader:
    format: str = "text"
    extensions: tuple[str, ...] = (".txt", ".text")

    def load(self, path: Path) -> ParsedDocument:
        blocks = [Block(text=p) for p in iter_paragraphs(iter_lines(iter_text(path)))]
        title = blocks[0].text[:200] if blocks else path.stem
        return ParsedDocument(metadata=DocumentMetadata(title=title), blocks=blocks, format=self.format)
