"""The worker process of one index-writing job: `python -m medcite.api.worker JOB_ID`.

The server's JobRunner starts it with MEDCITE_INDEX set; it runs the job through the same
Engine as the CLI, records the outcome in the job queue and exits. A kill at any point leaves
the previous index generation live (the runner then fails the job).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from medcite.api.jobs import Job, JobKind, JobState, JobStore
from medcite.core.errors import IndexLockedError, MedciteError
from medcite.core.settings import DuplicatePolicy, Settings
from medcite.engine import Engine

log = logging.getLogger("medcite.worker")

_LOCK_WAIT_S = 600.0  # a CLI ingest may hold the index; wait for it rather than fail the job


def _run(engine: Engine, store: JobStore, job: Job) -> tuple[JobState, str, dict[str, Any]]:
    if job.kind is JobKind.delete:
        missing = engine.remove(job.doc_ids)
        if missing:
            return JobState.failed, f"not in the index: {', '.join(missing)}", {"missing": missing}
        return JobState.succeeded, f"removed {', '.join(job.doc_ids)}", {"removed": job.doc_ids}
    if job.kind is JobKind.upload:
        paths = [Path(job.args["path"])]
        policy = DuplicatePolicy(job.args.get("policy", "skip"))
    else:  # reindex: every document again from the file it was ingested from
        documents = engine.documents() if engine.index.exists() else []
        paths = [Path(d.path) for d in documents if d.path]
        policy = DuplicatePolicy.overwrite if job.args.get("force") else DuplicatePolicy.skip
    store.update(job.job_id, progress=0.1, message=f"ingesting {len(paths)} file(s)")
    report = engine.ingest(paths, policy, progress=False)
    summary = report.summary()
    body = report.as_json()
    if job.kind is JobKind.upload:
        store.update(job.job_id, doc_ids=report.added + report.updated + report.unchanged or job.doc_ids)
        if report.failed:
            failure = report.failed[0]
            return JobState.failed, f"{failure.error}: {failure.message}", body
        if report.duplicates:
            twin = report.duplicates[0][1]
            return JobState.succeeded, f"same content as indexed document {twin!r}; nothing added", body
    return JobState.succeeded, summary, body


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if len(argv) != 1:
        print("usage: python -m medcite.api.worker JOB_ID", file=sys.stderr)
        return 2
    settings = Settings()
    store = JobStore(settings.index.path)
    job = store.get(argv[0])
    if job is None:
        print(f"no job {argv[0]!r} in {store.path}", file=sys.stderr)
        return 2
    engine = Engine(settings)
    deadline = time.monotonic() + _LOCK_WAIT_S
    while True:
        try:
            state, message, report = _run(engine, store, job)
            break
        except IndexLockedError as exc:
            if time.monotonic() > deadline:
                state, message, report = JobState.failed, str(exc), {}
                break
            store.update(job.job_id, message="waiting for another writer to finish")
            time.sleep(1.0)
        except MedciteError as exc:
            state, message, report = JobState.failed, f"{type(exc).__name__}: {exc}", {}
            break
    store.finish(job.job_id, state, message, report)
    return 0 if state is JobState.succeeded else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
