"""Load benchmark of the HTTP service: `python -m medcite.eval.bench_service --index DIR`.

Starts `medcite serve` for real on 127.0.0.1, then runs locust headless (N users, no think
time, each sending its next request when the last is answered) against POST /search and
POST /ask (extractive) in turn, and prints throughput, p50/p99 latency and failures per
route. The questions are the guideline suites' tune and dev questions (about the indexed corpus,
so most are answered) or, with `--questions medquad`, MedQuAD's (distinct, mostly outside
the guidelines, so mostly abstained); both shuffled with a recorded seed. The index should
be the shared-corpus one (`medcite ingest ../shared/corpus --index DIR`).

The rate limit is switched off for the run (it would throttle 50 users from one address);
the load generator runs on the same 2 cores as the server, which this figure pays for.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from medcite import paths

log = logging.getLogger("medcite.bench_service")

SEED = 20261203


def guideline_questions() -> list[str]:
    """The guideline suites' questions that the tuning may see (tune and dev, never test):
    questions about the indexed corpus, so most of them are answered rather than abstained."""
    found: list[str] = []
    for name in ("guidelines-tune.jsonl", "guidelines-dev.jsonl"):
        for line in (paths.suites_dir() / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if isinstance(row.get("question"), str):
                found.append(row["question"])
    random.Random(SEED).shuffle(found)
    return found


def medquad_questions(n: int, seed: int = SEED) -> list[str]:
    """Distinct consumer-health questions, most of them outside the guidelines (abstentions)."""
    source = paths.shared_dir() / "train" / "medquad.jsonl"
    if not source.is_file():
        raise SystemExit(f"MedQuAD questions not found at {source} (set MEDCITE_SHARED)")
    seen: dict[str, None] = {}
    with source.open(encoding="utf-8") as fh:
        for line in fh:
            q = " ".join(str(json.loads(line).get("question", "")).split())
            if 10 <= len(q) <= 400:
                seen.setdefault(q, None)
    pool = list(seen)
    random.Random(seed).shuffle(pool)
    return pool[:n]


def start_server(
    index: Path, port: int, workers: int, env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "MEDCITE_INDEX": str(index), "MEDCITE_RATE_LIMIT": "", **env}
    command = [sys.executable, "-m", "medcite.cli", "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(command, env=environment, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited; see {log_path}")
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"server not ready in 180 s; see {log_path}")


def run_locust(url: str, endpoint: str, users: int, seconds: int, qfile: Path, out: Path) -> dict[str, float]:
    locustfile = paths.package_dir("eval") / "locustfile.py"
    prefix = out / endpoint
    env = {**os.environ, "MEDCITE_LOAD_ENDPOINT": endpoint, "MEDCITE_LOAD_QUESTIONS": str(qfile)}
    command = [
        str(Path(sys.executable).with_name("locust")), "-f", str(locustfile), "--headless",
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", url,
        "--csv", str(prefix), "--only-summary", "--stop-timeout", "30", "--loglevel", "WARNING",
    ]  # fmt: skip
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    return {
        "requests": float(row["Request Count"]),
        "failures": float(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p99_ms": float(row["99%"]),
        "max_ms": float(row["Max Response Time"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="Index directory (shared-corpus index)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--endpoints", default="search,ask")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument(
        "--questions",
        choices=("guidelines", "medquad"),
        default="guidelines",
        help="guidelines: the tune/dev suites' questions (answered); medquad: distinct, mostly abstained",
    )
    parser.add_argument(
        "--cold", action="store_true", help="No sentence-vector cache: every answer embeds its passages"
    )
    parser.add_argument(
        "--warmup", type=int, default=0, help="Seconds of unrecorded load first (fills the sentence cache)"
    )
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON too")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    work = Path(tempfile.mkdtemp(prefix="medcite-load-"))
    qfile = work / "questions.txt"
    pool = guideline_questions() if args.questions == "guidelines" else medquad_questions(8000)
    qfile.write_text("\n".join(pool), encoding="utf-8")
    env = {"MEDCITE_SENTENCE_CACHE_SIZE": "0"} if args.cold else {}
    proc = start_server(args.index, args.port, args.workers, env, work / "serve.log")
    results: dict[str, dict[str, float]] = {}
    url = f"http://127.0.0.1:{args.port}"
    try:
        for endpoint in args.endpoints.split(","):
            if args.warmup:
                log.info("warm-up: %d s on /%s (not recorded) ...", args.warmup, endpoint)
                (work / "warmup").mkdir(exist_ok=True)
                run_locust(url, endpoint, args.users, args.warmup, qfile, work / "warmup")
            log.info("load: %d users on /%s for %d s ...", args.users, endpoint, args.seconds)
            results[endpoint] = run_locust(url, endpoint, args.users, args.seconds, qfile, work)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    heads = ("requests", "failures", "req/s", "p50 ms", "p99 ms", "max ms")
    print(f"{'route':8} " + " ".join(f"{h:>{9 if i < 2 else 8}}" for i, h in enumerate(heads)))
    for endpoint, r in results.items():
        print(
            f"/{endpoint:7} {r['requests']:9.0f} {r['failures']:9.0f} {r['rps']:7.1f} "
            f"{r['p50_ms']:8.0f} {r['p99_ms']:8.0f} {r['max_ms']:8.0f}"
        )
    print(
        f"({args.users} users, no think time, {args.seconds} s a route, {args.workers} workers, "
        f"{len(pool)} {args.questions} questions{', no sentence cache' if args.cold else ''}, "
        f"{args.warmup} s warm-up; {work})"
    )
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
