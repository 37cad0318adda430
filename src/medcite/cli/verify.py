"""`medcite verify FILE`: audit cited answers written elsewhere against the guidelines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medcite.cli.common import IndexOpt, JsonOpt, engine_for, fail, out
from medcite.core.errors import MedciteError

if TYPE_CHECKING:
    from medcite.engine import Engine


class VerifyInputError(MedciteError):
    """An input answer object that cannot be audited (the message names the line and field)."""


def read_answers(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The answer objects of a `.json` file (one object) or a `.jsonl` file (one per line)."""
    if not path.is_file():
        raise VerifyInputError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8", errors="replace")
    many = path.suffix.lower() == ".jsonl"
    lines = (
        [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()] if many else [(1, text)]
    )
    objects: list[dict[str, Any]] = []
    for number, line in lines:
        where = f"{path}:{number}" if many else str(path)
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise VerifyInputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("answer"), str):
            raise VerifyInputError(f'{where}: expected an object with "answer" (Markdown with [n] markers)')
        if not isinstance(obj.get("references", []), list):
            raise VerifyInputError(
                f'{where}: "references" must be a list of {{"n", "text"}} or {{"n", "chunk_id"}}'
            )
        objects.append(obj)
    return objects, many


def passages_of(obj: dict[str, Any], engine_factory: Any) -> dict[int, str]:
    """Reference number -> passage text; `chunk_id` references are read from the index."""
    passages: dict[int, str] = {}
    for ref in obj.get("references", []):
        if not isinstance(ref, dict) or not isinstance(ref.get("n"), int):
            raise VerifyInputError(f'each reference needs an integer "n": {str(ref)[:80]}')
        if isinstance(ref.get("text"), str):
            passages[ref["n"]] = ref["text"]
        elif isinstance(ref.get("chunk_id"), str):
            passages[ref["n"]] = chunk_text(engine_factory(), ref["chunk_id"])
        else:
            raise VerifyInputError(f'reference [{ref["n"]}] needs "text" or "chunk_id"')
    return passages


def chunk_text(engine: Engine, chunk_id: str) -> str:
    doc_id = chunk_id.rsplit("#", 1)[0]
    for chunk in engine.snapshot().store.chunks_of(doc_id):
        if chunk.chunk_id == chunk_id:
            return chunk.text
    raise VerifyInputError(f"chunk {chunk_id!r} is not in the index (see `medcite docs`, `medcite search`)")


def verify(
    file: Annotated[
        Path,
        typer.Argument(
            help='.json (one answer) or .jsonl (one per line): {"question", "answer", "references"}'
        ),
    ],
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check cited answers written elsewhere: each sentence against the passages it cites."""
    from medcite.generation.audit import audit_answer, audit_json

    engine: Engine | None = None

    def engine_factory() -> Engine:
        nonlocal engine
        if engine is None:
            engine = engine_for(index)
        return engine

    try:
        objects, many = read_answers(file)
        judge = engine_factory().judge
        results = [
            audit_json(
                audit_answer(str(o.get("question", "")), o["answer"], passages_of(o, engine_factory), judge)
            )
            for o in objects
        ]
    except MedciteError as exc:
        fail(exc)
    if as_json:
        print(json.dumps(results if many else results[0], indent=2))
        return
    for result in results:
        out.print(f"[bold]{result['question'] or '(no question)'}[/]")
        for s in result["sentences"]:
            mark = "[green]supported[/]" if s["supported"] else f"[red]{s['reason']}[/]"
            score = "" if s["score"] is None else f" {s['score']:.2f}"
            out.print(f"  {mark}{score}  {s['text']} {s['citations']}")
        out.print(
            f"  citation recall {result['citation_recall']:.2f}, precision {result['citation_precision']:.2f}"
        )
