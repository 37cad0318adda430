"""Questions: search (ranked passages) and ask (a cited answer)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from medcite.cli.common import (
    IndexOpt,
    JsonOpt,
    RefineOpt,
    RerankOpt,
    RetrieverOpt,
    UnderstandOpt,
    engine_for,
    fail,
    out,
)
from medcite.core.errors import MedciteError


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
    from medcite.api.schemas import HitOut

    try:
        hits = engine_for(index, query_understanding=query_understanding, refine=refine).search(
            query, k=k, mode=retriever, rerank=rerank
        )
    except MedciteError as exc:
        fail(exc)
    rows = [HitOut.of(h) for h in hits]
    if as_json:
        print(json.dumps([r.model_dump() for r in rows], indent=2))
        return
    for r in rows:
        out.print(f"[bold]{r.rank}.[/] {r.score:.4f} [cyan]{r.chunk_id}[/] {r.title[:60]}")
        out.print(f"   [dim]{r.section}{' p. ' + r.pages if r.pages else ''}[/]")
        out.print(f"   {r.text[:300]}{'…' if len(r.text) > 300 else ''}")


def ask(
    question: Annotated[str, typer.Argument(help="A clinical question")],
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=50, help="Passages to retrieve")] = None,
    index: IndexOpt = None,
    retriever: RetrieverOpt = None,
    rerank: RerankOpt = None,
    query_understanding: UnderstandOpt = None,
    refine: RefineOpt = None,
    generator: Annotated[
        str | None,
        typer.Option("--generator", help="extractive | openai (MEDCITE_LLM_* settings) [default extractive]"),
    ] = None,
    verify: Annotated[
        bool | None,
        typer.Option("--verify/--no-verify", help="Verify an LLM draft sentence by sentence [default on]"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer as a cited answer page (bottom line, sections, pitfalls, references), or abstain."""
    from medcite.api.schemas import AnswerOut
    from medcite.generation.render import to_markdown

    try:
        engine = engine_for(
            index, query_understanding=query_understanding, refine=refine, generator=generator, verify=verify
        )
        answer = engine.ask(question, top_k=top_k, mode=retriever, rerank=rerank)
    except MedciteError as exc:
        fail(exc)
    if as_json:
        print(AnswerOut.of(answer).model_dump_json(indent=2))
    else:
        from rich.markdown import Markdown  # markdown-it: only for the printed answer

        out.print(Markdown(to_markdown(answer)))
