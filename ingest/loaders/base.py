"""The loader protocol and the extension registry."""

from __future__ import annotations

from pathlib import Path

from medcite.core.errors import DocumentTooLargeError, EmptyDocumentError, UnsupportedFormatError
from medcite.core.protocols import DocumentLoader as Loader
from medcite.core.types import ParsedDocument


def _registry() -> dict[str, Loader]:
    # Imported here so that importing the protocol does not pull in every parser.
    from medcite.ingest.loaders.html import HtmlLoader
    from medcite.ingest.loaders.markdown import MarkdownLoader
    from medcite.ingest.loaders.pdf import PdfLoader
    from medcite.ingest.loaders.text import TextLoader

    loaders: list[Loader] = [PdfLoader(), HtmlLoader(), MarkdownLoader(), TextLoader()]
    return {ext: loader for loader in loaders for ext in loader.extensions}


def supported_extensions() -> list[str]:
    return sorted(_registry())


def loader_for(path: Path) -> Loader:
    ext = path.suffix.lower()
    loader = _registry().get(ext)
    if loader is None:
        raise UnsupportedFormatError(
            str(path),
            f"unknown format {ext or '(no extension)'!r}; supported: " + ", ".join(supported_extensions()),
        )
    return loader


def load_file(path: Path, max_bytes: int | None = None) -> ParsedDocument:
    """Check size, pick the loader and parse; every failure is a specific IngestError."""
    loader = loader_for(path)
    size = path.stat().st_size
    if size == 0:
        raise EmptyDocumentError(str(path), "file is empty (0 bytes)")
    if max_bytes is not None and size > max_bytes:
        raise DocumentTooLargeError(
            str(path),
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit "
            "(raise MEDCITE_MAX_FILE_MB to allow it)",
        )
    parsed = loader.load(path)
    if not any(block.text.strip() for block in parsed.blocks):
        raise EmptyDocumentError(str(path), "no extractable text (scanned image PDF or empty markup?)")
    return parsed
