"""The one command-line entry point: `medcite --help`."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from medcite.errors import MedciteError
from medcite.settings import DEFAULT_INDEX_DIR, DuplicatePolicy, RetrieverMode, Settings

app = typer.Typer(
    help="medcite: cited answers to clinical questions from ingested guidelines, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
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


def _settings(index: Path | None, **overrides: object) -> Settings:
    settings = Settings()
    updates = {k: v for k, v in overrides.items() if v is not None}
    if index is not None:
        updates["index"] = index
    return settings.model_copy(update=updates)


def _engine(index: Path | None, **overrides: object):  # type: ignore[no-untyped-def]
    from medcite.engine import Engine  # heavy imports only for commands that need them

    return Engine(_settings(index, **overrides))


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(code=2)


@app.callback()
def main(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v info, -vv debug")] = 0,
) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (PDF, HTML, Markdown, text)")],
    index: IndexOpt = None,
    on_duplicate: Annotated[
        DuplicatePolicy | None,
        typer.Option(help="Same content already indexed: skip | overwrite | fail [default skip]"),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Add or update documents; unchanged files are skipped, changed ones replaced."""
    try:
        report = _engine(index).ingest(paths, on_duplicate, progress=progress)
    except MedciteError as exc:
        _fail(exc)
    if as_json:
        print(
            json.dumps(
                {
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "duplicates": [{"path": p, "duplicate_of": d} for p, d in report.duplicates],
                    "failed": [vars(f) for f in report.failed],
                    "n_chunks": report.n_chunks,
                    "seconds": round(report.seconds, 2),
                },
                indent=2,
            )
        )
    else:
        err.print(f"[bold]ingest:[/] {report.summary()}")
        for path, twin in report.duplicates:
            err.print(f"  [yellow]duplicate[/] {path} (same content as {twin})")
        for f in report.failed:
            err.print(f"  [red]failed[/] {f.path}: {f.error}: {f.message}")
    if report.failed:
        raise typer.Exit(code=1)


@app.command()
def remove(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (see `medcite docs`)")],
    index: IndexOpt = None,
) -> None:
    """Delete documents and their chunks from the index."""
    from ingest.pipeline import remove_documents
    from medcite.index import IndexDirectory

    try:
        missing = remove_documents(IndexDirectory(_settings(index).index), doc_ids)
    except MedciteError as exc:
        _fail(exc)
    for doc_id in doc_ids:
        if doc_id not in missing:
            err.print(f"removed {doc_id}")
    if missing:
        err.print(f"[red]not in the index:[/] {', '.join(missing)}")
        raise typer.Exit(code=1)


@app.command()
def docs(index: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """List the indexed documents."""
    from ingest.store import ChunkStore
    from medcite.index import IndexDirectory

    try:
        directory = IndexDirectory(_settings(index).index)
        store = ChunkStore(directory.current() / "store.sqlite", read_only=True)
    except MedciteError as exc:
        _fail(exc)
    documents = store.documents()
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "doc_id": d.doc_id,
                        "title": d.title,
                        "developer": d.developer,
                        "released": d.released,
                        "year": d.year,
                        "format": d.format,
                        "n_chunks": d.n_chunks,
                        "path": d.path,
                        "content_hash": d.content_hash,
                    }
                    for d in documents
                ],
                indent=2,
            )
        )
        return
    table = Table("doc_id", "title", "released", "format", "chunks")
    for d in documents:
        table.add_row(d.doc_id, d.title[:70], d.released, d.format, str(d.n_chunks))
    out.print(table)


@app.command()
def info(index: IndexOpt = None) -> None:
    """Show the index format version, embedding model and counts."""
    from dataclasses import asdict

    from medcite.index import IndexDirectory

    try:
        print(json.dumps(asdict(IndexDirectory(_settings(index).index).info()), indent=2))
    except MedciteError as exc:
        _fail(exc)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Search text")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="Number of hits")] = 10,
    index: IndexOpt = None,
    retriever: RetrieverOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the best-matching passages with their provenance."""
    from api.schemas import HitOut

    try:
        hits = _engine(index).search(query, k=k, mode=retriever)
    except MedciteError as exc:
        _fail(exc)
    rows = [HitOut.of(h) for h in hits]
    if as_json:
        print(json.dumps([r.model_dump() for r in rows], indent=2))
        return
    for r in rows:
        out.print(f"[bold]{r.rank}.[/] {r.score:.4f} [cyan]{r.chunk_id}[/] {r.title[:60]}")
        out.print(f"   [dim]{r.section}{' p. ' + r.pages if r.pages else ''}[/]")
        out.print(f"   {r.text[:300]}{'…' if len(r.text) > 300 else ''}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A clinical question")],
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=50, help="Passages to retrieve")] = None,
    index: IndexOpt = None,
    retriever: RetrieverOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer with cited sentences and a reference list, or abstain."""
    from api.schemas import AnswerOut
    from generation.render import to_markdown

    try:
        answer = _engine(index).ask(question, top_k=top_k, mode=retriever)
    except MedciteError as exc:
        _fail(exc)
    if as_json:
        print(AnswerOut.of(answer).model_dump_json(indent=2))
    else:
        out.print(Markdown(to_markdown(answer)))


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
) -> None:
    """Start the HTTP API (POST /ask, POST /search, GET /health, and a page at /)."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(_settings(index)), host=host, port=port, log_level="info")


if __name__ == "__main__":
    app()
