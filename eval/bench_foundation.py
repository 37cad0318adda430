"""Foundation benchmark: ingest throughput, index size, query latency, top-5 hit rate.

Prints figures; asserts nothing (speed is measured here, never in tests).

    python -m medcite.eval.bench_foundation [--corpus ../shared/corpus] [--index DIR] [--queries 20]

With --index pointing at an existing index of the corpus, the ingest step is skipped.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path

from medcite import paths
from medcite.core.settings import Settings
from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION

SANITY = paths.suites_dir() / "shared-sanity-10.jsonl"
SEED = SEED_QUESTION


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _latency(fn, questions: list[str]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for q in questions:
        start = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=paths.shared_dir() / "corpus")
    parser.add_argument("--index", type=Path, default=None, help="existing index (skips ingest)")
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    results: dict[str, object] = {}
    tmp = None
    if args.index is None:
        tmp = tempfile.TemporaryDirectory(prefix="medcite-bench-")
        index = Path(tmp.name) / "index"
        engine = Engine(Settings().updated(index=index))
        _ = engine.embedder  # model load is not ingest time
        report = engine.ingest([args.corpus], progress=True)
        results.update(
            documents=len(report.added),
            failed=len(report.failed),
            chunks=report.n_chunks,
            ingest_seconds=round(report.seconds, 1),
            chunks_per_second=round(report.n_chunks / report.seconds, 1),
        )
    else:
        engine = Engine(Settings().updated(index=args.index))
    info = engine.info()
    results.update(
        index_chunks=info.n_chunks,
        index_mb_on_disk=round(_dir_size(engine.index.current()) / 1e6, 1),
    )

    cases = [json.loads(line) for line in SANITY.read_text().splitlines()]
    questions = [c["question"] for c in cases] + [SEED]
    questions = (questions * (args.queries // len(questions) + 1))[: args.queries]
    engine.ask(SEED)  # warm-up
    results["search_ms_p50"], results["search_ms_p95"] = (
        round(x, 1) for x in _latency(engine.search, questions)
    )
    results["ask_ms_p50"], results["ask_ms_p95"] = (round(x, 1) for x in _latency(engine.ask, questions))

    hits = 0
    for case in cases:
        top = [h.document.doc_id for h in engine.search(case["question"], k=5)]
        hits += bool(set(case["doc_ids"]) & set(top))
    results["sanity_top5_hit_rate"] = f"{hits}/{len(cases)}"
    seed_top = [h.document.doc_id for h in engine.search(SEED, k=5)]
    results["seed_ngc_11313_in_top5"] = "ngc-11313" in seed_top
    print(json.dumps(results, indent=2))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
