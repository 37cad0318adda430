"""A small, resumable training loop for sentence-transformers CrossEncoders on CPU.

The CrossEncoder is built from the packaged MiniLM-L6 encoder with a fresh one-logit
classification head, trained with binary cross-entropy. The loop is ours rather than
CrossEncoderTrainer's so that it needs no `datasets`/`accelerate` and can checkpoint
every N steps and resume bit-for-bit (model, optimiser, scheduler, sampler order, RNG).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from tqdm import tqdm

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.1
    max_length: int = 256
    seed: int = 13
    checkpoint_every: int = 200
    num_layers: int | None = None  # keep only the first N transformer layers (None: all)
    # "bce": each pair on its own (judge). "listwise": softmax over each query's pairs, the
    # positive against its hard negatives (reranker), which learns ranking faster than BCE.
    loss: str = "bce"


@dataclass(frozen=True)
class Pair:
    first: str  # premise (judge) or query (reranker)
    second: str  # claim (judge) or passage (reranker)
    label: float
    group: int = -1  # listwise loss: pairs of one query share a group


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def new_cross_encoder(base: Path, max_length: int, num_layers: int | None = None) -> CrossEncoder:
    """A CrossEncoder from a sentence-transformers encoder folder, with a fresh 1-logit head.

    `num_layers` keeps only the first N transformer layers (a smaller, faster model; the
    saved config says so, so it loads back with N layers).
    """
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(str(base), num_labels=1, max_length=max_length, device="cpu")
    if num_layers is not None:
        net: Any = network(model)  # a transformers BertForSequenceClassification
        layers = net.base_model.encoder.layer
        if not 0 < num_layers <= len(layers):
            raise ValueError(f"num_layers must be in 1..{len(layers)}")
        net.base_model.encoder.layer = layers[:num_layers]
        net.config.num_hidden_layers = num_layers
    return model


def network(model: CrossEncoder) -> torch.nn.Module:
    """The transformer inside a CrossEncoder (typed, so callers need no None checks)."""
    net = model.model
    if net is None:
        raise RuntimeError("CrossEncoder has no underlying model")
    return net


def _schedule(pairs: Sequence[Pair], config: TrainConfig) -> list[list[int]]:
    """Batches of pair indices for every epoch: shuffled pairs, or for the listwise loss
    shuffled whole groups (a group is never split across batches)."""
    shuffler = random.Random(config.seed)
    if config.loss == "listwise":
        by_group: dict[int, list[int]] = {}
        for i, pair in enumerate(pairs):
            by_group.setdefault(pair.group, []).append(i)
        units = list(by_group.values())
    else:
        units = [[i] for i in range(len(pairs))]
    schedule: list[list[int]] = []
    for _ in range(config.epochs):
        shuffler.shuffle(units)
        batch: list[int] = []
        for unit in units:
            if batch and len(batch) + len(unit) > config.batch_size:
                schedule.append(batch)
                batch = []
            batch = batch + unit
        if batch:
            schedule.append(batch)
    return schedule


def _listwise_loss(logits: torch.Tensor, batch: Sequence[Pair]) -> torch.Tensor:
    """Mean over the batch's groups of softmax cross-entropy of the positive among its group."""
    losses = []
    start = 0
    while start < len(batch):
        end = start
        while end < len(batch) and batch[end].group == batch[start].group:
            end += 1
        labels = torch.tensor([p.label for p in batch[start:end]])
        if labels.max() > 0 and end - start > 1:
            target = labels / labels.sum()
            losses.append(-(target * torch.log_softmax(logits[start:end], dim=0)).sum())
        start = end
    return torch.stack(losses).mean() if losses else logits.sum() * 0.0


def train_cross_encoder(
    pairs: Sequence[Pair],
    base: Path,
    out_dir: Path,
    config: TrainConfig,
    resume: bool = True,
    progress: bool = True,
) -> CrossEncoder:
    """Train and return the CrossEncoder; checkpoints go to out_dir/checkpoint.pt."""
    from transformers import get_linear_schedule_with_warmup

    seed_everything(config.seed)
    model = new_cross_encoder(base, config.max_length, config.num_layers)
    net, tokenizer = network(model), model.tokenizer
    schedule = _schedule(pairs, config)
    total = len(schedule)
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=0.01)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(total * config.warmup_ratio), total)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = out_dir / CHECKPOINT
    step = 0
    if resume and ckpt_path.exists():
        state = torch.load(ckpt_path, weights_only=False)
        if state.get("config") == asdict(config) and state.get("n_pairs") == len(pairs):
            net.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            torch.set_rng_state(state["torch_rng"])
            step = int(state["step"])
            log.info("resuming from step %d of %d", step, total)
        else:
            log.warning("checkpoint in %s is for other data or settings; starting over", out_dir)
    net.train()
    bar = tqdm(total=total, initial=step, desc="train", unit="batch", disable=not progress)
    started = time.perf_counter()
    running = 0.0
    while step < total:
        batch = [pairs[i] for i in schedule[step]]
        features = tokenizer(
            [p.first for p in batch],
            [p.second for p in batch],
            padding=True,
            truncation="longest_first",
            max_length=config.max_length,
            return_tensors="pt",
        )
        labels = torch.tensor([p.label for p in batch], dtype=torch.float32)
        logits = net(**features).logits.view(-1)
        loss = _listwise_loss(logits, batch) if config.loss == "listwise" else loss_fn(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        step += 1
        value = loss.item()
        running = 0.98 * running + 0.02 * value if step > 1 else value
        bar.update(1)
        bar.set_postfix(loss=f"{running:.3f}")
        if step % config.checkpoint_every == 0 or step == total:
            torch.save(
                {
                    "model": net.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "torch_rng": torch.get_rng_state(),
                    "step": step,
                    "config": asdict(config),
                    "n_pairs": len(pairs),
                },
                ckpt_path,
            )
    bar.close()
    net.eval()
    log.info("trained %d steps in %.0fs", total, time.perf_counter() - started)
    return model
