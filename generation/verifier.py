"""Citation-support judges: does a passage support a claim?  P(supported) in [0, 1].

`CrossEncoderJudge` runs medcite's own trained judge (models/citation-judge) over sentence
windows of long passages and keeps the best window, then applies three backstop rules for
what a small model gets wrong too often: every number in the claim must occur in the
premise, every drug, test, condition and population it names must be named there too, and
a negation present on one side only caps the score.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from functools import lru_cache
from pathlib import Path

from medcite import paths
from medcite.generation.sentences import split_sentences, without_list_marker
from medcite.retrieval.cross_encoder import load_cross_encoder
from medcite.retrieval.vocabulary import ABBREVIATIONS, BRAND_TO_GENERIC, ENTITY_CLASSES, canonical_entity

log = logging.getLogger(__name__)

WINDOW_SENTENCES = 3
NUMBER_MISMATCH_CAP = 0.05
# A negation on one side only caps the score. It used to multiply it by 0.3, but the judge
# scores a flipped recommendation as high as 0.94, and 0.94 x 0.3 lands on the threshold.
NEGATION_MISMATCH_CAP = 0.1
ENTITY_MISMATCH_CAP = 0.1

_WORD_NUMBERS = {
    "every other year": "2",
    "every year": "1",
    "each year": "1",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "annually": "1",
    "annual": "1",
    "yearly": "1",
    "biennially": "2",
    "biennial": "2",
    "triennially": "3",
    "triennial": "3",
}
# A number is a run of digits not glued to a word: "75" in "aged 50-75" and "10-year" count,
# "1" in "alpha-1" or "α1" and "12th" do not.
_NUM = re.compile(r"(?<![\w.])(?<![^\W\d_]-)\d+(?:[.,]\d+)*(?![\w])")
_WORD_NUMBER = re.compile(rf"(?<![\w-])({'|'.join(_WORD_NUMBERS)})(?![\w-])", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|no|never|cannot|neither|nor|against)\b|n't\b", re.IGNORECASE)


def numbers_in(text: str) -> set[str]:
    found = {m.group(0).replace(",", "") for m in _NUM.finditer(text)}
    found |= {_WORD_NUMBERS[m.group(1).lower()] for m in _WORD_NUMBER.finditer(text)}
    return {n[:-2] if n.endswith(".0") else n for n in found}


_TOKEN = re.compile(r"[a-z0-9]+")


def closest_sentence(premise: str, claim: str) -> str:
    """The premise sentence sharing the most words with the claim (Jaccard overlap)."""
    words = set(_TOKEN.findall(claim.lower()))
    best, best_overlap = premise, -1.0
    for sentence in split_sentences(premise):
        other = set(_TOKEN.findall(sentence.lower()))
        overlap = len(words & other) / (len(words | other) or 1)
        if overlap > best_overlap:
            best, best_overlap = sentence, overlap
    return best


@lru_cache(maxsize=1)
def _entity_patterns() -> list[tuple[re.Pattern[str], str]]:
    """(pattern, canonical name): drugs by generic name, abbreviations by expansion, tests by
    their alias ("ultrasound" -> ultrasonography), and populations by head noun ("pregnant
    women" -> women) so paraphrases are not penalised."""
    patterns: list[tuple[re.Pattern[str], str]] = []

    def word(term: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
        return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", flags)

    for cls, terms in ENTITY_CLASSES.items():
        for term in terms:
            canonical = term.split()[-1].lower() if cls == "population" else term.lower()
            patterns.append((word(term), canonical_entity(canonical)))
    for brand, generic in BRAND_TO_GENERIC.items():
        patterns.append((word(brand), generic.lower()))
    for abbr, full in ABBREVIATIONS.items():
        patterns.append((word(abbr.upper(), 0), full.lower()))
    return patterns


POPULATIONS = frozenset(term.split()[-1].lower() for term in ENTITY_CLASSES["population"])


def entities_in(text: str) -> set[str]:
    """Drugs, tests, conditions and populations named in `text`, as canonical names."""
    text = text.replace("(", " ").replace(")", " ")  # "virus (HIV) infection" names HIV infection
    found = {canonical for pattern, canonical in _entity_patterns() if pattern.search(text)}
    # an expanded abbreviation names the entities inside it too ("HCV" -> hepatitis C)
    for name in list(found):
        found |= {c for p, c in _entity_patterns() if c != name and p.search(name)}
    return found


def missing_entities(premise: str, claim: str) -> set[str]:
    """Entities the claim names and the premise does not.

    A population counts only when the premise names a population of its own: "adults" in a
    claim about a premise that says "persons" or names nobody is a paraphrase, "women" in a
    claim about a premise on "men" is a swap.
    """
    in_claim, in_premise = entities_in(claim), entities_in(premise)
    missing = in_claim - in_premise
    if not in_premise & POPULATIONS:
        missing -= POPULATIONS
    return missing


BACKSTOP_RULES = ("number", "entity", "negation")


def backstop(premise: str, claim: str, score: float, rules: Collection[str] = BACKSTOP_RULES) -> float:
    """Rule checks applied on top of any model score (those named in `rules`).

    Numbers: every number in the claim must occur somewhere in the premise. Entities: every
    drug, test and condition the claim names must be named in the premise (brand or generic,
    abbreviation or expansion), and so must its population when the premise names one.
    Negation: the claim and the premise sentence closest to it must agree on carrying a
    negation cue.
    """
    if "number" in rules and numbers_in(claim) - numbers_in(premise):
        score = min(score, NUMBER_MISMATCH_CAP)
    if "entity" in rules and missing_entities(premise, claim):
        score = min(score, ENTITY_MISMATCH_CAP)
    if "negation" in rules and bool(_NEGATION.search(claim)) != bool(
        _NEGATION.search(closest_sentence(premise, claim))
    ):
        score = min(score, NEGATION_MISMATCH_CAP)
    return score


VERBATIM_SCORE = 0.99


def _sentence_key(sentence: str) -> str:
    text = without_list_marker(sentence).lower()
    return " ".join(text.split()).rstrip(" .;:!?")


def is_verbatim(premise: str, claim: str) -> bool:
    """True when the claim is one or more whole, consecutive sentences of the premise.

    That is entailment by construction (an extractive answer's sentences are), so the judge
    does not get to overrule it: the v2 model, trained mostly on paraphrases, scores some
    verbatim sentences below its threshold. Whole sentences only: a partial quote that drops
    a condition is a substring, not a sentence, and stays with the model.
    """
    claim_keys = [_sentence_key(c) for c in split_sentences(claim)]
    if not claim_keys or not all(claim_keys):
        return False
    keys = [_sentence_key(p) for p in split_sentences(premise)]
    n = len(claim_keys)
    return any(keys[i : i + n] == claim_keys for i in range(len(keys) - n + 1))


def premise_windows(premise: str, size: int = WINDOW_SENTENCES) -> list[str]:
    """Windows of `size` sentences overlapping by one, so every adjacent pair shares a window
    (the whole premise when it is short)."""
    sentences = split_sentences(premise)
    if len(sentences) <= size:
        return [premise]
    step = max(1, size - 1)
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences) - size + step, step)]


