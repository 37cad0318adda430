"""Shared fixtures: the real embedding model, a starter-corpus index, a full shared-corpus index,
the real data in ../shared, small real PDFs, and the grounding checks every answer test uses.

Test modules share only what is here (fixtures and pytest hooks); they never import each other.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from medcite import paths
from medcite.core.protocols import Embedder
from medcite.core.registry import EMBEDDERS
from medcite.core.serialize import answer_body
from medcite.core.settings import Settings
from medcite.core.types import Answer
from medcite.engine import Engine
from medcite.generation.grounding import check_grounding, parse_cited_text

# hermetic: optimised ONNX graphs go to a fresh cache per run (subprocesses inherit it)
os.environ["MEDCITE_CACHE_DIR"] = tempfile.mkdtemp(prefix="medcite-test-cache-")

SHARED = Path(os.environ.get("MEDCITE_SHARED") or paths.shared_dir())
SHARED_CORPUS = SHARED / "corpus"

EngineFactory = Callable[..., Engine]


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """The 109 real guideline documents in ../shared/corpus (the test skips without them)."""
    if not (SHARED_CORPUS / "manifest.json").is_file():
        pytest.skip(f"real guideline data not found at {SHARED_CORPUS} (set MEDCITE_SHARED)")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def cdc_2022_pdf(shared_corpus: Path) -> Path:
    return shared_corpus / "pdf" / "cdc-2022-opioids-chronic-pain-rr7103a1.pdf"


@pytest.fixture(scope="session")
def starter_corpus() -> Path:
    """The packaged starter guidelines (corpus/guidelines in the source tree)."""
    return paths.starter_corpus()


@pytest.fixture(scope="session")
def suites() -> Path:
    """The packaged eval suites (eval/suites in the source tree)."""
    return paths.suites_dir()


@pytest.fixture(scope="session")
def test_data() -> Path:
    return Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The configured offline embedding model (int8 ONNX MiniLM by default), loaded once per session."""
    models = Settings().models
    embedder: Embedder = EMBEDDERS.create(models.embedder, models.embedding_model)
    return embedder


def _make_engine(index: Path, embedder: Embedder, **overrides: object) -> Engine:
    return Engine(Settings().updated(index=index, **overrides), embedder=embedder)


@pytest.fixture(scope="session")
def make_engine() -> EngineFactory:
    """make_engine(index_dir, embedder, **flat_setting_overrides) -> Engine."""
    return _make_engine


@pytest.fixture(scope="session")
def starter_engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, starter_corpus: Path) -> Engine:
    engine = _make_engine(tmp_path_factory.mktemp("starter") / "index", embedder)
    report = engine.ingest([starter_corpus], progress=False)
    assert report.ok, report.failed
    return engine


@pytest.fixture(scope="session")
def shared_engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, shared_corpus: Path
) -> Iterator[Engine]:
    """All 109 real guideline documents, ingested once (a few minutes on 2 cores)."""
    engine = _make_engine(tmp_path_factory.mktemp("shared") / "index", embedder)
    engine.last_report = engine.ingest([shared_corpus], progress=False)  # type: ignore[attr-defined]
    yield engine


def _assert_grounded(answer: Answer) -> None:
    assert not answer.abstained
    assert answer.sentences
    numbers = {r.n for r in answer.references}
    assert numbers == set(range(1, len(answer.references) + 1))
    for s in answer.sentences:
        assert s.citations, s.text
        assert set(s.citations) <= numbers
        # extractive: the sentence is verbatim in each passage it cites
        for n in s.citations:
            assert s.text in answer.references[n - 1].hit.chunk.text
    assert check_grounding(answer) == []
    # the rendered text round-trips through the parser that reads other systems' answers
    parsed = parse_cited_text(answer_body(answer))
    assert [p.citations for p in parsed] == [s.citations for s in answer.sentences]


@pytest.fixture(scope="session")
def assert_grounded() -> Callable[[Answer], None]:
    """Checks an extractive answer: every sentence cited, verbatim in its passage, numbers exist."""
    return _assert_grounded


# --- small real PDFs, built in memory (no fixture files) -------------------------------
def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _text_pdf(pages: list[list[str]]) -> bytes:
    """A valid PDF whose pages show the given lines in Helvetica (extractable by pypdf)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        content_id = 4 + 2 * i
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode()
        )
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
        for line in lines:
            ops.append(f"({_escape(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _encrypted_pdf(pages: list[list[str]], password: str = "secret") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_text_pdf(pages))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class PdfFactory:
    """`text(pages)`: a valid PDF showing the lines; `encrypted(pages)`: a password-protected one."""

    text = staticmethod(_text_pdf)
    encrypted = staticmethod(_encrypted_pdf)


@pytest.fixture(scope="session")
def pdfs() -> PdfFactory:
    return PdfFactory()
