"""PDF loader (pypdf): page numbers per text span, outline -> sections, running headers dropped.

pypdf extracts text in content-stream order, which for two-column MMWR pages is column by
column; we keep that order, join wrapped lines, undo end-of-line hyphenation and drop
lines that repeat at the top or bottom of many pages (running headers and footers).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError, PdfStreamError

from medcite.core.errors import CorruptDocumentError, EncryptedDocumentError, ResourceLimitError
from medcite.core.types import Block, DocumentMetadata, ParsedDocument
from medcite.ingest.normalize import clean_inline, dehyphenate

log = logging.getLogger(__name__)

_EDGE_LINES = 3
_REPEAT_SHARE = 0.3
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d{1,4}(\s*of\s*\d{1,4})?\s*$", re.IGNORECASE)

# The most bytes one stream may decode to. The largest page content stream in the real corpus
# is 0.33 MB, so 20 MB is 60x headroom, while a decompression bomb (a 300 KB FlateDecode stream
# that inflates to 300 MB) stops after 20 MB instead of pypdf's default 75 MB.
MAX_STREAM_BYTES = 20_000_000
_STREAM_LIMITS = (  # pypdf.Configuration fields (pypdf >= 6.x); fields a version lacks are skipped
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "array_based_stream_maximum_output_length",
)


@contextmanager
def stream_limits(max_bytes: int = MAX_STREAM_BYTES) -> Iterator[None]:
    """pypdf's own decompression limits, tightened to `max_bytes` for this thread and block only
    (pypdf raises LimitReachedError past them). Older pypdf without `apply_configuration` keeps
    its built-in limits."""
    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:
        yield
        return
    current = pypdf.get_configuration()
    with apply(**{name: max_bytes for name in _STREAM_LIMITS if hasattr(current, name)}):
        yield


def _bomb(path: Path, where: str, exc: Exception) -> ResourceLimitError:
    return ResourceLimitError(
        str(path),
        f"{where} inflates past the {MAX_STREAM_BYTES / 1e6:.0f} MB safety limit per stream "
        f"(a decompression bomb or a damaged file; {exc})",
    )


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    page: int  # 1-based
    path: tuple[str, ...]


def _edge_key(line: str) -> str:
    # Digits vary (page numbers) and pypdf splits words by kerning ("V ol." / "Vol ."), so
    # compare header lines with digits masked and all spaces removed.
    return _DIGITS.sub("#", "".join(line.lower().split()))


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop lines that recur near the top/bottom of at least 30% of pages, and bare page numbers."""
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = {_edge_key(x) for x in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:] if x.strip()}
        counts.update(edges)
    threshold = max(3, int(len(pages) * _REPEAT_SHARE))
    repeated = {key for key, n in counts.items() if n >= threshold} if len(pages) >= 3 else set()
    cleaned: list[list[str]] = []
    for lines in pages:
        keep: list[str] = []
        last = len(lines) - 1
        for i, line in enumerate(lines):
            at_edge = i < _EDGE_LINES or i > last - _EDGE_LINES
            if at_edge and (_edge_key(line) in repeated or _PAGE_NUMBER.match(line)):
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def _flatten_outline(reader: PdfReader, items: list[Any], parents: tuple[str, ...]) -> list[OutlineEntry]:
    entries: list[OutlineEntry] = []
    last_path = parents
    for item in items:
        if isinstance(item, list):
            entries.extend(_flatten_outline(reader, item, last_path))
            continue
        try:
            page = reader.get_destination_page_number(item)
        except Exception:  # a broken destination should not sink the document
            continue
        title = clean_inline(str(getattr(item, "title", "") or ""))
        if page is None or page < 0 or not title:
            continue
        last_path = (*parents, title)
        entries.append(OutlineEntry(page=page + 1, path=last_path))
    return entries


def read_outline(reader: PdfReader) -> list[OutlineEntry]:
    try:
        return sorted(_flatten_outline(reader, list(reader.outline), ()), key=lambda e: e.page)
    except Exception as exc:
        log.debug("outline unreadable: %s", exc)
        return []


