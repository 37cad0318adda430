"""What every command shares: options, consoles, settings from flags, the error exit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from medcite.core.settings import DEFAULT_INDEX_DIR, RetrieverMode, Settings

if TYPE_CHECKING:
    from medcite.engine import Engine

err = Console(stderr=True)
out = Console()

IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index",
        envvar="MEDCITE_INDEX",
        help=f"Index directory [env MEDCITE_INDEX; default {DEFAULT_INDEX_DIR}]",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON")]
RetrieverOpt = Annotated[
    RetrieverMode | None, typer.Option("--retriever", help="bm25 | dense | hybrid [default hybrid]")
]
UnderstandOpt = Annotated[
    bool | None,
    typer.Option(
        "--query-understanding/--no-query-understanding",
        help="Split off the already-tried list; brand/abbreviation synonyms for BM25 [default on]",
    ),
]
RefineOpt = Annotated[
    bool | None,
    typer.Option(
        "--refine/--no-refine",
        help="Evidence filtering: section prior, newer guideline versions, near-duplicates [default on]",
    ),
]
RerankOpt = Annotated[
    bool | None,
    typer.Option("--rerank/--no-rerank", help="Re-score the top candidates with the trained reranker"),
]


def settings_from(index: Path | None, **overrides: object) -> Settings:
    """Settings from the environment with the command's flags on top (None = flag not given)."""
    return Settings().updated(index=index, **overrides)


def engine_for(index: Path | None, **overrides: object) -> Engine:
    from medcite.engine import Engine  # heavy imports only for commands that need them

    return Engine(settings_from(index, **overrides))


def fail(exc: Exception) -> NoReturn:
    err.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(code=2)
