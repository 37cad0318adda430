"""The indexed documents, their original files, and the jobs that change them.

Reads come from the live snapshot; every write (upload, delete, reindex) is queued as a job
(`medcite.api.jobs`) and answered with 202 and the job's id.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse

from medcite.api.errors import ApiError
from medcite.api.jobs import Job, JobKind, JobRunner, JobStore
from medcite.api.schemas import (
    ChunkOut,
    DocumentDetailOut,
    DocumentOut,
    DocumentPage,
    JobOut,
    ReindexRequest,
    error_responses,
)
from medcite.api.security import require_read_key, require_write_key
from medcite.api.uploads import DOC_ID_PATTERN, store_upload
from medcite.core.types import Document
from medcite.engine import Engine

router = APIRouter(tags=["documents"])
_READ: list[Any] = [Depends(require_read_key)]
_WRITE: list[Any] = [Depends(require_write_key)]
_WRITE_ERRORS = error_responses(403, 415, 503)
_NOT_FOUND = error_responses(404, 503)
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_SOURCE_TYPES = {
    media: _BINARY
    for media in ("application/pdf", "text/html", "text/markdown", "text/plain", "application/octet-stream")
}


def job_out(job: Job) -> JobOut:
    return JobOut(
        job_id=job.job_id,
        kind=job.kind.value,
        state=job.state.value,
        progress=round(job.progress, 3),
        message=job.message,
        doc_ids=job.doc_ids,
        report=job.report,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _queue(request: Request, kind: JobKind, args: dict[str, Any], doc_ids: list[str]) -> JobOut:
    store: JobStore = request.app.state.jobs
    job = store.create(kind, args, doc_ids)
    runner: JobRunner | None = request.app.state.runner
    if runner is not None:
        runner.wake()
    return job_out(job)


def _superseded_by(documents: list[Document]) -> dict[str, list[str]]:
    newer: dict[str, list[str]] = {}
    for doc in documents:
        for old in (d.strip() for d in doc.extra.get("supersedes", "").split(",")):
            if old:
                newer.setdefault(old, []).append(doc.doc_id)
    return newer


def _document(engine: Engine, doc_id: str) -> Document:
    doc = engine.snapshot().store.get_document(doc_id)
    if doc is None:
        raise ApiError(404, "document_not_found", f"no document {doc_id!r} in the index (see GET /documents)")
    return doc


@router.get("/documents", response_model=DocumentPage, responses=_NOT_FOUND, dependencies=_READ)
def list_documents(
    request: Request,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DocumentPage:
    """The indexed documents, newest release first, a page at a time."""
    engine: Engine = request.app.state.engine
    listed = engine.documents() if engine.index.exists() else []  # before the first upload: none
    documents = sorted(listed, key=lambda d: (d.released or "", d.doc_id), reverse=True)
    newer = _superseded_by(documents)
    page = documents[offset : offset + limit]
    return DocumentPage(
        total=len(documents),
        offset=offset,
        limit=limit,
        documents=[DocumentOut.of(d, newer.get(d.doc_id)) for d in page],
    )


@router.get("/documents/{doc_id}", response_model=DocumentDetailOut, responses=_NOT_FOUND, dependencies=_READ)
def get_document(doc_id: str, request: Request) -> DocumentDetailOut:
    """One document's metadata and its chunks (the passages citations point to)."""
    engine: Engine = request.app.state.engine
    doc = _document(engine, doc_id)
    newer = _superseded_by(engine.documents()).get(doc_id)
    chunks = [ChunkOut.of(c) for c in engine.snapshot().store.chunks_of(doc_id)]
    return DocumentDetailOut(**DocumentOut.of(doc, newer).model_dump(), chunks=chunks)


@router.get(
    "/documents/{doc_id}/source",
    response_class=FileResponse,
    responses={**_NOT_FOUND, 200: {"content": _SOURCE_TYPES, "description": "The original file"}},
    dependencies=_READ,
)
def document_source(doc_id: str, request: Request) -> FileResponse:
    """The original file; a PDF opens at a cited page with `#page=N`."""
    engine: Engine = request.app.state.engine
    doc = _document(engine, doc_id)
    path = Path(doc.path)
    if not doc.path or not path.is_file():
        raise ApiError(404, "source_missing", f"the original file of {doc_id!r} is no longer at the server")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return FileResponse(path, media_type=media, content_disposition_type="inline", filename=path.name)


@router.post(
    "/documents", status_code=202, response_model=JobOut, responses=_WRITE_ERRORS, dependencies=_WRITE
)
async def upload_document(
    request: Request,
    file: Annotated[UploadFile, File(description="PDF, HTML, Markdown or text guideline")],
    doc_id: Annotated[str | None, Form(pattern=DOC_ID_PATTERN)] = None,
    title: Annotated[str | None, Form(max_length=500)] = None,
    developer: Annotated[str | None, Form(max_length=300)] = None,
    released: Annotated[str | None, Form(max_length=40)] = None,
    source: Annotated[str | None, Form(max_length=2000)] = None,
    supersedes: Annotated[str | None, Form(max_length=500)] = None,
) -> JobOut:
    """Upload a guideline: stored under a derived name, then ingested by a queued job."""
    engine: Engine = request.app.state.engine
    metadata = {
        "title": title or "",
        "developer": developer or "",
        "released": released or "",
        "source": source or "",
        "supersedes": supersedes or "",
    }
    max_bytes = int(engine.settings.server.max_upload_mb * 1e6)
    stored = await store_upload(file, engine.index.root / "sources", doc_id, metadata, max_bytes)
    return _queue(request, JobKind.upload, {"path": str(stored.path)}, [stored.doc_id])


@router.delete(
    "/documents/{doc_id}",
    status_code=202,
    response_model=JobOut,
    responses=error_responses(403, 404, 415, 503),
    dependencies=_WRITE,
)
def delete_document(doc_id: str, request: Request) -> JobOut:
    """Remove a document (its chunks and vectors) in a queued job."""
    _document(request.app.state.engine, doc_id)
    return _queue(request, JobKind.delete, {}, [doc_id])


@router.post("/reindex", status_code=202, response_model=JobOut, responses=_WRITE_ERRORS, dependencies=_WRITE)
def reindex(request: Request, body: ReindexRequest | None = None) -> JobOut:
    """Re-ingest every document from its stored file (unchanged ones are skipped unless `force`)."""
    return _queue(request, JobKind.reindex, {"force": bool(body and body.force)}, [])


@router.get("/jobs/{job_id}", response_model=JobOut, responses=_NOT_FOUND, dependencies=_READ)
def get_job(job_id: str, request: Request) -> JobOut:
    """A job's state (queued, running, succeeded, failed), progress and report."""
    store: JobStore = request.app.state.jobs
    job = store.get(job_id)
    if job is None:
        raise ApiError(404, "job_not_found", f"no job {job_id!r} (see GET /jobs)")
    return job_out(job)


@router.get("/jobs", response_model=list[JobOut], responses=_NOT_FOUND, dependencies=_READ)
def list_jobs(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[JobOut]:
    """The latest jobs, newest first."""
    store: JobStore = request.app.state.jobs
    return [job_out(j) for j in store.latest(limit)]
