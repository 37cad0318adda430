"""The versioned on-disk index directory and its atomic, generation-based writes.

Layout::

    INDEX/
      CURRENT              name of the live generation (replaced atomically)
      write.lock           held by the one writer
      gen-000007/          a complete, immutable snapshot
        index.json         format version, embedding model, counts
        store.sqlite       documents + chunks (text and provenance)
        vectors.faiss      FAISS IndexIDMap2(IndexFlatIP) keyed by chunk id
        bm25/              bm25s index + chunk ids
      .tmp-gen-000008/     a write in progress (removed if the writer dies)

A write copies the live generation into a temporary folder, changes it there, and only
then renames it into place and swaps CURRENT. A crash at any point leaves CURRENT pointing
at the previous, complete generation.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from medcite.core.errors import IndexFormatError, IndexLockedError, IndexNotFoundError
from medcite.core.protocols import vector_space
from medcite.core.registry import VECTOR_STORES
from medcite.store.abbreviation_index import AbbreviationIndex
from medcite.store.chunk_store import ChunkStore
from medcite.store.lexical_index import Bm25Index
from medcite.store.vector_index import VectorIndex

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
KEEP_GENERATIONS = 2
_CURRENT = "CURRENT"
_LOCK = "write.lock"
_INFO = "index.json"
_STORE = "store.sqlite"
_VECTORS = "vectors.faiss"
_LEXICAL = "bm25"


@dataclass(frozen=True, slots=True)
class IndexInfo:
    format_version: int
    embedding_model: str
    dim: int
    generation: str
    created_at: str
    n_documents: int
    n_chunks: int


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for p in path.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


class IndexSnapshot:
    """A read-only view of one generation: store, vectors and BM25 loaded together."""

    def __init__(self, path: Path, vector_store: type[VectorIndex] = VectorIndex) -> None:
        self.path = path
        self.info = read_info(path)
        self.store = ChunkStore(path / _STORE, read_only=True)
        self.vectors = vector_store.load(path / _VECTORS)
        self.lexical = Bm25Index.load(path / _LEXICAL)
        self.abbreviations = AbbreviationIndex.load(path)

    def close(self) -> None:
        self.store.close()


class IndexWriter:
    """Mutable working copy of the index inside a write transaction."""

    def __init__(self, path: Path, dim: int, vector_store: type[VectorIndex] = VectorIndex) -> None:
        self.path = path
        self.store = ChunkStore(path / _STORE)
        vectors_path = path / _VECTORS
        self.vectors = vector_store.load(vectors_path) if vectors_path.exists() else vector_store.empty(dim)
        self.changed = False

    def finalize(self, embedding_model: str, generation: str) -> IndexInfo:
        self.vectors.save(self.path / _VECTORS)
        n_docs, n_chunks = self.store.counts()
        if n_chunks != len(self.vectors):
            raise IndexFormatError(
                f"store has {n_chunks} chunks but the vector index {len(self.vectors)}; write aborted"
            )
        Bm25Index.build(self.store.iter_chunk_texts()).save(self.path / _LEXICAL)
        AbbreviationIndex.build(text for _, _, _, text in self.store.iter_chunk_texts()).save(self.path)
        self.store.close()
        info = IndexInfo(
            format_version=FORMAT_VERSION,
            embedding_model=embedding_model,
            dim=self.vectors.dim,
            generation=generation,
            created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            n_documents=n_docs,
            n_chunks=n_chunks,
        )
        (self.path / _INFO).write_text(json.dumps(asdict(info), indent=2))
        return info


def read_info(generation: Path) -> IndexInfo:
    try:
        data = json.loads((generation / _INFO).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexFormatError(f"{generation} has no readable {_INFO}: {exc}") from exc
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"index at {generation.parent} has format version {version}; this medcite reads "
            f"version {FORMAT_VERSION}. Re-ingest into a new index directory."
        )
    return IndexInfo(**data)


def ensure_same_space(info: IndexInfo, root: Path, embedding_model: str, dim: int) -> None:
    """Writes and queries must embed into the vector space the index was built in."""
    if vector_space(info.embedding_model) != vector_space(embedding_model) or info.dim != dim:
        raise IndexFormatError(
            f"index at {root} was built with embedding model {info.embedding_model!r} "
            f"({info.dim}-d), but {embedding_model!r} ({dim}-d) is configured; use the same "
            f"model, ingest into a new index directory, or switch this index with "
            f"`medcite reembed --model {embedding_model} --index {root}`"
        )


class IndexDirectory:
    """The index folder: which generation is live, and atomic writes of the next one.

    `vector_store` names the vector index implementation in the registry (VECTOR_STORES).
    """

    def __init__(self, root: Path, vector_store: str = "faiss") -> None:
        self.root = Path(root)
        self.vector_store: type[VectorIndex] = VECTOR_STORES.factory(vector_store)  # type: ignore[assignment]

    def exists(self) -> bool:
        return (self.root / _CURRENT).is_file()

    def current(self) -> Path:
        try:
            name = (self.root / _CURRENT).read_text().strip()
        except FileNotFoundError as exc:
            raise IndexNotFoundError(
                f"no index at {self.root}; build one with `medcite ingest PATH --index {self.root}`"
            ) from exc
        path = self.root / name
        if not path.is_dir():
            raise IndexFormatError(f"{self.root}/{_CURRENT} names {name}, which is missing")
        return path

    def info(self) -> IndexInfo:
        return read_info(self.current())

    def read_store(self) -> ChunkStore:
        """The live generation's store alone, read-only (no vectors or BM25 loaded)."""
        return ChunkStore(self.current() / _STORE, read_only=True)

    def open(self) -> IndexSnapshot:
        return IndexSnapshot(self.current(), self.vector_store)

    def check_compatible(self, embedding_model: str, dim: int) -> None:
        if self.exists():
            ensure_same_space(self.info(), self.root, embedding_model, dim)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / _LOCK, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IndexLockedError(
                    f"another process is writing the index at {self.root}; try again when it ends"
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def write(self, embedding_model: str, dim: int, new_model: bool = False) -> Iterator[IndexWriter]:
        """Yield a writer on a private copy; commit it atomically if the block succeeds.

        new_model: the writer replaces every vector (a re-embed), so the model may change.
        """
        with self._locked():
            if not new_model:
                self.check_compatible(embedding_model, dim)
            for stale in self.root.glob(".tmp-gen-*"):
                log.warning("removing %s left by an interrupted write", stale.name)
                shutil.rmtree(stale, ignore_errors=True)
            previous = self.current() if self.exists() else None
            number = int(previous.name.split("-")[1]) + 1 if previous else 1
            generation = f"gen-{number:06d}"
            tmp = self.root / f".tmp-{generation}"
            tmp.mkdir()
            try:
                if previous is not None:
                    shutil.copy2(previous / _STORE, tmp / _STORE)
                    if not new_model:
                        shutil.copy2(previous / _VECTORS, tmp / _VECTORS)
                writer = IndexWriter(tmp, dim, self.vector_store)
                yield writer
                if not writer.changed and previous is not None:
                    writer.store.close()
                    shutil.rmtree(tmp)
                    return
                writer.finalize(embedding_model, generation)
                _fsync_tree(tmp)
                os.rename(tmp, self.root / generation)
                pointer = self.root / f".{_CURRENT}.tmp"
                pointer.write_text(generation + "\n")
                with open(pointer, "rb") as fh:
                    os.fsync(fh.fileno())
                os.replace(pointer, self.root / _CURRENT)
                _fsync_dir(self.root)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            self._prune()

    def _prune(self) -> None:
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir())
        for old in generations[:-KEEP_GENERATIONS]:
            shutil.rmtree(old, ignore_errors=True)
