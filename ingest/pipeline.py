"""Ingest a batch of files into the index: discover -> load -> chunk -> embed -> store.

Each file succeeds or fails on its own (a specific IngestError in the report); the batch
is committed as one new index generation, so readers never see half a batch. Whatever a
loader, the chunker or the embedder raises on one file (RecursionError, MemoryError, a parser
bug) becomes that file's failure, never the batch's; only a failure while writing the index
aborts the batch, and then the previous generation stays live untouched.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from medcite.core.errors import (
    DuplicateDocumentError,
    FileUnreadableError,
    IngestCrashError,
    IngestError,
)
from medcite.core.protocols import Embedder
from medcite.core.settings import DuplicatePolicy, Settings
from medcite.core.text import passage_text, release_year
from medcite.core.types import Document, DocumentMetadata
from medcite.ingest.chunker import Chunker, document_text
from medcite.ingest.loaders import load_file
from medcite.ingest.loaders.base import check_regular_file
from medcite.ingest.manifest import MANIFEST_NAME, ManifestEntry, ManifestLookup
from medcite.store.index_dir import IndexDirectory, IndexWriter

log = logging.getLogger(__name__)

_IGNORED_NAMES = {MANIFEST_NAME}


@dataclass
class FileFailure:
    path: str
    error: str
    message: str


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, existing doc id)
    failed: list[FileFailure] = field(default_factory=list)
    n_chunks: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_json(self) -> dict[str, object]:
        """The stable JSON of a report (`medcite ingest --json`, an upload job's `report`)."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": [{"path": p, "duplicate_of": d} for p, d in self.duplicates],
            "failed": [vars(f) for f in self.failed],
            "n_chunks": self.n_chunks,
            "seconds": round(self.seconds, 2),
        }

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.duplicates)} duplicate(s) skipped",
            f"{len(self.failed)} failed",
            f"{self.n_chunks} chunks embedded",
            f"{self.seconds:.1f}s",
        ]
        return ", ".join(parts)


