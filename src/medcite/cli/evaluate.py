"""`medcite eval`: run a suite, or compare two runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from medcite.cli.common import (
    IndexOpt,
    RefineOpt,
    RerankOpt,
    RetrieverOpt,
    UnderstandOpt,
    engine_for,
    err,
    fail,
)
from medcite.core.errors import MedciteError


def eval_command(
    suite: Annotated[Path | None, typer.Argument(help="Suite JSONL (see eval/README.md)")] = None,
    corpus: Annotated[
        Path | None, typer.Option(help="Ingest this folder into the index first (incremental)")
    ] = None,
    index: IndexOpt = None,
    generator: Annotated[str | None, typer.Option(help="Generator backend [default extractive]")] = None,
    verify: Annotated[
        bool | None,
        typer.Option("--verify/--no-verify", help="Verify LLM drafts sentence by sentence [default on]"),
    ] = None,
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

    from medcite.eval.report import compare as compare_runs
    from medcite.eval.report import write_run
    from medcite.eval.runner import run_suite
    from medcite.eval.suite import SuiteError, load_suite

    if compare is not None:
        table = Table("metric", "A", "B", "B - A")
        for key, a, b, delta in compare_runs(*compare):
            table.add_row(key, str(a), str(b), "" if delta is None else f"{delta:+.4f}")
        out_console = Console()
        out_console.print(table)
        return
    if suite is None:
        fail(MedciteError("give a SUITE.jsonl, or --compare RUN_A RUN_B"))
    try:
        loaded = load_suite(suite)
        corpus = corpus or (Path(loaded.corpus) if loaded.corpus and index is None else None)
        engine = engine_for(
            index, generator=generator, verify=verify, query_understanding=query_understanding, refine=refine
        )
        if corpus is not None:
            report = engine.ingest([corpus], progress=True)
            err.print(f"[bold]ingest:[/] {report.summary()}")
        verifier = engine.judge if judge else None  # MEDCITE_JUDGE / MEDCITE_JUDGE_MODEL choose it
        results = run_suite(loaded, engine, verifier, limit=limit, mode=retriever, rerank=rerank)
    except (MedciteError, SuiteError) as exc:
        fail(exc)
    run_dir = out or Path("eval") / "runs" / f"{loaded.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    config = {
        "suite": str(suite),
        "index": str(engine.index.root),
        "generator": engine.settings.answer.generator,
        "retriever": str(retriever or engine.settings.retrieval.retriever),
        "rerank": engine.settings.retrieval.rerank if rerank is None else rerank,
        "query_understanding": engine.settings.retrieval.query_understanding,
        "refine": engine.settings.retrieval.refine,
        "rrf_k": engine.settings.retrieval.rrf_k,
        "limit": limit,
        "judge": getattr(verifier, "name", None),
        "embedding_model": engine.settings.models.embedding_model,
        "abstention": engine.settings.answer.abstention,
        "verify": engine.settings.answer.verify,
    }
    config["split"] = loaded.meta.get("split")  # tune | test | None (a dev suite)
    summary = write_run(run_dir, loaded.name, results, config)
    print(json.dumps(summary, indent=2))
    err.print(f"suite {loaded.name}, split: {config['split'] or 'none (development suite)'}")
    err.print(f"report: {run_dir / 'report.md'}")
