"""Where an uploaded file is kept, and under which name: never the client's path.

The file is streamed to disk (size-checked and hashed on the way) and stored as
`INDEX/sources/<doc_id>-<sha256[:12]>/<doc_id><ext>`, with a manifest.json beside it carrying the
form's metadata, so the ingest pipeline reads it like any other guideline folder and
`GET /documents/{id}/source` can serve the original.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from medcite.api.errors import ApiError

ALLOWED_SUFFIXES = {
    ".pdf": ".pdf",
    ".html": ".html",
    ".htm": ".html",
    ".md": ".md",
    ".markdown": ".md",
    ".txt": ".txt",
}
DOC_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
_SAFE = re.compile(r"[^a-z0-9._-]+")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class StoredUpload:
    path: Path
    doc_id: str
    sha256: str
    size: int


def derived_doc_id(filename: str) -> str:
    """A doc id from the client's file name: its last path part's stem, ASCII-folded and
    reduced to [a-z0-9._-]; '' when nothing usable is left."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = _SAFE.sub("-", folded.lower()).strip("-._")
    return slug[:80]


def suffix_of(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in ALLOWED_SUFFIXES:
        known = ", ".join(sorted(ALLOWED_SUFFIXES))
        raise ApiError(
            415,
            "unsupported_media_type",
            f"files of type {suffix or '(none)'!r} cannot be ingested; use {known}",
        )
    return ALLOWED_SUFFIXES[suffix]


async def store_upload(
    file: UploadFile, sources: Path, doc_id: str | None, metadata: dict[str, str], max_bytes: int
) -> StoredUpload:
    """Stream the upload to disk under a derived name; 413 past `max_bytes`, 422 when empty."""
    filename = file.filename or ""
    suffix = suffix_of(filename)
    chosen = doc_id or derived_doc_id(filename)
    sources.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=sources)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while block := await file.read(_CHUNK):
                size += len(block)
                if size > max_bytes:
                    raise ApiError(
                        413, "too_large", f"the upload is over {max_bytes:,} bytes (MEDCITE_MAX_UPLOAD_MB)"
                    )
                digest.update(block)
                out.write(block)
        if size == 0:
            raise ApiError(422, "empty_file", f"{filename or 'the file'} is empty (0 bytes)")
        sha = digest.hexdigest()
        chosen = chosen or f"upload-{sha[:12]}"
        folder = sources / f"{chosen}-{sha[:12]}"
        folder.mkdir(exist_ok=True)
        target = folder / f"{chosen}{suffix}"
        entry = {"file": target.name, "id": chosen, **{k: v for k, v in metadata.items() if v}}
        (folder / "manifest.json").write_text(json.dumps([entry], indent=1), encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return StoredUpload(target, chosen, sha, size)
