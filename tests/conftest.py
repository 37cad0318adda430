"""Shared fixtures: the real embedding model, a starter-corpus index, a full shared-corpus index."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medcite.engine import Engine
from medcite.settings import Settings
from retrieval.embedder import Embedder, load_embedder

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MEDCITE_SHARED", REPO.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"
STARTER_CORPUS = REPO / "corpus"
CDC_2022 = SHARED_CORPUS / "pdf" / "cdc-2022-opioids-chronic-pain-rr7103a1.pdf"

needs_shared = pytest.mark.skipif(
    not (SHARED_CORPUS / "manifest.json").is_file(),
    reason=f"real guideline data not found at {SHARED_CORPUS} (set MEDCITE_SHARED)",
)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The configured offline embedding model (int8 ONNX MiniLM by default), loaded once per session."""
    return load_embedder(Settings().embedding_model)


def make_engine(index: Path, embedder: Embedder, **overrides: object) -> Engine:
    settings = Settings().model_copy(update={"index": index, **overrides})
    return Engine(settings, embedder=embedder)


@pytest.fixture(scope="session")
def starter_engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Engine:
    engine = make_engine(tmp_path_factory.mktemp("starter") / "index", embedder)
    report = engine.ingest([STARTER_CORPUS], progress=False)
    assert report.ok, report.failed
    return engine


@pytest.fixture(scope="session")
def shared_engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Engine]:
    """All 109 real guideline documents, ingested once (a few minutes on 2 cores)."""
    if not (SHARED_CORPUS / "manifest.json").is_file():
        pytest.skip(f"real guideline data not found at {SHARED_CORPUS}")
    engine = make_engine(tmp_path_factory.mktemp("shared") / "index", embedder)
    engine.last_report = engine.ingest([SHARED_CORPUS], progress=False)  # type: ignore[attr-defined]
    yield engine
