"""Index-writing jobs (upload, delete, reindex): a queue in SQLite beside the index, run one at a
time, each in its own worker process.

Why a process per job: a hostile file that eats memory or a `kill -9` ends the worker, not the
server, which keeps answering from the live generation; the index's atomic generations make
an interrupted job leave the previous index intact. Why SQLite: every uvicorn worker process
sees the same queue, a job survives a restart, and the claim of the next job is one
transaction, so two uploads at once are queued, never run together.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

JOBS_DB = "jobs.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    doc_ids TEXT NOT NULL DEFAULT '[]',
    args TEXT NOT NULL DEFAULT '{}',
    report TEXT NOT NULL DEFAULT '{}',
    pid INTEGER,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, created_at);
"""


class JobKind(StrEnum):
    upload = "upload"
    delete = "delete"
    reindex = "reindex"


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    kind: JobKind
    state: JobState
    progress: float
    message: str
    doc_ids: list[str]
    args: dict[str, Any]
    report: dict[str, Any]
    pid: int | None
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.state in (JobState.succeeded, JobState.failed)


def _row_to_job(row: sqlite3.Row) -> Job:
    return Job(
        job_id=row["job_id"],
        kind=JobKind(row["kind"]),
        state=JobState(row["state"]),
        progress=row["progress"],
        message=row["message"],
        doc_ids=json.loads(row["doc_ids"]),
        args=json.loads(row["args"]),
        report=json.loads(row["report"]),
        pid=row["pid"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) is not alive for our purpose
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


class JobStore:
    """The queue: one SQLite file, shared by the server's processes and the workers."""

    def __init__(self, index_root: Path) -> None:
        self.path = Path(index_root) / JOBS_DB
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")  # persistent: set once, kept by the file
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:  # timeout=30: a writer waits for another process's transaction
            yield conn
        finally:
            conn.close()

    def create(self, kind: JobKind, args: dict[str, Any], doc_ids: list[str]) -> Job:
        job_id = uuid.uuid4().hex[:16]
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO jobs (job_id, kind, state, doc_ids, args, created_at) VALUES (?,?,?,?,?,?)",
                (
                    job_id,
                    kind.value,
                    JobState.queued.value,
                    json.dumps(doc_ids),
                    json.dumps(args),
                    time.time(),
                ),
            )
        job = self.get(job_id)
        assert job is not None
        log.info("job %s queued: %s %s", job_id, kind.value, ", ".join(doc_ids))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _row_to_job(row) if row else None

    def latest(self, limit: int = 50) -> list[Job]:
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [_row_to_job(r) for r in rows]

    def counts(self) -> dict[str, int]:
        with self._connect() as conn:
            rows = conn.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        found = {state: n for state, n in rows}
        return {s.value: int(found.get(s.value, 0)) for s in JobState}

    def update(self, job_id: str, **values: Any) -> None:
        encoded: dict[str, Any] = {
            k: json.dumps(v) if k in ("doc_ids", "report", "args") else v for k, v in values.items()
        }
        state = encoded.get("state")
        if isinstance(state, JobState):
            encoded["state"] = state.value
        columns = ", ".join(f"{k} = ?" for k in encoded)
        with self._connect() as conn:
            conn.execute(f"UPDATE jobs SET {columns} WHERE job_id = ?", (*encoded.values(), job_id))

    def finish(
        self, job_id: str, state: JobState, message: str, report: dict[str, Any] | None = None
    ) -> None:
        values: dict[str, Any] = {"state": state, "message": message, "finished_at": time.time()}
        if state is JobState.succeeded:
            values["progress"] = 1.0
        if report is not None:
            values["report"] = report
        self.update(job_id, **values)
        log.info("job %s %s: %s", job_id, state.value, message)

    def claim_next(self) -> Job | None:
        """The oldest queued job, marked running, unless a job is running already (one at a time
        across every process); a running job whose worker has died is failed first."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for row in conn.execute("SELECT job_id, pid, started_at FROM jobs WHERE state = 'running'"):
                    recent = row["started_at"] and time.time() - row["started_at"] < 10
                    if _alive(row["pid"]) or (row["pid"] is None and recent):
                        conn.execute("COMMIT")
                        return None
                    conn.execute(
                        "UPDATE jobs SET state = 'failed', finished_at = ?, message = ? WHERE job_id = ?",
                        (
                            time.time(),
                            "the worker process died; the index is unchanged: retry",
                            row["job_id"],
                        ),
                    )
                row = conn.execute(
                    "SELECT job_id FROM jobs WHERE state = 'queued' ORDER BY created_at LIMIT 1"
                ).fetchone()
                if row is None:
                    conn.execute("COMMIT")
                    return None
                conn.execute(
                    "UPDATE jobs SET state = 'running', started_at = ?, progress = 0.05, pid = NULL "
                    "WHERE job_id = ?",
                    (time.time(), row["job_id"]),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return self.get(row["job_id"])


class JobRunner:
    """A thread in each server process that starts the next queued job's worker process."""

    def __init__(self, store: JobStore, index_root: Path, timeout_s: float, poll_s: float = 0.3) -> None:
        self.store = store
        self.index_root = Path(index_root)
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="medcite-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self.store.claim_next()
                if job is not None:
                    self._run(job)
                    continue
            except Exception:  # the loop must outlive any one job's trouble
                log.exception("job runner")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _run(self, job: Job) -> None:
        env = {**os.environ, "MEDCITE_INDEX": str(self.index_root)}
        command = [sys.executable, "-m", "medcite.api.worker", job.job_id]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.store.update(job.job_id, pid=proc.pid)
        try:
            _, stderr = proc.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
        after = self.store.get(job.job_id)
        if after is not None and not after.done:
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:] if stderr else []
            how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit code {proc.returncode}"
            self.store.finish(
                job.job_id,
                JobState.failed,
                f"the worker ended with {how}; the index is unchanged: retry"
                + (f" ({' | '.join(tail)})" if tail else ""),
            )
