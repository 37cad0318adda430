"""The house reads top-down: layering, one place for paths, and start-up that costs what the
command needs (the default ONNX search path never imports torch)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from medcite import paths
from medcite.engine import Engine

SOURCE_ROOTS = ("src", "ingest", "retrieval", "generation", "api", "eval")
REPO = Path(__file__).resolve().parents[1]


def _sources() -> list[Path]:
    return [p for root in SOURCE_ROOTS for p in (REPO / root).rglob("*.py")]


def test_imports_only_go_down_the_layers() -> None:
    """import-linter's layers contract in pyproject.toml (cli > training > eval|api > engine >
    generation > ingest|retrieval > store > core|paths)."""
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_the_core_imports_nothing_else_of_medcite() -> None:
    for path in (REPO / "src" / "medcite" / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("medcite"):
                assert node.module.startswith("medcite.core"), f"{path.name} imports {node.module}"


def test_no_old_top_level_package_names_and_no_file_relative_paths() -> None:
    """Everything is imported as medcite.*, and only medcite.paths builds paths from __file__."""
    for path in _sources():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                assert top not in {"ingest", "retrieval", "generation", "api", "eval"}, (path, node.module)
        if path.name != "paths.py":
            assert "Path(__file__)" not in path.read_text(), path


def test_default_search_and_ask_never_import_torch(starter_engine: Engine, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from medcite.cli.main import app\n"
        "r = CliRunner()\n"
        "for args in (['search', 'naloxone overdose', '-k', '3'], ['ask', 'When should naloxone be offered?']):\n"
        "    out = r.invoke(app, args)\n"
        "    assert out.exit_code == 0, out.output\n"
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    env = {**os.environ, "MEDCITE_INDEX": str(starter_engine.index.root)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout


def test_packaged_data_is_found_through_importlib_resources() -> None:
    assert (paths.model_dir(paths.JUDGE) / "model.onnx").is_file()
    assert (paths.model_dir(paths.RERANKER) / "model.onnx").is_file()
    assert (paths.suites_dir() / "guidelines-dev.jsonl").is_file()
    assert sorted(paths.starter_corpus().glob("*.md"))
    assert (paths.static_dir() / "index.html").is_file()
