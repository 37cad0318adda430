"""Speed of the trained models: judge pairs/s (batched) and rerank latency for 20 passages.

python -m medcite.eval.bench_models [--index DIR] [--judge DIR] [--reranker DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from medcite import paths
from medcite.eval.judge_metrics import read_pairs
from medcite.generation.verifier import CrossEncoderJudge
from medcite.retrieval.reranker import CrossEncoderReranker


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, default=None, help="index to take 20 real passages from")
    judge_dir = paths.model_dir(paths.JUDGE)
    parser.add_argument("--judge", type=Path, default=judge_dir, help="judge model folder")
    reranker_dir = paths.model_dir(paths.RERANKER)
    parser.add_argument("--reranker", type=Path, default=reranker_dir, help="reranker model folder")
    args = parser.parse_args()
    pairs = [(p.premise, p.hypothesis) for p in read_pairs(paths.suites_dir() / "judge-pairs.jsonl")]
    judge = CrossEncoderJudge(args.judge)
    judge.scores(pairs[:8])
    start = time.perf_counter()
    judge.scores(pairs)
    judge_rate = len(pairs) / (time.perf_counter() - start)
    results: dict[str, object] = {"judge_pairs_per_s": round(judge_rate, 1)}
    if args.index is not None:
        from medcite.core.settings import Settings
        from medcite.engine import Engine

        engine = Engine(Settings().updated(index=args.index))
        reranker = CrossEncoderReranker(args.reranker)
        hits = engine.search("opioid dosage thresholds for chronic pain", k=20)
        reranker.rerank("warm up", hits[:2])
        times = []
        for query in (
            "naloxone for overdose risk",
            "colorectal cancer screening age",
            "hydroxyurea sickle cell",
        ):
            hits = engine.search(query, k=20)
            for _ in range(5):
                start = time.perf_counter()
                reranker.rerank(query, hits)
                times.append((time.perf_counter() - start) * 1000)
        results["rerank_20_ms_p50"] = round(statistics.median(times), 1)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