def _split_at_headings(
    text: str, starting: list[OutlineEntry], current: tuple[str, ...]
) -> list[tuple[tuple[str, ...], str]]:
    """Split one page's text where the outline headings that start on this page appear.

    A heading whose text cannot be found on the page takes effect where the search stands.
    """
    segments: list[tuple[tuple[str, ...], str]] = []
    cursor, path = 0, current
    lowered = text.lower()
    for entry in starting:
        pos = lowered.find(entry.path[-1].lower(), cursor)
        if pos >= 0:
            segments.append((path, text[cursor:pos]))
            cursor = pos
        path = entry.path
    segments.append((path, text[cursor:]))
    return [(p, t) for p, t in segments if t.strip()]


class PdfLoader:
    format: str = "pdf"
    extensions: tuple[str, ...] = (".pdf",)

    def _open(self, path: Path) -> PdfReader:
        try:
            reader = PdfReader(str(path), strict=False)
        except LimitReachedError as exc:
            raise _bomb(path, "a structure stream (xref or object stream)", exc) from exc
        except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError) as exc:
            raise CorruptDocumentError(
                str(path), f"not a readable PDF ({exc}); truncated or damaged? download or export it again"
            ) from exc
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")  # owner-password-only PDFs open with an empty password
            except Exception as exc:
                raise EncryptedDocumentError(
                    str(path), f"PDF is encrypted and cannot be opened ({exc})"
                ) from exc
            if not ok:
                raise EncryptedDocumentError(
                    str(path), "PDF is password-protected; save an unencrypted copy and ingest that"
                )
        return reader

    def load(self, path: Path) -> ParsedDocument:
        with stream_limits():
            return self._load(path)

    def _load(self, path: Path) -> ParsedDocument:
        reader = self._open(path)
        try:
            n_pages = len(reader.pages)
        except LimitReachedError as exc:
            raise ResourceLimitError(str(path), f"the page tree is too large or cyclic ({exc})") from exc
        except (PdfReadError, PdfStreamError, FileNotDecryptedError, KeyError) as exc:
            raise CorruptDocumentError(str(path), f"cannot read the page tree ({exc})") from exc
        raw_pages: list[list[str]] = []
        failed = 0
        for i in range(n_pages):
            try:
                text = reader.pages[i].extract_text() or ""
            except LimitReachedError as exc:  # stop at once: every page may share the bomb stream
                raise _bomb(path, f"the content of page {i + 1}", exc) from exc
            except Exception as exc:  # pypdf raises many types on damaged content streams
                log.warning("%s: page %d unreadable (%s); skipped", path, i + 1, exc)
                failed += 1
                text = ""
            raw_pages.append(text.splitlines())
        if n_pages and failed == n_pages:
            raise CorruptDocumentError(str(path), "no page could be read")
        pages = strip_running_lines(raw_pages)
        outline = read_outline(reader)
        blocks: list[Block] = []
        current: tuple[str, ...] = ()
        for number, lines in enumerate(pages, start=1):
            text = dehyphenate("\n".join(lines))
            starting = [e for e in outline if e.page == number]
            for section, segment in _split_at_headings(text, starting, current):
                cleaned = clean_inline(segment)
                if cleaned:
                    blocks.append(Block(text=cleaned, section=section, page=number))
            if starting:
                current = starting[-1].path
        try:
            meta: dict[str, Any] = dict(reader.metadata or {})
        except Exception as exc:  # a damaged info dictionary costs the metadata, not the text
            log.warning("%s: metadata unreadable (%s); ignored", path, exc)
            meta = {}
        title = clean_inline(str(meta.get("/Title", "") or "")) or path.stem
        return ParsedDocument(
            metadata=DocumentMetadata(
                title=title,
                developer=clean_inline(str(meta.get("/Author", "") or "")),
                released=_pdf_date(str(meta.get("/CreationDate", "") or "")),
            ),
            blocks=blocks,
            format=self.format,
        )


def _pdf_date(value: str) -> str:
    match = re.match(r"D:(\d{4})(\d{2})?", value)
    if not match:
        return ""
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")
