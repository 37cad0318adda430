"""A wheel installs one package, `medcite`, that works from any folder: a new user's first run.

Builds the wheel from this checkout, installs it into a fresh virtual environment outside the
checkout (third-party dependencies come from the test's own environment, so nothing is
downloaded), and from a temporary folder ingests the packaged starter corpus, answers the seed
question with citations, lists both shipped models and scores the judge on a packaged suite.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from medcite.eval.seed import SEED_QUESTION

REPO = Path(__file__).resolve().parents[1]
OURS = {"medcite", "ingest", "retrieval", "generation", "api", "eval", "models", "corpus"}


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        cwd=root,
        env=env,
    )
    wheel = next(dist.glob("medcite-*.whl"))
    target = root / "venv"
    venv.EnvBuilder(with_pip=True).create(target)  # ensurepip: offline, bundled
    py = target / "bin" / "python"
    purelib = Path(
        subprocess.check_output(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    # the dependencies: this environment's site-packages, as a plain path entry (its .pth
    # files, among them this checkout's editable install, are not read from there)
    deps = [p for p in [*site.getsitepackages(), sysconfig.get_paths()["purelib"]] if Path(p).is_dir()]
    (purelib / "medcite-test-deps.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    _run([str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], cwd=root, env=env)
    return target, purelib


def test_site_packages_holds_medcite_and_nothing_else_of_ours(installed: tuple[Path, Path]) -> None:
    _, purelib = installed
    tops = {p.name for p in purelib.iterdir() if not p.name.endswith((".dist-info", ".pth"))}
    assert tops & OURS == {"medcite"}, sorted(tops)
    for data in (
        "models/citation-judge/model.onnx",
        "models/medical-reranker/model.onnx",
        "eval/suites/judge-pairs.jsonl",
        "api/static/index.html",
        "corpus/guidelines/neuropathic-pain.md",
    ):
        assert (purelib / "medcite" / data).is_file(), data


def test_a_new_user_runs_medcite_from_any_folder(installed: tuple[Path, Path], tmp_path: Path) -> None:
    target, _ = installed
    medcite = str(target / "bin" / "medcite")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDCITE_", "PYTHON"))}
    env["PATH"] = f"{target / 'bin'}:{env.get('PATH', '')}"
    where = _run(
        [str(target / "bin" / "python"), "-c", "import medcite; print(medcite.__file__)"], tmp_path, env
    )
    assert str(REPO) not in where, "the test must run the installed wheel, not the checkout"

    _run([medcite, "ingest", "--no-progress"], tmp_path, env)
    assert (tmp_path / ".medcite" / "index" / "CURRENT").is_file()
    answer = json.loads(_run([medcite, "ask", SEED_QUESTION, "--json"], tmp_path, env))
    assert not answer["abstained"] and answer["references"]
    assert all(s["citations"] for s in answer["sentences"])

    models = {m["name"]: m for m in json.loads(_run([medcite, "models", "info", "--json"], tmp_path, env))}
    assert models["citation-judge"]["installed"] and models["medical-reranker"]["installed"]

    suites = _run(
        [str(target / "bin" / "python"), "-c", "from medcite import paths; print(paths.suites_dir())"],
        tmp_path,
        env,
    )
    result = json.loads(
        _run(
            [medcite, "models", "eval-judge", f"{suites.strip()}/judge-pairs-heldout.jsonl", "--json"],
            tmp_path,
            env,
        )
    )
    assert result["n"] == 54 and result["balanced_accuracy"] > 0.6
