"""The perturbation registry: each claim generator registers itself with its kind and label.

A perturbation makes one labelled change to a premise sentence (FactCC-style, Kryściński
et al. 2020) and returns None when it does not apply, so the data builder can try another.
The kinds, their labels and their functions are registered together by the `perturbation`
decorator, so no list of kinds can disagree with the functions behind it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# A claim rewrite: (sentence, rng, context) -> claim, or None when it does not apply.
Perturbation = Callable[[str, random.Random, "Context"], "str | None"]


@dataclass
class Context:
    """What a perturbation may look at besides the sentence itself."""

    premise: str
    neighbours: Sequence[str] = ()  # other sentences of the same premise, in order
    foreign: Sequence[str] = ()  # sentences from other passages or documents
    extra_terms: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Registered:
    kind: str
    supported: bool
    rewrite: Perturbation


PERTURBATIONS: dict[str, Registered] = {}


def perturbation(kind: str, supported: bool) -> Callable[[Perturbation], Perturbation]:
    """Register a claim generator under `kind`; `supported` is the label of what it writes."""

    def register(fn: Perturbation) -> Perturbation:
        if kind in PERTURBATIONS:
            raise ValueError(f"perturbation kind {kind!r} is registered twice")
        PERTURBATIONS[kind] = Registered(kind, supported, fn)
        return fn

    return register


def kinds(supported: bool) -> tuple[str, ...]:
    """Registered kinds with this label, in registration order (the data builder's rotation)."""
    return tuple(k for k, r in PERTURBATIONS.items() if r.supported == supported)


# --- helpers shared by the generators ----------------------------------------------------
_NUMBER = re.compile(r"(?<![\w.,/])(\d+(?:\.\d+)?)(?![\w.]*\d)")
_SMALL = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
    15: "fifteen",
    20: "twenty",
}
_SMALL_WORDS = {v: k for k, v in _SMALL.items()}
_UNIT_AFTER = r"(?:years?|months?|weeks?|days?|hours?|times|doses?|drugs?|visits?)"
_INTERVALS = {
    "every year": "annually",
    "every 2 years": "biennially",
    "every 3 years": "triennially",
    "every month": "monthly",
    "every week": "weekly",
    "every day": "daily",
    "once a day": "daily",
}
_LEAD_INS = (
    "The guideline states that ",
    "According to the guideline, ",
    "The guidance notes that ",
    "It is stated that ",
)


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _word_re(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.IGNORECASE)


def _strip_end(sentence: str) -> str:
    return sentence.rstrip().rstrip(".;:").rstrip()
