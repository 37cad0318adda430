"""Generate (premise, claim, label, kind) pairs for the citation-support judge.

For a sentence of a real passage, the premise is a window of up to two sentences either
side, and the claim is the sentence after one perturbation from `perturb`. Kinds are
balanced: half supported, half unsupported, round-robin within each half.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from medcite.generation.sentences import split_sentences
from medcite.retrieval.vocabulary import ENTITY_CLASSES
from medcite.training.perturb import (
    PERTURBATIONS,
    SUPPORTED_KINDS,
    UNSUPPORTED_KINDS,
    Context,
    surface_rewrite,
)
from medcite.training.sources import Passage

# Premise = the claim's sentence with one neighbour either side (up to three sentences).
# Wider windows get cut by the model's max_length, and a premise truncated before its claim
# sentence is a mislabelled pair.
WINDOW = 1
# The shipped judge's recipe (v1). The v2 recipe added passive voice, paraphrase chains and
# role swaps, and gave 35% of unsupported claims a meaning-keeping rewrite; trained the same
# way it ranked the hand-written pairs worse (AUC 0.80 against 0.89 on judge-pairs, 0.74
# against 0.82 on judge-pairs-heldout), so it stays available but is not the default.
PARAPHRASE_KINDS = ("passive", "paraphrase_chain", "subject_front")  # added after v1
V1_SUPPORTED = tuple(k for k in SUPPORTED_KINDS if k not in PARAPHRASE_KINDS)
V1_UNSUPPORTED = tuple(k for k in UNSUPPORTED_KINDS if k != "entity_role_swap")
V2_REWRITE_UNSUPPORTED = 0.35
# v3: v1 plus the paraphrase kinds that keep every word's role (passive voice, population as
# subject, chains of rewrites); no role swaps and no rewritten unsupported claims. Measured
# against v1 (eval/README.md, "Citation judge"): no better on the hand-written pairs, so the
# shipped judge keeps v1.
V3_SUPPORTED = (*V1_SUPPORTED, *PARAPHRASE_KINDS)
V3_UNSUPPORTED = V1_UNSUPPORTED


@dataclass(frozen=True, slots=True)
class JudgePair:
    premise: str
    hypothesis: str
    label: str  # "supported" | "unsupported"
    kind: str
    source: str
    group: str

    @property
    def y(self) -> float:
        return 1.0 if self.label == "supported" else 0.0


def _claims(text: str) -> list[str]:
    out = []
    for s in split_sentences(text):
        s = re.sub(r"^(?:[-•*]|\d+\.)\s+", "", s).strip()
        if 6 <= len(s.split()) <= 50 and re.search(r"[a-z]{3}", s) and s[0].isupper():
            out.append(s)
    return out


def build_pairs(
    passages: Iterable[Passage],
    n_pairs: int,
    seed: int = 13,
    tries: int = 30,
    supported_kinds: Sequence[str] = SUPPORTED_KINDS,
    unsupported_kinds: Sequence[str] = UNSUPPORTED_KINDS,
    rewrite_unsupported: float = 0.0,
) -> list[JudgePair]:
    """Kinds in strict rotation (supported and unsupported alternate), so every kind gets
    an equal share; for each kind, random sentences are tried until its generator applies.
    `rewrite_unsupported`: share of unsupported claims that also get a meaning-keeping rewrite."""
    rng = random.Random(seed)
    items = [(p, _claims(p.text)) for p in passages]
    items = [(p, c) for p, c in items if c]
    all_claims = [(p.group, c) for p, cs in items for c in cs]
    cursor = {True: 0, False: 0}
    count = {True: 0, False: 0}
    pairs: list[JudgePair] = []
    turns = 0
    while len(pairs) < n_pairs and turns < n_pairs * 4:
        turns += 1
        supported = count[True] <= count[False]
        kinds = supported_kinds if supported else unsupported_kinds
        kind = kinds[cursor[supported] % len(kinds)]
        cursor[supported] += 1
        for _ in range(tries):
            passage, claims = rng.choice(items)
            i = rng.randrange(len(claims))
            window = claims[max(0, i - WINDOW) : i + WINDOW + 1]
            premise = " ".join(window)
            foreign = [c for g, c in (rng.choice(all_claims) for _ in range(8)) if g != passage.group]
            terms = {cls: [t for t in vocab if rng.random() < 0.5] for cls, vocab in ENTITY_CLASSES.items()}
            ctx = Context(premise=premise, neighbours=window, foreign=foreign, extra_terms=terms)
            claim = PERTURBATIONS[kind].rewrite(claims[i], rng, ctx)
            if claim is None or (not supported and claim in premise):
                continue
            if (
                rewrite_unsupported
                and not supported
                and kind != "other_sentence"
                and rng.random() < rewrite_unsupported
            ):
                claim = surface_rewrite(claim, rng, ctx) or claim
            label = "supported" if supported else "unsupported"
            pairs.append(JudgePair(premise, claim, label, kind, passage.source, passage.group))
            count[supported] += 1
            break
    return pairs


def split_by_group(
    pairs: Sequence[JudgePair], held_out: float, seed: int = 13
) -> tuple[list[JudgePair], list[JudgePair]]:
    """Train / held-out split with no source document on both sides."""
    groups = sorted({p.group for p in pairs})
    random.Random(seed).shuffle(groups)
    cut = set(groups[: max(1, int(len(groups) * held_out))])
    return [p for p in pairs if p.group not in cut], [p for p in pairs if p.group in cut]
