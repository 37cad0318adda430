"""Regression tests for three hostile-input bugs, each failing before its fix:

1. 5,000 nested <div>s raised RecursionError out of the HTML loader and aborted the whole batch;
   any unexpected exception from a loader or the chunker must fail only its own file.
2. A 300 MB .txt took 3.6 GB and then blamed a "scanned image PDF": text is read in bounded
   blocks, the hash streams, binary data fails fast as "is not text".
3. A PDF decompression bomb must fail at once with a clear error, inside pypdf's own limits.

Memory is asserted with tracemalloc peaks relative to the file size (not wall-clock time).
"""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest

from medcite.core.errors import EmptyDocumentError, ResourceLimitError, TextDecodingError
from medcite.core.protocols import Embedder
from medcite.engine import Engine
from medcite.ingest import pipeline
from medcite.ingest.chunker import Chunker
from medcite.ingest.loaders import load_file
from medcite.ingest.loaders import text as text_loader
from medcite.ingest.loaders.html import HtmlLoader

GOOD_MD = "# Good guideline\n\n## Dosing\n\nMetformin is started at 500 mg once daily with meals.\n"
NESTED_HTML = (
    "<html><body>" + "<div>" * 5000 + "<p>Deep guideline text.</p>" + "</div>" * 5000 + "</body></html>"
)
EngineFactory = Callable[..., Engine]
LINE = "Metformin is started at 500 mg once daily with meals and titrated weekly to effect. "


def _peak(fn: Callable[[], Any]) -> tuple[Any, int]:
    """(result or raised exception, peak bytes allocated by Python while `fn` ran)."""
    tracemalloc.start()
    try:
        try:
            result = fn()
        except Exception as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(autouse=True)
def _warm_loaders(tmp_path: Path) -> None:
    warm = tmp_path / "warm.html"
    warm.write_text("<p>warm</p>")
    load_file(warm)  # imports bs4/lxml/pypdf before any tracemalloc window opens


def _big_text(path: Path, megabytes: int) -> Path:
    paragraph = "\n".join([LINE] * 6) + "\n\n"
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(megabytes * 1_000_000 // len(paragraph)):
            fh.write(paragraph)
    return path


# --- 1. deep nesting, and the batch surviving any one file's crash ---------------------
def test_html_nested_5000_deep_is_walked_without_recursion(tmp_path: Path) -> None:
    path = tmp_path / "nested.html"
    path.write_text(NESTED_HTML)
    assert [b.text for b in load_file(path).blocks] == ["Deep guideline text."]
    lists = tmp_path / "lists.html"
    lists.write_text("<ul>" + "<li>level<ul>" * 3000 + "<li>deepest</li>" + "</ul></li>" * 3000 + "</ul>")
    blocks = load_file(lists).blocks
    assert len(blocks) == 3001 and blocks[-1].text == "  " * 3000 + "- deepest"


def test_batch_with_deeply_nested_html_ingests_the_other_file(
    tmp_path: Path, embedder: Embedder, make_engine: EngineFactory
) -> None:
    (tmp_path / "nested.html").write_text(NESTED_HTML)
    (tmp_path / "good.md").write_text(GOOD_MD)
    engine = make_engine(tmp_path / "index", embedder)
    report = engine.ingest([tmp_path / "nested.html", tmp_path / "good.md"], progress=False)
    assert sorted(report.added) == ["good", "nested"] and report.ok
    assert "Deep guideline text." in engine.snapshot().store.document_text("nested")


@pytest.mark.parametrize(
    "exc", [RecursionError("maximum recursion depth exceeded"), MemoryError(), ValueError("parser bug")]
)
@pytest.mark.parametrize("stage", ["loader", "chunker"])
def test_unexpected_exception_fails_only_its_file(
    tmp_path: Path,
    embedder: Embedder,
    make_engine: EngineFactory,
    monkeypatch: pytest.MonkeyPatch,
    exc: Exception,
    stage: str,
) -> None:
    if stage == "loader":

        def explode(self: HtmlLoader, path: Path) -> None:
            raise exc

        monkeypatch.setattr(HtmlLoader, "load", explode)
    else:
        real_chunk = Chunker.chunk

        def chunk(self: Chunker, doc_id: str, blocks: Any) -> Any:
            if doc_id == "bad":
                raise exc
            return real_chunk(self, doc_id, blocks)

        monkeypatch.setattr(Chunker, "chunk", chunk)
    (tmp_path / "bad.html").write_text("<p>Some guideline text.</p>")
    (tmp_path / "good.md").write_text(GOOD_MD)
    engine = make_engine(tmp_path / "index", embedder)
    report = engine.ingest([tmp_path / "bad.html", tmp_path / "good.md"], progress=False)
    assert report.added == ["good"]
    [failure] = report.failed
    assert failure.path == str(tmp_path / "bad.html")
    assert failure.error == "IngestCrashError"
    assert f"unexpected {type(exc).__name__}" in failure.message and "skipped" in failure.message
    assert [d.doc_id for d in engine.documents()] == ["good"]


# --- 2. text: bounded memory, streamed hash, format-appropriate messages ----------------
def test_text_loader_peak_memory_is_bounded(tmp_path: Path) -> None:
    path = _big_text(tmp_path / "big.txt", 8)
    size = path.stat().st_size
    doc, peak = _peak(lambda: load_file(path))
    assert not isinstance(doc, Exception), doc
    assert sum(len(b.text) for b in doc.blocks) > 0.95 * size
    # the kept blocks are ~1x the file; before: bytes + str + split list + copies (3-12x)
    assert peak < 2 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"


def test_file_hash_streams(tmp_path: Path) -> None:
    path = _big_text(tmp_path / "big.txt", 8)
    digest, peak = _peak(lambda: pipeline.file_sha256(path))
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert peak < 4_000_000  # blocks, never the whole file


def test_nul_filled_text_fails_fast_as_not_text(
    tmp_path: Path, embedder: Embedder, make_engine: EngineFactory, hostile: Any
) -> None:
    """The reported case in miniature: `truncate -s 300M big.txt` with the size limit raised."""
    bad = hostile.sparse(tmp_path / "big.txt", 30_000_000)
    (tmp_path / "good.md").write_text(GOOD_MD)
    engine = make_engine(tmp_path / "index", embedder, max_file_mb=1000)
    report, peak = _peak(lambda: engine.ingest([bad, tmp_path / "good.md"], progress=False))
    assert report.added == ["good"]
    [failure] = report.failed
    assert failure.error == "TextDecodingError" and "is not text" in failure.message
    assert "PDF" not in failure.message
    assert peak < 0.25 * 30_000_000, f"peak {peak / 1e6:.0f} MB"  # before: 10x the file


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("blank.txt", b"  \n\n\t \x0c\n" * 50, r"contains no text \(only whitespace"),
        (
            "scripts.html",
            b"<html><head><style>p{}</style></head><body><script>x=1</script></body></html>",
            "outside scripts",
        ),
        ("front.md", b"---\ntitle: Only metadata\n---\n", "besides front matter"),
    ],
)
def test_no_text_message_fits_the_format(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(EmptyDocumentError, match=expected) as info:
        load_file(path)
    assert "PDF" not in str(info.value)


def test_blank_pdf_message_suggests_ocr(tmp_path: Path, pdfs: Any) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdfs.text([[]]))
    with pytest.raises(EmptyDocumentError, match=r"scanned image PDF.*OCR"):
        load_file(path)


