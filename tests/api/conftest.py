"""Real servers for the API tests: `medcite serve` started as a user would, on 127.0.0.1.

`serve(index, **env)` starts one (stopped at the end of the test module that asked for it)
and waits until /ready answers 200; `copied_index(engine)` is a private copy of an index a
test may write to.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from medcite.engine import Engine


@dataclass
class LiveServer:
    url: str
    proc: subprocess.Popen[str]
    index: Path
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.is_file() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[str], log: Path, path: str = "/ready", timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise AssertionError(f"server not ready within {timeout} s: {log.read_text(errors='replace')[-3000:]}")


def start_server(index: Path, workdir: Path, ready_path: str = "/ready", **env: str) -> LiveServer:
    port = free_port()
    log = workdir / f"serve-{port}.log"
    environment = {**os.environ, "MEDCITE_INDEX": str(index), **env}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "medcite.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,  # as a user would: not from the checkout
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, proc, log, ready_path)
    return LiveServer(url, proc, index, log)


def stop_server(server: LiveServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=10)


ServerFactory = Callable[..., LiveServer]


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """serve(index, ready_path="/ready", **MEDCITE_env) -> a running LiveServer."""
    started: list[LiveServer] = []

    def factory(index: Path, ready_path: str = "/ready", **env: str) -> LiveServer:
        server = start_server(index, tmp_path_factory.mktemp("serve"), ready_path, **env)
        started.append(server)
        return server

    yield factory
    for server in started:
        stop_server(server)


@pytest.fixture(scope="module")
def writable_index(starter_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the starter index (9 documents) that a module's tests may change."""
    target = tmp_path_factory.mktemp("writable") / "index"
    shutil.copytree(starter_engine.index.root, target, ignore=shutil.ignore_patterns("write.lock", "jobs.sqlite*"))
    return target


def _wait_job(url: str, job_id: str, timeout: float = 120, headers: dict[str, str] | None = None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/jobs/{job_id}", headers=headers, timeout=10).json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not done within {timeout} s")


@pytest.fixture(scope="session")
def wait_job() -> Callable[..., dict]:
    """wait_job(url, job_id, timeout=120, headers=None): poll GET /jobs/{id} until it has
    succeeded or failed; the job's JSON."""
    return _wait_job
