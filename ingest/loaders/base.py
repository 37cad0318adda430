"""The loader protocol and the extension registry."""

from __future__ import annotations

from pathlib import Path

from medcite.core.errors import (
    DocumentTooLargeError,
    EmptyDocumentError,
    FileUnreadableError,
    UnsupportedFormatError,
)
from medcite.core.protocols import DocumentLoader as Loader
from medcite.core.types import ParsedDocument

# "No text" means different things per format; only a PDF can be a scan that needs OCR.
_NO_TEXT = {
    "pdf": "no extractable text: a scanned image PDF? run OCR on it (e.g. ocrmypdf) and ingest the result",
    "html": "contains no text outside scripts, styles and markup",
    "markdown": "contains no text besides front matter and markup",
    "text": "contains no text (only whitespace or control characters)",
}


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


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 100_000 else f"{n_bytes / 1e3:.1f} kB"


def check_regular_file(path: Path) -> None:
    """Raise FileUnreadableError unless `path` is a regular file (links followed) that exists now.

    Checked before anything opens the file: opening a pipe would block the batch forever, and
    "no such file" would be the wrong thing to tell someone whose symlink loops.
    """
    if path.is_file():
        return
    if path.is_symlink():
        raise FileUnreadableError(str(path), "is a broken or looping symbolic link")
    if not path.exists():
        raise FileUnreadableError(str(path), "no such file (moved or deleted after it was listed?)")
    if path.is_dir():
        raise FileUnreadableError(str(path), "is a directory, not a file")
    raise FileUnreadableError(str(path), "is not a regular file (a pipe, socket or device)")


def load_file(path: Path, max_bytes: int | None = None) -> ParsedDocument:
    """Check size, pick the loader and parse; every failure is a specific IngestError.

    The size is checked before a byte is read, so an oversized file costs nothing.
    """
    loader = loader_for(path)
    check_regular_file(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise FileUnreadableError(str(path), "no such file (moved or deleted after it was listed?)") from exc
    except OSError as exc:
        raise FileUnreadableError(str(path), f"cannot be read ({exc.strerror or exc})") from exc
    if size == 0:
        raise EmptyDocumentError(str(path), "file is empty (0 bytes)")
    if max_bytes is not None and size > max_bytes:
        raise DocumentTooLargeError(
            str(path),
            f"file is {_size(size)}, over the {_size(max_bytes)} limit "
            "(raise MEDCITE_MAX_FILE_MB to allow it)",
        )
    try:
        parsed = loader.load(path)
    except FileNotFoundError as exc:
        raise FileUnreadableError(str(path), "vanished while it was being read") from exc
    except OSError as exc:
        raise FileUnreadableError(str(path), f"cannot be read ({exc.strerror or exc})") from exc
    if not any(block.text.strip() for block in parsed.blocks):
        raise EmptyDocumentError(str(path), _NO_TEXT.get(parsed.format, "contains no text"))
    return parsed
