"""Index maintenance: ingest, remove, reembed, docs, info."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from medcite.cli.common import IndexOpt, JsonOpt, engine_for, err, fail, out, settings_from
from medcite.core.errors import MedciteError
from medcite.core.settings import DuplicatePolicy


def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders (PDF, HTML, Markdown, text) [default: the packaged starter corpus]",
            show_default=False,
        ),
    ] = None,
    index: IndexOpt = None,
    on_duplicate: Annotated[
        DuplicatePolicy | None,
        typer.Option(help="Same content already indexed: skip | overwrite | fail [default skip]"),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Add or update documents; unchanged files are skipped, changed ones replaced."""
    from medcite import paths as packaged

    try:
        report = engine_for(index).ingest(
            paths or [packaged.starter_corpus()], on_duplicate, progress=progress
        )
    except MedciteError as exc:
        fail(exc)
    if as_json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        err.print(f"[bold]ingest:[/] {report.summary()}")
        for path, twin in report.duplicates:
            err.print(f"  [yellow]duplicate[/] {path} (same content as {twin})")
        for f in report.failed:
            err.print(f"  [red]failed[/] {f.path}: {f.error}: {f.message}")
    if report.failed:
        raise typer.Exit(code=1)


def remove(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (see `medcite docs`)")],
    index: IndexOpt = None,
) -> None:
    """Delete documents and their chunks from the index."""
    from medcite.ingest.pipeline import remove_documents
    from medcite.store.index_dir import IndexDirectory

    try:
        missing = remove_documents(IndexDirectory(settings_from(index).index.path), doc_ids)
    except MedciteError as exc:
        fail(exc)
    for doc_id in doc_ids:
        if doc_id not in missing:
            err.print(f"removed {doc_id}")
    if missing:
        err.print(f"[red]not in the index:[/] {', '.join(missing)}")
        raise typer.Exit(code=1)


def reembed(
    model: Annotated[
        str, typer.Option(help="Embedding model: installed package, model folder or .onnx file")
    ],
    index: IndexOpt = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar")] = True,
) -> None:
    """Switch an index to another embedding model: re-encode every chunk, keep text and BM25.

    Written as a new generation, so the old index serves queries until the new one is complete.
    Set MEDCITE_EMBEDDING_MODEL to the same model afterwards so queries use it too.
    """
    from medcite.core.registry import EMBEDDERS
    from medcite.ingest.pipeline import reembed as reembed_index
    from medcite.store.index_dir import IndexDirectory

    settings = settings_from(index)
    try:
        embedder = EMBEDDERS.create(
            settings.models.embedder, model, batch_size=settings.models.embedding_batch_size
        )
        n = reembed_index(IndexDirectory(settings.index.path), embedder, progress=progress)
    except MedciteError as exc:
        fail(exc)
    err.print(f"re-embedded {n} chunks with {model}; set MEDCITE_EMBEDDING_MODEL={model} to query it")


def docs(index: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """List the indexed documents."""
    from medcite.store.index_dir import IndexDirectory

    try:
        directory = IndexDirectory(settings_from(index).index.path)
        store = directory.read_store()
    except MedciteError as exc:
        fail(exc)
    documents = store.documents()
    if as_json:
        from medcite.core.serialize import document_json

        print(json.dumps([document_json(d) for d in documents], indent=2))
        return
    table = Table("doc_id", "title", "released", "format", "chunks")
    for d in documents:
        table.add_row(d.doc_id, d.title[:70], d.released, d.format, str(d.n_chunks))
    out.print(table)


def info(index: IndexOpt = None) -> None:
    """Show the index format version, embedding model and counts."""
    from dataclasses import asdict

    from medcite.store.index_dir import IndexDirectory

    try:
        print(json.dumps(asdict(IndexDirectory(settings_from(index).index.path).info()), indent=2))
    except MedciteError as exc:
        fail(exc)