def discover(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(file, root) pairs: files given directly, and every file under given folders.

    Hidden files, manifest.json and README files inside folders are not documents. A broken or
    looping symbolic link inside a folder is listed (and then fails, named in the report) rather
    than silently dropped; other non-files (sub-folders, pipes, sockets) are skipped.
    """
    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(path)
                dangling = file.is_symlink() and not file.exists()
                if not (file.is_file() or dangling) or any(part.startswith(".") for part in rel.parts):
                    continue
                if file.name in _IGNORED_NAMES or file.name.lower().startswith("readme"):
                    continue
                found.append((file, path))
        else:
            found.append((path, path.parent))
    return found


def file_sha256(path: Path) -> str:
    """The file's sha256, read in blocks: memory stays constant whatever the file's size."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _merge_metadata(parsed: DocumentMetadata, entry: ManifestEntry | None) -> DocumentMetadata:
    if entry is None:
        return parsed
    f = entry.fields
    return DocumentMetadata(
        title=f.get("title", parsed.title),
        developer=f.get("developer", parsed.developer),
        released=f.get("released", parsed.released),
        source=f.get("source", parsed.source),
        copyright=f.get("copyright", parsed.copyright),
        extra={**parsed.extra, **entry.extra},
    )


class Ingestor:
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.chunker = Chunker(
            embedder.count_tokens,
            max_tokens=settings.index.chunk_max_tokens,
            overlap_tokens=settings.index.chunk_overlap_tokens,
            min_section_tokens=settings.index.chunk_min_section_tokens,
        )

    def ingest(
        self,
        index: IndexDirectory,
        paths: Sequence[Path],
        policy: DuplicatePolicy | None = None,
        progress: bool = True,
    ) -> IngestReport:
        policy = policy or self.settings.index.duplicate_policy
        started = time.perf_counter()
        report = IngestReport()
        files = discover(paths)
        manifests = ManifestLookup()
        seen_ids: dict[str, str] = {}
        with index.write(self.embedder.name, self.embedder.dim) as writer:
            bar = tqdm(files, desc="ingest", unit="file", disable=not progress, dynamic_ncols=True)
            for file, root in bar:
                bar.set_postfix_str(file.name[-40:])
                try:
                    check_regular_file(file)
                    entry = manifests.find(file, root)
                    doc_id = (entry.doc_id if entry and entry.doc_id else file.stem).strip()
                    if doc_id in seen_ids:
                        raise DuplicateDocumentError(
                            str(file),
                            f"document id {doc_id!r} is also used by {seen_ids[doc_id]} in this "
                            "batch; give one of them an 'id' in manifest.json",
                        )
                    seen_ids[doc_id] = str(file)
                    self._ingest_file(writer, file, doc_id, entry, policy, report)
                except IngestError as exc:
                    log.warning("%s", exc, exc_info=isinstance(exc, IngestCrashError))
                    report.failed.append(FileFailure(str(file), type(exc).__name__, exc.reason))
        report.seconds = time.perf_counter() - started
        log.info("ingest: %s", report.summary())
        return report

    def _ingest_file(
        self,
        writer: IndexWriter,
        file: Path,
        doc_id: str,
        entry: ManifestEntry | None,
        policy: DuplicatePolicy,
        report: IngestReport,
    ) -> None:
        max_bytes = int(self.settings.index.max_file_mb * 1e6)
        try:
            content_hash = file_sha256(file) if file.stat().st_size <= max_bytes else ""
        except OSError as exc:  # "" over the limit: load_file reports the size error below
            raise FileUnreadableError(str(file), f"cannot be read ({exc.strerror or exc})") from exc
        existing = writer.store.get_document(doc_id)
        # unchanged = same bytes and every manifest field already indexed (a field added to the
        # manifest later, e.g. `supersedes`, must reach the index)
        if content_hash and existing is not None and existing.content_hash == content_hash:
            same_meta = entry is None or (
                all(getattr(existing, k) == v for k, v in entry.fields.items())
                and all(existing.extra.get(k) == v for k, v in entry.extra.items())
            )
            if same_meta and policy is not DuplicatePolicy.overwrite:
                report.unchanged.append(doc_id)
                return
        twin = writer.store.find_by_hash(content_hash) if content_hash else None
        if twin is not None and twin.doc_id != doc_id:
            if policy is DuplicatePolicy.fail:
                raise DuplicateDocumentError(str(file), f"same content as indexed document {twin.doc_id!r}")
            if policy is DuplicatePolicy.skip:
                log.info("%s: same content as %s; skipped", file, twin.doc_id)
                report.duplicates.append((str(file), twin.doc_id))
                return
        try:  # nothing is written yet, so any failure here is this file's alone
            parsed = load_file(file, max_bytes=max_bytes)
            meta = _merge_metadata(parsed.metadata, entry)
            chunks = self.chunker.chunk(doc_id, parsed.blocks)
            text, _ = document_text([b for b in parsed.blocks if b.text.strip()])
            title = meta.title or file.stem
            vectors = self.embedder.encode([passage_text(title, c.section, c.text) for c in chunks])
        except IngestError:
            raise
        except Exception as exc:  # RecursionError, MemoryError, a bug in a parser
            raise IngestCrashError(
                str(file),
                f"unexpected {type(exc).__name__} while loading, chunking or embedding it ({exc}); "
                "the file was skipped, the rest of the batch was ingested",
            ) from exc
        document = Document(
            doc_id=doc_id,
            title=title,
            developer=meta.developer,
            released=meta.released,
            year=release_year(meta.released),
            source=meta.source,
            copyright=meta.copyright,
            path=str(file.resolve()),
            format=parsed.format,
            content_hash=content_hash,
            n_chunks=len(chunks),
            extra=meta.extra,
        )
        if existing is not None:
            writer.vectors.remove(writer.store.delete_document(doc_id))
        ids = writer.store.add_document(document, text, chunks)
        writer.vectors.add(ids, vectors)
        writer.changed = True
        (report.updated if existing is not None else report.added).append(doc_id)
        report.n_chunks += len(chunks)


def reembed(index: IndexDirectory, embedder: Embedder, progress: bool = True) -> int:
    """Re-encode every chunk of the live index with another embedder; one atomic new generation.

    Chunks, documents and BM25 are kept as they are (no re-parsing), so switching the embedding
    model costs only the encoding. Returns the number of chunks encoded.
    """
    with index.write(embedder.name, embedder.dim, new_model=True) as writer:
        ids: list[int] = []
        texts: list[str] = []
        for chunk_id, title, section, text in writer.store.iter_chunk_texts():
            ids.append(chunk_id)
            texts.append(passage_text(title, section, text))
        writer.vectors.add(ids, embedder.encode(texts, show_progress=progress))
        writer.changed = True
    log.info("re-embedded %d chunks with %s", len(ids), embedder.name)
    return len(ids)


def remove_documents(index: IndexDirectory, doc_ids: Sequence[str]) -> list[str]:
    """Delete documents (chunks and vectors); returns the ids that were not found."""
    info = index.info()  # raises IndexNotFoundError when there is nothing to remove from
    missing: list[str] = []
    with index.write(info.embedding_model, info.dim) as writer:
        for doc_id in doc_ids:
            if writer.store.get_document(doc_id) is None:
                missing.append(doc_id)
                continue
            writer.vectors.remove(writer.store.delete_document(doc_id))
            writer.changed = True
    return missing
