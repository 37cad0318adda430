"""kill -9 of an ingest at random points, 10 trials each for the CLI and for an upload job,
while a real server answers: it keeps answering from the previous index throughout, a re-run
completes, and no document is lost or duplicated.

Bounded: 2 x 10 trials, each kill within a few seconds; the random kill times come from a
recorded seed and are printed with each trial's outcome.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from medcite.core.settings import Settings
from medcite.engine import Engine
from medcite.store.index_dir import IndexDirectory

SEED = 20261203
TRIALS = 10
KEY = "reliability-key"
TOPICS = ("quintomab", "plemavir", "arotinib", "celvane", "duromax")


def _guideline(batch: int, i: int) -> str:
    drug = TOPICS[i % len(TOPICS)]
    return (
        f"# Batch {batch} guideline {i}: condition-{batch}-{i}\n\n## Treatment\n\n"
        f"Condition-{batch}-{i} is treated first line with {drug} {batch + i} mg daily for {i + 3} days. "
        f"Monitor renal function weekly while on {drug} for condition-{batch}-{i}.\n\n## Follow-up\n\n"
        + " ".join(f"Visit {v} reviews symptoms of condition-{batch}-{i} and adherence." for v in range(12))
    )


def _batch(root: Path, batch: int, n: int = 6) -> Path:
    folder = root / f"batch-{batch}"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"b{batch}-g{i}.md").write_text(_guideline(batch, i), encoding="utf-8")
    return folder


class Readers:
    """Threads asking /search and /ask the whole time; every non-200 is a failure."""

    def __init__(self, url: str, n: int = 2) -> None:
        self.url = url
        self.failures: list[str] = []
        self.answered = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(n)]

    def __enter__(self) -> Readers:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def _run(self, i: int) -> None:
        with httpx.Client(timeout=60) as client:
            while not self._stop.is_set():
                try:
                    if i % 2:
                        r = client.post(
                            f"{self.url}/ask", json={"question": "How is neuropathic pain treated?"}
                        )
                    else:
                        r = client.post(f"{self.url}/search", json={"query": "naloxone overdose", "k": 3})
                    if r.status_code != 200:
                        self.failures.append(f"{r.status_code}: {r.text[:200]}")
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                self.answered += 1


def _consistent(index: Path) -> tuple[int, list[str]]:
    """(generation number, doc ids) of the live index, after checking that its store, vectors
    and BM25 agree chunk for chunk."""
    directory = IndexDirectory(index)
    snapshot = directory.open()
    n_docs, n_chunks = snapshot.store.counts()
    ids = [d.doc_id for d in snapshot.store.documents()]
    assert len(ids) == len(set(ids)) == n_docs
    assert len(snapshot.vectors) == len(snapshot.lexical) == n_chunks
    assert sum(d.n_chunks for d in snapshot.store.documents()) == n_chunks
    return int(snapshot.path.name.split("-")[1]), ids


@pytest.fixture(scope="module")
def server(writable_index: Path, serve: Callable[..., Any]) -> Iterator[Any]:
    yield serve(writable_index, MEDCITE_API_KEYS=KEY, MEDCITE_RATE_LIMIT="")


def test_kill_9_of_cli_ingests(server: Any, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    env = {**os.environ, "MEDCITE_INDEX": str(server.index)}
    command = [sys.executable, "-m", "medcite.cli", "ingest", "--no-progress"]
    # one ingest run to the end first: the kills then land anywhere in a run's length
    started = time.monotonic()
    subprocess.run(
        [*command, str(_batch(tmp_path, 99))], env=env, check=True, capture_output=True, timeout=300
    )
    length_s = time.monotonic() - started
    _, start_ids = _consistent(server.index)
    outcomes: list[dict[str, Any]] = []
    batches: list[Path] = []
    with Readers(server.url) as readers:
        for trial in range(TRIALS):
            batches.append(_batch(tmp_path, trial))
            before_gen, before_ids = _consistent(server.index)
            after_s = rng.uniform(0.1, 1.1 * length_s)
            proc = subprocess.Popen(
                [*command, str(batches[-1])],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(after_s)
            finished = proc.poll() is not None
            if not finished:
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            gen, ids = _consistent(server.index)
            new = set(ids) - set(before_ids)
            # all of the batch or none of it: one generation per batch
            assert new in (set(), {f"b{trial}-g{i}" for i in range(6)}), new
            assert set(before_ids) <= set(ids)  # nothing already indexed is lost
            assert httpx.get(f"{server.url}/ready", timeout=10).status_code == 200
            outcomes.append(
                {
                    "trial": trial,
                    "kill_after_s": round(after_s, 2),
                    "finished_first": finished,
                    "committed": bool(new),
                    "generation": f"{before_gen}->{gen}",
                }
            )
        rerun = subprocess.run(
            [sys.executable, "-m", "medcite.cli", "ingest", *map(str, batches), "--no-progress", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    _, ids = _consistent(server.index)
    expected = set(start_ids) | {f"b{t}-g{i}" for t in range(TRIALS) for i in range(6)}
    assert set(ids) == expected and len(ids) == len(expected)
    assert not list(server.index.glob(".tmp-gen-*"))  # the re-run cleared what the kills left
    assert readers.failures == [] and readers.answered > 0
    table = "\n".join(json.dumps(o) for o in outcomes)
    print(f"\nkill -9 of `medcite ingest` (seed {SEED}; a whole run {length_s:.1f} s):\n{table}")
    print(f"readers: {readers.answered} requests, {len(readers.failures)} failed")


def _worker_pid(job_id: str, timeout: float = 30) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["pgrep", "-f", f"medcite.api.worker {job_id}"], capture_output=True, text=True
        )
        if found.stdout.strip():
            return int(found.stdout.split()[0])
        time.sleep(0.05)
    return None


def test_kill_9_of_upload_jobs(server: Any, wait_job: Callable[..., dict], tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    auth = {"Authorization": f"Bearer {KEY}"}
    outcomes: list[dict[str, Any]] = []
    calib = httpx.post(
        f"{server.url}/documents", files={"file": ("calib.md", _guideline(99, 1))}, headers=auth, timeout=30
    ).json()
    if _worker_pid(calib["job_id"]) is None:
        pytest.fail("no worker process seen for an upload job")
    seen = time.monotonic()
    assert wait_job(server.url, calib["job_id"])["state"] == "succeeded"
    length_s = time.monotonic() - seen  # a worker's life, from its start to the job's end
    with Readers(server.url) as readers:
        for trial in range(TRIALS):
            body = _guideline(100 + trial, 0)
            name = f"upload-{trial}.md"
            _, before_ids = _consistent(server.index)
            r = httpx.post(f"{server.url}/documents", files={"file": (name, body)}, headers=auth, timeout=30)
            job_id = r.json()["job_id"]
            pid = _worker_pid(job_id)
            after_s = rng.uniform(0.0, 1.1 * length_s)
            time.sleep(after_s)
            killed = False
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed = True
                except ProcessLookupError:
                    pass
            job = wait_job(server.url, job_id)
            _, ids = _consistent(server.index)
            assert set(before_ids) <= set(ids)
            indexed = f"upload-{trial}" in ids
            assert indexed == (job["state"] == "succeeded"), job  # the job's state tells the truth
            if not indexed:
                assert "retry" in job["message"], job
                retry = httpx.post(f"{server.url}/documents", files={"file": (name, body)}, headers=auth)
                assert wait_job(server.url, retry.json()["job_id"])["state"] == "succeeded"
            outcomes.append(
                {
                    "trial": trial,
                    "kill_after_s": round(after_s, 2),
                    "killed": killed,
                    "job": job["state"],
                    "message": job["message"][:60],
                }
            )
    _, ids = _consistent(server.index)
    assert {f"upload-{t}" for t in range(TRIALS)} <= set(ids) and len(ids) == len(set(ids))
    assert readers.failures == [] and readers.answered > 0
    assert any(o["job"] == "failed" for o in outcomes)  # at least one kill landed mid-job
    table = "\n".join(json.dumps(o) for o in outcomes)
    print(f"\nkill -9 of upload jobs (seed {SEED + 1}; a whole job {length_s:.1f} s):\n{table}")
    print(f"readers: {readers.answered} requests, {len(readers.failures)} failed")


def test_the_engine_reads_the_index_the_trials_left(server: Any) -> None:
    engine = Engine(Settings().updated(index=server.index))
    top = engine.search("first line quintomab monitor renal function weekly", k=3)
    assert any(h.document.doc_id.startswith(("b", "upload-")) for h in top)
