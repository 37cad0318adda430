"""Retrieval benchmark at scale: search latency with/without rerank at 10k and 100k chunks,
index memory and size, and embedding encode throughput.

Prints figures; asserts nothing (speed is measured here, never in tests).

    python -m medcite.eval.bench_retrieval --index DIR [--sizes 10000,100000] [--queries 40]

DIR is a real index (e.g. of ../shared/corpus). Larger indexes are synthesised from it: every
document is copied under new ids until the target chunk count is reached; the copies keep the
real text (so BM25 sees a realistic vocabulary) and take the original vectors plus small
Gaussian noise, re-normalised (so FAISS does real work, not exact-duplicate ties).
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sqlite3
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from medcite import paths
from medcite.core.settings import Settings
from medcite.engine import Engine
from medcite.eval.bench_foundation import _dir_size, _latency
from medcite.eval.suite import load_suite
from medcite.store.index_dir import IndexDirectory

QUESTIONS = paths.suites_dir() / "guidelines-dev.jsonl"


def synthesise(source: IndexDirectory, target: Path, n_chunks: int, seed: int = 0) -> IndexDirectory:
    """An index of about n_chunks built from copies of the source index's documents."""
    rng = np.random.default_rng(seed)
    info = source.info()
    snapshot = source.open()
    conn = sqlite3.connect(snapshot.path / "store.sqlite")
    out = IndexDirectory(target)
    documents = snapshot.store.documents()
    with out.write(info.embedding_model, info.dim) as writer:
        total, copy = 0, 0
        while total < n_chunks:
            for doc in documents:
                if total >= n_chunks:
                    break
                chunks = snapshot.store.chunks_of(doc.doc_id)
                rows = [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM chunks WHERE doc_id=? ORDER BY ordinal", (doc.doc_id,)
                    )
                ]
                vectors = np.stack([snapshot.vectors.vector(r) for r in rows])
                if copy:
                    vectors = vectors + rng.normal(0, 0.02, vectors.shape).astype(np.float32)
                    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                new_id = doc.doc_id if copy == 0 else f"{doc.doc_id}~{copy}"
                new_chunks = [
                    replace(c, doc_id=new_id, chunk_id=c.chunk_id.replace(doc.doc_id, new_id, 1))
                    for c in chunks
                ]
                ids = writer.store.add_document(
                    replace(doc, doc_id=new_id, content_hash=f"{doc.content_hash}~{copy}"),
                    snapshot.store.document_text(doc.doc_id),
                    new_chunks,
                )
                writer.vectors.add(ids, vectors)
                total += len(chunks)
            copy += 1
        writer.changed = True
    conn.close()
    snapshot.close()
    return out


def _rss_mb() -> float:
    """Current resident memory (Linux /proc), so a second index's load is measured on its own."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 1e6
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_index(root: Path, questions: list[str], rerank: bool) -> dict[str, object]:
    engine = Engine(Settings().updated(index=root))
    engine.embedder.encode(["warm-up"])  # model memory is not index memory
    before = _rss_mb()
    engine.search("warm-up", k=6)
    loaded = _rss_mb()
    out: dict[str, object] = {
        "n_chunks": engine.info().n_chunks,
        "index_mb_on_disk": round(_dir_size(engine.index.current()) / 1e6, 1),
        "rss_growth_on_load_mb": round(loaded - before, 1),
    }
    for label, understanding in (("hybrid", False), ("hybrid+qu+refine (default)", True)):
        engine.settings = Settings().updated(index=root, query_understanding=understanding)
        p50, p95 = _latency(lambda q: engine.search(q, k=6, rerank=False), questions)
        out[f"search {label} p50/p95 ms"] = [round(p50, 1), round(p95, 1)]
    if rerank:
        engine.settings = Settings().updated(index=root)
        for n in (20, 50):
            engine.settings.retrieval.rerank_candidates = n
            engine.search("warm-up", k=6, rerank=True)
            p50, p95 = _latency(lambda q: engine.search(q, k=6, rerank=True), questions)
            out[f"search default + rerank {n} p50/p95 ms"] = [round(p50, 1), round(p95, 1)]
    return out


def bench_encode(texts: list[str], models: list[str]) -> dict[str, float]:
    from medcite.retrieval.embedder import load_embedder

    out = {}
    for spec in models:
        embedder = load_embedder(spec, batch_size=Settings().models.embedding_batch_size)
        embedder.encode(texts[:8])
        started = time.perf_counter()
        embedder.encode(texts)
        out[f"encode {spec} chunks/s"] = round(len(texts) / (time.perf_counter() - started), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="a real index to scale up from")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--no-rerank", action="store_true", help="skip the (slow) rerank latency runs")
    parser.add_argument("--encode-models", default="", help="comma list of embedders to time on 300 chunks")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    questions = [c.question for c in load_suite(QUESTIONS).cases][: args.queries]
    source = IndexDirectory(args.index)
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            built = synthesise(source, Path(tmp) / f"idx-{size}", size)
            build_s = time.perf_counter() - started
            figures = bench_index(built.root, questions, rerank=not args.no_rerank)
            figures["synthesis_s"] = round(build_s, 1)
            results[f"{size} chunks"] = figures
            print(json.dumps({f"{size} chunks": figures}, indent=2), flush=True)
    if args.encode_models:
        store = source.read_store()
        texts = [t for _, _, _, t in store.iter_chunk_texts()][:300]
        store.close()
        results["encode"] = bench_encode(texts, args.encode_models.split(","))
        print(json.dumps(results["encode"], indent=2))


if __name__ == "__main__":
    main()
