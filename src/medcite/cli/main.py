"""The one command-line entry point: `medcite --help`. Each command group has its own module."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer

from medcite.cli import ask, evaluate, index, models, serve, verify

app = typer.Typer(
    help="medcite: cited answers to clinical questions from ingested guidelines, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


# Commands that only read: once they have printed, nothing is left to write or close.
READ_ONLY_COMMANDS = frozenset({"search", "ask", "docs", "info", "verify"})
_read_only = False


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v info, -vv debug")] = 0,
) -> None:
    global _read_only
    _read_only = ctx.invoked_subcommand in READ_ONLY_COMMANDS
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
    verify.verify,
    serve.serve,
):
    app.command()(command)
app.command("eval")(evaluate.eval_command)
app.add_typer(models.models_app, name="models")


def run() -> None:
    """The `medcite` console script.

    After a read-only command succeeds, the process ends without the interpreter's teardown:
    freeing onnxruntime, faiss and some 600 modules costs about 0.3 s that a one-shot
    `medcite search` user would wait for, and such a command has nothing left to write.
    Output and logs are flushed first. Every other command, and every failure, exits normally.
    """
    try:
        app()
    except SystemExit as exc:
        if _read_only and exc.code in (0, None):
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        raise


if __name__ == "__main__":
    run()
