"""Cold-start wall time per command: what a user waits for a whole `medcite ...` process.

    python -m medcite.eval.bench_startup [--index DIR] [--runs 5]

Builds a starter-corpus index in a temporary folder when --index is not given, then runs each
command as a fresh process `--runs` times and prints the median and best wall time (seconds).
Also reports whether torch was imported (the default ONNX path must not import it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from medcite.eval.seed import SEED_QUESTION

COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "info": ["info"],
    "docs": ["docs"],
    "search": ["search", "naloxone for patients at risk of opioid overdose", "-k", "5"],
    "ask": ["ask", SEED_QUESTION],
    "models info": ["models", "info"],
}


def _time(args: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "medcite.cli", *args], env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls), min(walls)


def _imports_torch(args: list[str], env: dict[str, str]) -> bool:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom medcite.cli.main import app\n"
        f"CliRunner().invoke(app, {args!r})\nprint('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().endswith("True")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, help="an existing index [default: starter corpus, built now]")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index or Path(tmp) / "index"
        env = {**os.environ, "MEDCITE_INDEX": str(index)}
        if args.index is None:
            subprocess.run(
                [sys.executable, "-m", "medcite.cli", "ingest", "--no-progress"], env=env, check=True
            )
        results: dict[str, object] = {}
        for name, command in COMMANDS.items():
            median, best = _time(command, env, args.runs)
            results[name] = {"median_s": round(median, 2), "best_s": round(best, 2)}
        results["search imports torch"] = _imports_torch(COMMANDS["search"], env)
        results["ask imports torch"] = _imports_torch(COMMANDS["ask"], env)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
