"""Format loaders. Each turns one file into a ParsedDocument; `load_file` picks by extension."""

from medcite.ingest.loaders.base import Loader, load_file, loader_for, supported_extensions

__all__ = ["Loader", "load_file", "loader_for", "supported_extensions"]
