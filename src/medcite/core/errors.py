"""Specific exceptions with messages a user can act on."""

from __future__ import annotations


class MedciteError(Exception):
    """Base class of every error medcite raises on purpose."""


# --- ingest ---------------------------------------------------------------------------
class IngestError(MedciteError):
    """A single file could not be ingested; the rest of a batch goes on."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.reason = message


class UnsupportedFormatError(IngestError):
    """The file's extension has no loader."""


class EmptyDocumentError(IngestError):
    """The file is empty or yields no text."""


class CorruptDocumentError(IngestError):
    """The file cannot be parsed (truncated or damaged)."""


class EncryptedDocumentError(IngestError):
    """The PDF is password-protected."""


class DocumentTooLargeError(IngestError):
    """The file is larger than the configured limit."""


class TextDecodingError(IngestError):
    """A text file is not valid UTF-8 (or the declared encoding)."""


class DuplicateDocumentError(IngestError):
    """The same content is already indexed (raised only with the `fail` duplicate policy)."""


class ManifestError(MedciteError):
    """A manifest.json is malformed."""


# --- index ----------------------------------------------------------------------------
class IndexNotFoundError(MedciteError):
    """No index exists at the given location."""


class IndexFormatError(MedciteError):
    """The index was written by an incompatible medcite version or another embedding model."""


class IndexLockedError(MedciteError):
    """Another process is writing the index."""


class DocumentNotFoundError(MedciteError):
    """A document id is not in the index."""


# --- models ---------------------------------------------------------------------------
class ModelNotFoundError(MedciteError):
    """A configured model is not installed locally (nothing is downloaded at run time)."""


# --- answering ------------------------------------------------------------------------
class GroundingError(MedciteError):
    """A generator produced an answer that breaks the citation rules."""


class GeneratorError(MedciteError):
    """A generative backend (an LLM server) failed or gave an unusable reply; the message names
    the endpoint and the setting to change. No partial answer is returned in its place."""


# --- configuration --------------------------------------------------------------------
class UnknownBackendError(MedciteError, ValueError):
    """Settings name a backend that is not registered; the message lists the known ones."""


class SettingsError(MedciteError, ValueError):
    """A settings override names no known field."""


# --- ingest: hostile input (tests/ingest/HOSTILE_INPUT.md) ------------------------------
class ResourceLimitError(DocumentTooLargeError):
    """Parsing the file would exceed a safety limit even though the file itself is small: a PDF
    stream that inflates past the cap (a decompression bomb), say."""


class FileUnreadableError(IngestError):
    """The path is not a regular file that can be read: it vanished after it was listed, is a
    broken or looping symbolic link, a pipe or a device, or the OS refused to read it."""


class IngestCrashError(IngestError):
    """A loader, the chunker or the embedder failed unexpectedly on this one file (a bug, or an
    input they cannot handle, e.g. RecursionError or MemoryError); the file is skipped and the
    rest of the batch goes on. The message names the original exception type."""
