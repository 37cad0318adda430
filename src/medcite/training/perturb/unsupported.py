"""Claim changes the premise does not support (label: unsupported)."""

from __future__ import annotations

import random
import re

from medcite.retrieval.vocabulary import ENTITY_CLASSES, canonical_entity
from medcite.training.perturb.base import (
    _NUMBER,
    Context,
    _lower_first,
    _strip_end,
    _word_re,
    perturbation,
)


# --- unsupported -----------------------------------------------------------------------
def _other_number(value: str, rng: random.Random, premise: str) -> str | None:
    is_float = "." in value
    x = float(value)
    if is_float:
        pool = [x * 2, x + 0.5, max(x - 0.5, 0.1), x * 3]
    else:
        n = int(x)
        if 1900 <= n <= 2100:
            pool = [float(n + d) for d in (-6, -4, -2, 2, 4)]
        else:
            pool = [float(v) for v in {n * 2, n + 1, n + 5, n * 3, max(n // 2, 1), n + 10} if v != n]
    rng.shuffle(pool)
    for v in pool:
        text = f"{v:g}" if is_float else str(int(v))
        if text != value and not re.search(rf"(?<![\d.]){re.escape(text)}(?![\d])", premise):
            return text
    return None


@perturbation("number_change", supported=False)
def number_change(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """A dose, interval, age, threshold, percentage or year changed to a value not in the premise."""
    matches = [m for m in _NUMBER.finditer(sentence) if sentence[max(0, m.start() - 1)] != "("]
    if not matches:
        return None
    m = rng.choice(matches)
    new = _other_number(m.group(1), rng, ctx.premise)
    if new is None:
        return None
    return sentence[: m.start(1)] + new + sentence[m.end(1) :]


_NEGATION_REMOVALS = [
    (r"\brecommends against\b", "recommends"),
    (r"\bis not recommended\b", "is recommended"),
    (r"\bare not recommended\b", "are recommended"),
    (r"\bshould not\b", "should"),
    (r"\bdoes not\b", "does"),
    (r"\bdo not\b", "do"),
    (r"\bis not\b", "is"),
    (r"\bare not\b", "are"),
    (r"\bcannot\b", "can"),
    (r"\bwas not\b", "was"),
    (r"\bwere not\b", "were"),
    (r"\bnot\s", ""),
]
_NEGATION_INSERTIONS = [
    (r"\brecommends\b", "recommends against"),
    (r"\bis recommended\b", "is not recommended"),
    (r"\bare recommended\b", "are not recommended"),
    (r"\bshould\b", "should not"),
    (r"\bis\b", "is not"),
    (r"\bare\b", "are not"),
    (r"\bcan\b", "cannot"),
    (r"\bmay\b", "may not"),
    (r"\bwas\b", "was not"),
    (r"\bwere\b", "were not"),
    (r"\bwill\b", "will not"),
    (r"\bincreases\b", "does not increase"),
    (r"\breduces\b", "does not reduce"),
    (r"\bimproves\b", "does not improve"),
]


@perturbation("negation", supported=False)
def negation(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Remove a negation if there is one, else insert one (recommends <-> recommends against)."""
    for pattern, replacement in _NEGATION_REMOVALS:
        if re.search(pattern, sentence):
            return re.sub(pattern, replacement, sentence, count=1)
    for pattern, replacement in _NEGATION_INSERTIONS:
        if re.search(pattern, sentence):
            return re.sub(pattern, replacement, sentence, count=1)
    return None


@perturbation("entity_swap", supported=False)
def entity_swap(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """A drug, test, condition or population replaced by another of its class absent from the premise."""
    found: list[tuple[str, str]] = []
    for cls, terms in ENTITY_CLASSES.items():
        for term in terms:
            match = _word_re(term).search(sentence)
            if match and (cls != "population" or match.group(0).islower()):  # not "Veterans Affairs"
                found.append((cls, term))
    if not found:
        return None
    cls, term = rng.choice(found)
    pool = list(ctx.extra_terms.get(cls, [])) + list(ENTITY_CLASSES[cls])
    rng.shuffle(pool)
    premise_lower = ctx.premise.lower()
    for other in pool:
        if (
            canonical_entity(other) != canonical_entity(term)  # another name of it is no swap
            and other.lower() not in premise_lower
            and term.lower() not in other.lower()
        ):
            return _word_re(term).sub(other, sentence, count=1)
    return None


def _entities_of(text: str) -> list[tuple[str, str, re.Match[str]]]:
    found = []
    for cls, terms in ENTITY_CLASSES.items():
        for term in terms:
            for match in _word_re(term).finditer(text):
                found.append((cls, term, match))
    # keep the longest of overlapping matches ("pregnant women" over "women")
    found.sort(key=lambda f: (f[2].start(), -(f[2].end() - f[2].start())))
    kept: list[tuple[str, str, re.Match[str]]] = []
    for item in found:
        if not kept or item[2].start() >= kept[-1][2].end():
            kept.append(item)
    return kept


# Two names joined only by a list separator are siblings: swapping them says the same thing.
_LIST_GLUE = re.compile(r"^\s*(?:,|and|or|/|, and|, or)?\s*$")


@perturbation("entity_role_swap", supported=False)
def entity_role_swap(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Two entities of one class trade places ("immediate-release instead of extended-release"
    reversed), or one is replaced by a same-class entity named elsewhere in the premise. Both
    keep every name inside the premise, so only reading the sentence can catch them."""
    found = _entities_of(sentence)
    options: list[str] = []
    for i, (cls, term_a, a) in enumerate(found):
        for cls_b, term_b, b in found[i + 1 :]:
            between = sentence[a.end() : b.start()]
            repeated = any(len(_word_re(t).findall(sentence)) > 1 for t in (term_a, term_b))
            if (
                cls_b == cls
                and term_a.lower() != term_b.lower()
                and not repeated
                and not _LIST_GLUE.match(between)
            ):
                options.append(
                    sentence[: a.start()]
                    + term_b
                    + sentence[a.end() : b.start()]
                    + term_a
                    + sentence[b.end() :]
                )
    in_sentence = {t.lower() for _, t, _ in found}
    elsewhere = [(cls, t) for cls, t, _ in _entities_of(ctx.premise) if t.lower() not in in_sentence]
    for cls, term, match in found:
        for cls_b, other in elsewhere:
            if cls_b == cls and term.lower() not in other.lower() and other.lower() not in term.lower():
                options.append(sentence[: match.start()] + other + sentence[match.end() :])
    options = [o[0].upper() + o[1:] for o in options]
    options = [o for o in options if o != sentence and o not in ctx.premise]
    return rng.choice(options) if options else None


_OVERGENERALISE = [
    (r"\bmay\b", "will"),
    (r"\bmight\b", "will"),
    (r"\bsome\b", "all"),
    (r"\bmost\b", "all"),
    (r"\bselected\b", "all"),
    (r"\boften\b", "always"),
    (r"\busually\b", "always"),
    (r"\bgenerally\b", "always"),
    (r"\bcan be\b", "must be"),
    (r"\bconsider\b", "always use"),
    (r"\bselectively\b", "routinely"),
    (r"\bin some cases\b", "in all cases"),
]
_RESTRICTIONS = [
    r",? aged \d+(?: to \d+)? years(?: or older| and older| or younger)?",
    r",? (?:who|that) (?:have|has|are|is) [^,.;]+(?=[,.;])",
    r" with (?:a |an )?(?:history of |established |confirmed |known )[^,.;]+(?=[,.;])",
    r" at (?:high|increased) risk(?: for| of)? [^,.;]+(?=[,.;])",
]


@perturbation("qualifier_drop", supported=False)
def qualifier_drop(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """A hedge or a restriction dropped so the claim over-generalises (may -> will, aged 50-75 -> all)."""
    options: list[str] = []
    for pattern in _RESTRICTIONS:
        m = re.search(pattern, sentence)
        if m and len(sentence[: m.start()].split()) >= 3:
            options.append(sentence[: m.start()] + sentence[m.end() :])
    for pattern, replacement in _OVERGENERALISE:
        if re.search(pattern, sentence):
            options.append(re.sub(pattern, replacement, sentence, count=1))
    options = [o for o in options if o != sentence]
    return rng.choice(options) if options else None


@perturbation("added_clause", supported=False)
def added_clause(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """The sentence plus a clause taken from another passage."""
    foreign = [
        f for f in ctx.foreign if 5 <= len(f.split()) <= 30 and f.lower()[:40] not in ctx.premise.lower()
    ]
    if not foreign:
        return None
    extra = _strip_end(rng.choice(foreign))
    return f"{_strip_end(sentence)}, and {_lower_first(extra)}."


@perturbation("other_sentence", supported=False)
def other_sentence(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """A sentence from another section or document that the premise does not contain."""
    foreign = [f for f in ctx.foreign if 6 <= len(f.split()) <= 60 and f not in ctx.premise]
    return rng.choice(foreign) if foreign else None
