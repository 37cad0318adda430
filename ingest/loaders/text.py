"""Plain-text loader: paragraphs separated by blank lines; strict UTF-8."""

from __future__ import annotations

import re
from pathlib import Path

from medcite.core.errors import TextDecodingError
from medcite.core.types import Block, DocumentMetadata, ParsedDocument
from medcite.ingest.normalize import clean_inline


def read_utf8(path: Path) -> str:
    """Read a file as UTF-8 (a BOM is allowed); a wrong encoding is an error, not mojibake."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TextDecodingError(
            str(path),
            f"not valid UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "re-save the file as UTF-8",
        ) from exc


class TextLoader:
    format: str = "text"
    extensions: tuple[str, ...] = (".txt", ".text")

    def load(self, path: Path) -> ParsedDocument:
        text = read_utf8(path)
        paragraphs = [clean_inline(p) for p in re.split(r"\n\s*\n", text)]
        paragraphs = [p for p in paragraphs if p]
        title = paragraphs[0][:200] if paragraphs else path.stem
        return ParsedDocument(
            metadata=DocumentMetadata(title=title),
            blocks=[Block(text=p) for p in paragraphs],
            format=self.format,
        )
