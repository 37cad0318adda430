"""Side-by-side retrieval baselines on one suite: BM25 / dense / hybrid / +rerank / +query understanding.

Retrieval only (no answer drafting, no judge), so a full configuration sweep over a suite takes
seconds to minutes. The full harness (`medcite eval`) scores the same retrieval metrics plus
citations; this script is for comparing retrieval configurations on one index.

    python -m medcite.eval.retrieval_matrix eval/suites/guidelines-dev.jsonl --index /tmp/idx
    python -m medcite.eval.retrieval_matrix PMQ/pubmedqa-dev.jsonl --index PMQ-INDEX --configs bm25,dense
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from medcite.core.settings import REFINEMENT_OFF, RetrieverMode, Settings
from medcite.engine import Engine
from medcite.eval.metrics import doc_recall_at, evidence_recall_at, percentile, reciprocal_rank
from medcite.eval.suite import Suite, load_suite

K = 10


@dataclass(frozen=True)
class Config:
    """One retrieval configuration: a retriever mode plus the optional stages on top of it."""

    name: str
    mode: RetrieverMode
    rerank: bool = False
    query_understanding: bool = False
    rerank_candidates: int = 20
    replace: bool = False  # rerank order replaces the retrieval order instead of being fused with it
    refine: bool = False  # evidence filtering: section prior, newer versions, near-duplicates


CONFIGS: dict[str, Config] = {
    "bm25": Config("bm25", RetrieverMode.bm25),
    "dense": Config("dense", RetrieverMode.dense),
    "hybrid": Config("hybrid", RetrieverMode.hybrid),
    "hybrid+rerank20": Config("hybrid+rerank20", RetrieverMode.hybrid, rerank=True),
    "hybrid+rerank20-replace": Config(
        "hybrid+rerank20-replace", RetrieverMode.hybrid, rerank=True, replace=True
    ),
    "hybrid+rerank50": Config("hybrid+rerank50", RetrieverMode.hybrid, rerank=True, rerank_candidates=50),
    "bm25+qu": Config("bm25+qu", RetrieverMode.bm25, query_understanding=True),
    "hybrid+qu": Config("hybrid+qu", RetrieverMode.hybrid, query_understanding=True),
    "hybrid+qu+rerank20": Config(
        "hybrid+qu+rerank20", RetrieverMode.hybrid, rerank=True, query_understanding=True
    ),
    "hybrid+refine": Config("hybrid+refine", RetrieverMode.hybrid, refine=True),
    "hybrid+qu+refine": Config(
        "hybrid+qu+refine", RetrieverMode.hybrid, query_understanding=True, refine=True
    ),
    "bm25+qu+refine": Config("bm25+qu+refine", RetrieverMode.bm25, query_understanding=True, refine=True),
    "dense+refine": Config("dense+refine", RetrieverMode.dense, refine=True),
    "hybrid+qu+refine+rerank20": Config(
        "hybrid+qu+refine+rerank20", RetrieverMode.hybrid, rerank=True, query_understanding=True, refine=True
    ),
}
DEFAULT_CONFIGS = "bm25,dense,hybrid,hybrid+rerank20,hybrid+qu"


def score(suite: Suite, engine: Engine, config: Config, limit: int | None = None) -> dict[str, float]:
    """Mean retrieval metrics over the answerable cases, plus search latency percentiles."""
    refine = {} if config.refine else REFINEMENT_OFF  # on: the configured filters
    engine.settings = Settings().updated(
        index=engine.index.root,
        query_understanding=config.query_understanding,
        rerank_candidates=config.rerank_candidates,
        rerank_mode="replace" if config.replace else "fuse",
        **refine,
    )
    engine.search("warm-up", k=1, mode=config.mode, rerank=config.rerank)
    rows: dict[str, list[float]] = {"r@1": [], "r@5": [], "r@10": [], "mrr": [], "evid@5": []}
    latencies: list[float] = []
    for case in suite.cases[:limit] if limit else suite.cases:
        if not case.answerable:
            continue
        started = time.perf_counter()
        hits = engine.search(case.question, k=K, mode=config.mode, rerank=config.rerank)
        latencies.append((time.perf_counter() - started) * 1000)
        docs = [h.document.doc_id for h in hits]
        if case.doc_ids:
            rows["r@1"].append(doc_recall_at(docs, case.doc_ids, 1))
            rows["r@5"].append(doc_recall_at(docs, case.doc_ids, 5))
            rows["r@10"].append(doc_recall_at(docs, case.doc_ids, 10))
            rows["mrr"].append(reciprocal_rank(docs, case.doc_ids))
        if case.evidence:
            rows["evid@5"].append(evidence_recall_at([h.chunk.text for h in hits], case.evidence, 5))
    out = {key: round(sum(v) / len(v), 4) for key, v in rows.items() if v}
    out["p50_ms"] = round(percentile(latencies, 50), 1)
    out["p95_ms"] = round(percentile(latencies, 95), 1)
    return out


def markdown_table(results: dict[str, dict[str, float]]) -> str:
    keys = ["r@1", "r@5", "r@10", "mrr", "evid@5", "p50_ms", "p95_ms"]
    keys = [k for k in keys if any(k in r for r in results.values())]
    lines = ["| config | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, r in results.items():
        lines.append(f"| {name} | " + " | ".join(str(r.get(k, "")) for k in keys) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("suite", type=Path)
    parser.add_argument(
        "--index", type=Path, required=True, help="an index already holding the suite's corpus"
    )
    parser.add_argument("--configs", default=DEFAULT_CONFIGS, help=f"comma list from {', '.join(CONFIGS)}")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--limit", type=int, help="only the first N cases (e.g. for slow rerank runs)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    suite = load_suite(args.suite)
    engine = Engine(Settings().updated(index=args.index))
    results: dict[str, dict[str, float]] = {}
    for name in args.configs.split(","):
        results[name] = score(suite, engine, CONFIGS[name], args.limit)
        print(name, json.dumps(results[name]), flush=True)
    print(f"\n{suite.name} ({sum(c.answerable for c in suite.cases)} answerable cases)\n")
    print(markdown_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
