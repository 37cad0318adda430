"""The one command-line entry point: `medcite --help`. Each command group has its own module."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from medcite.cli import ask, evaluate, index, models, serve

app = typer.Typer(
    help="medcite: cited answers to clinical questions from ingested guidelines, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v info, -vv debug")] = 0,
) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


for command in (
    index.ingest,
    index.remove,
    index.reembed,
    index.docs,
    index.info,
    ask.search,
    ask.ask,
    serve.serve,
):
    app.command()(command)
app.command("eval")(evaluate.eval_command)
app.add_typer(models.models_app, name="models")

if __name__ == "__main__":
    app()