class CrossEncoderJudge:
    """The trained citation-support judge (a sentence-transformers CrossEncoder)."""

    def __init__(
        self,
        path: Path | None = None,
        batch_size: int = 32,
        backstop: bool = True,
        rules: Collection[str] | None = None,
        window: int | None = None,
    ) -> None:
        path = path or paths.model_dir(paths.JUDGE)
        self.path = path
        self.model, meta = load_cross_encoder(
            path,
            "citation judge",
            "medcite models train judge (needs ../shared/corpus and ../shared/train)",
            batch_size,
        )
        self.threshold = float(meta.get("threshold", 0.5))  # type: ignore[arg-type]
        # The rules a model ships with (medcite.json "backstop_rules"; older models: all of
        # them); `backstop=False` scores with the model alone, to measure what the rules add.
        shipped = meta.get("backstop_rules", BACKSTOP_RULES)
        chosen = {str(r) for r in (shipped if rules is None else rules)}  # type: ignore[attr-defined]
        unknown = chosen - set(BACKSTOP_RULES)
        if unknown:
            raise ValueError(f"unknown backstop rules {sorted(unknown)}; known: {', '.join(BACKSTOP_RULES)}")
        self.rules = frozenset(chosen) if backstop else frozenset[str]()
        self.window = window or int(str(meta.get("window_sentences", WINDOW_SENTENCES)))
        self.name = f"citation-judge@{meta.get('version', 'dev')}"

    def raw_scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        if not pairs:
            return []
        return [float(x) for x in self.model.probabilities(pairs)]

    def scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Best window per pair, then the backstop rules; whole verbatim sentences are supported."""
        flat: list[tuple[str, str]] = []
        owners: list[int] = []
        for i, (premise, claim) in enumerate(pairs):
            for window in premise_windows(premise, self.window):
                flat.append((window, claim))
                owners.append(i)
        raw = self.raw_scores(flat)
        best = [0.0] * len(pairs)
        for owner, score in zip(owners, raw, strict=True):
            best[owner] = max(best[owner], score)
        if self.rules:
            best = [backstop(premise, claim, best[i], self.rules) for i, (premise, claim) in enumerate(pairs)]
        return [
            max(score, VERBATIM_SCORE) if is_verbatim(premise, claim) else score
            for score, (premise, claim) in zip(best, pairs, strict=True)
        ]
