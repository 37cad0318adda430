"""SQLite store for documents and chunks: the text and provenance behind every vector.

The integer `rowid` of a chunk is its FAISS id, so vectors can be removed per document.
AUTOINCREMENT keeps ids of deleted chunks from being reused.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from medcite.core.types import Chunk, Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    developer TEXT NOT NULL,
    released TEXT NOT NULL,
    year INTEGER,
    source TEXT NOT NULL,
    copyright TEXT NOT NULL,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    extra TEXT NOT NULL,
    text TEXT NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    section TEXT NOT NULL,
    page_start INTEGER,
    page_end INTEGER,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    n_tokens INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
"""

_DOC_COLUMNS = (
    "doc_id, title, developer, released, year, source, copyright, path, format, content_hash, n_chunks, extra"
)
_CHUNK_COLUMNS = (
    "id, chunk_id, doc_id, ordinal, section, page_start, page_end, char_start, char_end, n_tokens, text"
)


def _document(row: sqlite3.Row) -> Document:
    return Document(
        doc_id=row["doc_id"],
        title=row["title"],
        developer=row["developer"],
        released=row["released"],
        year=row["year"],
        source=row["source"],
        copyright=row["copyright"],
        path=row["path"],
        format=row["format"],
        content_hash=row["content_hash"],
        n_chunks=row["n_chunks"],
        extra=json.loads(row["extra"]),
    )


def _chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        ordinal=row["ordinal"],
        text=row["text"],
        section=row["section"],
        page_start=row["page_start"],
        page_end=row["page_end"],
        char_start=row["char_start"],
        char_end=row["char_end"],
        n_tokens=row["n_tokens"],
    )


class ChunkStore:
    """Documents and chunks in one SQLite file. Open read-only for queries."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            uri = f"file:{path}?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.conn = sqlite3.connect(path, check_same_thread=False)
            self.conn.executescript(SCHEMA)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        self.conn.close()

    # -- documents ---------------------------------------------------------------------
    def get_document(self, doc_id: str) -> Document | None:
        row = self.conn.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return _document(row) if row else None

    def find_by_hash(self, content_hash: str) -> Document | None:
        row = self.conn.execute(
            f"SELECT {_DOC_COLUMNS} FROM documents WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        return _document(row) if row else None

    def documents(self) -> list[Document]:
        rows = self.conn.execute(f"SELECT {_DOC_COLUMNS} FROM documents ORDER BY doc_id")
        return [_document(r) for r in rows]

    def document_text(self, doc_id: str) -> str:
        row = self.conn.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return str(row["text"]) if row else ""

    def add_document(self, doc: Document, text: str, chunks: Sequence[Chunk]) -> list[int]:
        """Insert a document and its chunks; returns the chunks' integer ids (FAISS ids)."""
        with self.conn:
            self.conn.execute(
                "INSERT INTO documents (doc_id, title, developer, released, year, source, "
                "copyright, path, format, content_hash, n_chunks, extra, text) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    doc.doc_id,
                    doc.title,
                    doc.developer,
                    doc.released,
                    doc.year,
                    doc.source,
                    doc.copyright,
                    doc.path,
                    doc.format,
                    doc.content_hash,
                    len(chunks),
                    json.dumps(doc.extra, sort_keys=True),
                    text,
                ),
            )
            ids: list[int] = []
            for c in chunks:
                cur = self.conn.execute(
                    "INSERT INTO chunks (chunk_id, doc_id, ordinal, section, page_start, page_end, "
                    "char_start, char_end, n_tokens, text) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        c.chunk_id,
                        c.doc_id,
                        c.ordinal,
                        c.section,
                        c.page_start,
                        c.page_end,
                        c.char_start,
                        c.char_end,
                        c.n_tokens,
                        c.text,
                    ),
                )
                assert cur.lastrowid is not None
                ids.append(cur.lastrowid)
        return ids

    def delete_document(self, doc_id: str) -> list[int]:
        """Delete a document and its chunks; returns the removed chunks' ids."""
        with self.conn:
            ids = [r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
            self.conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            self.conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return ids

    # -- chunks ------------------------------------------------------------------------
    def chunks_by_ids(self, ids: Iterable[int]) -> dict[int, tuple[Chunk, Document]]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(
            f"SELECT c.id AS id, c.chunk_id, c.doc_id, c.ordinal, c.section, c.page_start, "
            f"c.page_end, c.char_start, c.char_end, c.n_tokens, c.text, "
            f"d.title, d.developer, d.released, d.year, d.source, d.copyright, d.path, d.format, "
            f"d.content_hash, d.n_chunks, d.extra "
            f"FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE c.id IN ({marks})",
            wanted,
        )
        return {int(r["id"]): (_chunk(r), _document(r)) for r in rows}

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        rows = self.conn.execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
        )
        return [_chunk(r) for r in rows]

    def iter_chunk_texts(self) -> Iterator[tuple[int, str, str, str]]:
        """(id, title, section, text) for every chunk, in id order (for the BM25 build)."""
        yield from self.conn.execute(
            "SELECT c.id, d.title, c.section, c.text FROM chunks c "
            "JOIN documents d ON d.doc_id = c.doc_id ORDER BY c.id"
        )

    def counts(self) -> tuple[int, int]:
        n_docs = self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        n_chunks = self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(n_docs), int(n_chunks)
