"""The SQLite chunk store on a real file: documents, chunks, ids that vectors are keyed by."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from medcite.core.types import Chunk, Document
from medcite.store.chunk_store import ChunkStore


def _doc(doc_id: str, content_hash: str = "h1") -> Document:
    return Document(
        doc_id,
        f"Title {doc_id}",
        "Dev",
        "2020",
        2020,
        "src",
        "cc",
        f"/x/{doc_id}.md",
        "markdown",
        content_hash,
        extra={"topic": "t"},
    )


def _chunks(doc_id: str, n: int) -> list[Chunk]:
    return [
        Chunk(
            f"{doc_id}:{i}", doc_id, i, f"text {i} of {doc_id}", "A > B", i + 1, i + 1, i * 10, i * 10 + 9, 5
        )
        for i in range(n)
    ]


def test_documents_and_chunks_round_trip_with_provenance(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "store.sqlite")
    ids = store.add_document(_doc("a"), "full text", _chunks("a", 3))
    assert len(ids) == 3 and ids == sorted(ids)
    got = store.chunks_by_ids(reversed(ids))
    chunk, doc = got[ids[1]]
    assert (chunk.chunk_id, chunk.section, chunk.pages, doc.doc_id, doc.extra) == (
        "a:1",
        "A > B",
        "2",
        "a",
        {"topic": "t"},
    )
    assert [c.ordinal for c in store.chunks_of("a")] == [0, 1, 2]
    assert store.document_text("a") == "full text" and store.counts() == (1, 3)
    assert store.find_by_hash("h1").doc_id == "a" and store.find_by_hash("nope") is None  # type: ignore[union-attr]
    assert [row[0] for row in store.iter_chunk_texts()] == ids


def test_deleted_chunk_ids_are_never_reused(tmp_path: Path) -> None:
    """AUTOINCREMENT: a vector keyed by a deleted chunk's id can never point at a new chunk."""
    store = ChunkStore(tmp_path / "store.sqlite")
    first = store.add_document(_doc("a"), "", _chunks("a", 2))
    assert store.delete_document("a") == first
    assert store.get_document("a") is None and store.counts() == (0, 0)
    second = store.add_document(_doc("a"), "", _chunks("a", 2))
    assert min(second) > max(first)


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    ChunkStore(path).add_document(_doc("a"), "", _chunks("a", 1))
    ro = ChunkStore(path, read_only=True)
    assert ro.counts() == (1, 1)
    with pytest.raises(sqlite3.OperationalError):
        ro.delete_document("a")
