"""manifest.json: per-file document metadata for an ingested folder.

Format (the one of ../shared/corpus/manifest.json): a JSON list of objects, each with
`file` (path relative to the manifest's folder) and optional `id`, `title`, `developer`,
`released`, `source`, `copyright`; any other string field is kept as extra metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from medcite.core.errors import ManifestError
from medcite.core.text import METADATA_FIELDS
from medcite.ingest.normalize import unescape_twice

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    file: str
    doc_id: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)


def read_manifest(path: Path) -> dict[Path, ManifestEntry]:
    """Entries keyed by the resolved path of the file they describe."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: not a readable JSON manifest ({exc})") from exc
    if not isinstance(data, list):
        raise ManifestError(f"{path}: a manifest is a JSON list of objects with a 'file' key")
    entries: dict[Path, ManifestEntry] = {}
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            raise ManifestError(f"{path}: entry {i} is not an object with a string 'file'")
        doc_id = item.get("id")
        if doc_id is not None and (not isinstance(doc_id, str) or not doc_id.strip()):
            raise ManifestError(f"{path}: entry {i} has an empty or non-string 'id'")
        fields = {k: unescape_twice(str(item[k])) for k in METADATA_FIELDS if item.get(k) is not None}
        extra = {
            k: str(v)
            for k, v in item.items()
            if k not in (*METADATA_FIELDS, "file", "id") and isinstance(v, str | int | float)
        }
        entries[(path.parent / item["file"]).resolve()] = ManifestEntry(item["file"], doc_id, fields, extra)
    return entries


class ManifestLookup:
    """Finds the manifest entry for a file by looking in its folder and the folders above it."""

    def __init__(self) -> None:
        self._cache: dict[Path, dict[Path, ManifestEntry]] = {}

    def _manifest(self, folder: Path) -> dict[Path, ManifestEntry]:
        if folder not in self._cache:
            candidate = folder / MANIFEST_NAME
            self._cache[folder] = read_manifest(candidate) if candidate.is_file() else {}
        return self._cache[folder]

    def find(self, file: Path, root: Path) -> ManifestEntry | None:
        """Look in the file's folder and each folder above it, up to and including `root`."""
        resolved, top = file.resolve(), root.resolve()
        for folder in resolved.parents:
            entry = self._manifest(folder).get(resolved)
            if entry is not None or folder == top or top not in folder.parents:
                return entry
        return None
