"""Where medcite finds what it ships and what lies beside it: the one module that knows paths.

Packaged data (the trained models, the eval suites, the web page, the starter corpus) is
found with importlib.resources, so it is found the same way in a wheel install, an editable
install and a source checkout. Nothing else in medcite builds paths from `__file__`.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

JUDGE = "citation-judge"
RERANKER = "medical-reranker"
ABSTENTION = "abstention"


def package_dir(*parts: str) -> Path:
    """A folder or file inside the installed `medcite` package."""
    return Path(str(files("medcite").joinpath(*parts)))


def models_dir() -> Path:
    return package_dir("models")


def model_dir(name: str) -> Path:
    """A shipped model folder (`citation-judge`, `medical-reranker`)."""
    return models_dir() / name


def writable_model_dir(name: str) -> Path:
    """Where training writes a shipped model by default: the source folder behind an editable
    install's link tree (its files are symlinks), else the installed folder itself."""
    folder = model_dir(name)
    linked = [f for f in sorted(folder.glob("*")) if f.is_symlink()] if folder.is_dir() else []
    return linked[0].resolve().parent if linked else folder


def suites_dir() -> Path:
    """The packaged eval suites (`eval/suites/*.jsonl` in the source tree)."""
    return package_dir("eval", "suites")


def starter_corpus() -> Path:
    """The packaged starter guidelines that `medcite ingest` with no PATH ingests."""
    return package_dir("corpus", "guidelines")


def static_dir() -> Path:
    """The web page's files."""
    return package_dir("api", "static")


def source_checkout() -> Path | None:
    """The repository root when medcite runs from a source checkout (editable install)."""
    here = Path(__file__).resolve()
    root = here.parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "src" / "medcite") == here.parent else None


def shared_dir() -> Path:
    """The real data folder (corpus/, eval/, train/): $MEDCITE_SHARED, else `shared/` beside
    the source checkout, else `../shared` from the current folder."""
    if os.environ.get("MEDCITE_SHARED"):
        return Path(os.environ["MEDCITE_SHARED"])
    root = source_checkout()
    if root is not None:
        return root.parent / "shared"
    return Path.cwd().parent / "shared"


def cache_dir() -> Path:
    """Where medcite keeps what it can rebuild (optimised ONNX graphs): $MEDCITE_CACHE_DIR,
    else $XDG_CACHE_HOME/medcite, else ~/.cache/medcite. Deleting it loses nothing."""
    if os.environ.get("MEDCITE_CACHE_DIR"):
        return Path(os.environ["MEDCITE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "medcite"