def test_binary_junk_named_txt_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(20_000)))  # deterministic "random"
    with pytest.raises(TextDecodingError, match="is not text"):
        load_file(path)


@pytest.mark.parametrize(
    ("data", "texts"),
    [
        ("\ufeffTitle\n\nBody".encode("utf-16-le"), ["Title", "Body"]),  # Notepad "Unicode"
        ("\ufeffTitle\n\nBody".encode("utf-16-be"), ["Title", "Body"]),
        ("Title\n\nBody".encode("utf-32"), ["Title", "Body"]),  # the codec writes the BOM
        ("\ufeffTitle\r\n\r\nBody".encode(), ["Title", "Body"]),
    ],
)
def test_text_with_a_bom_decodes(tmp_path: Path, data: bytes, texts: list[str]) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(data)
    assert [b.text for b in load_file(path).blocks] == texts


def test_block_boundaries_do_not_change_the_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Café line one\r\nline two\r\n\r\nSecond ¶ paragraph — ünïcödé\r\n\r\n\r\nThird\rfourth"
    path = tmp_path / "t.txt"
    path.write_bytes(text.encode())
    whole = [b.text for b in load_file(path).blocks]
    assert whole == ["Café line one line two", "Second ¶ paragraph — ünïcödé", "Third fourth"]
    for block in (1, 2, 3, 5):  # split CRLFs and multi-byte characters across reads
        monkeypatch.setattr(text_loader, "_BLOCK", block)
        assert [b.text for b in load_file(path).blocks] == whole


def test_invalid_utf8_names_the_exact_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"ok text " * 10 + "caf\xe9".encode("latin-1"))
    monkeypatch.setattr(text_loader, "_BLOCK", 16)
    with pytest.raises(TextDecodingError, match=r"not valid UTF-8 \(byte 83: b'\\xe9'\)"):
        load_file(path)


# --- 3. PDF decompression bomb --------------------------------------------------------
def test_pdf_decompression_bomb_fails_at_once(tmp_path: Path, hostile: Any) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(hostile.bomb_pdf(inflated_mb=100, pages=20))  # every page shares the bomb
    assert path.stat().st_size < 200_000
    before = pypdf.get_configuration() if hasattr(pypdf, "get_configuration") else None
    error, peak = _peak(lambda: load_file(path))
    assert isinstance(error, ResourceLimitError), error
    assert "page 1 inflates past the 20 MB safety limit" in str(error)
    assert "decompression bomb" in str(error)
    assert peak < 64_000_000, f"peak {peak / 1e6:.0f} MB"  # before: 75 MB inflated per page
    if before is not None:  # the tighter limit was scoped to the load
        assert pypdf.get_configuration() == before
