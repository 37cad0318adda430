"""Medical query understanding: what is asked, what was already tried, which synonyms to add.

A clinician's question often lists what failed before the real ask ("a fourth-line option
... after gabapentinoids, SNRIs, tramadol and topical agents?"). Left as is, BM25 rewards
passages about those drugs, i.e. the options the clinician has ruled out. `understand`
splits the question into the *focus* (what is asked) and the *tried* list, and collects
synonyms for the lexical side only: generic names for brand names (Neurontin -> gabapentin),
expansions of abbreviations (COPD -> chronic obstructive pulmonary disease) and abbreviations
for spelled-out forms. The dense side sees the focus (plus the original question, blended
by the retriever) with brand names replaced by generics, never the synonym list, so the
expansion cannot drown the embedding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

from medcite.retrieval.drug_names import drug_generics
from medcite.retrieval.vocabulary import ABBREVIATIONS, BRAND_TO_GENERIC, ENTITY_CLASSES, LAY_SHORTHAND

_NO_ABBREVIATIONS: Mapping[str, str] = {}

# Cues that open a list of things already tried; "after"/"despite" need a list that names therapies.
_FAILED_CUES = (
    r"(?:already|previously)\s+(?:tried|used|taken|received|failed)(?:\s+on)?",
    r"(?:has|have|had)\s+(?:already\s+)?(?:tried|failed|used|taken|received)",
    r"(?:who|that)\s+(?:has\s+|have\s+|had\s+)?failed",
    r"(?:after|despite|following)\s+(?:the\s+)?failure\s+of",
    r"(?:unresponsive\s+to|refractory\s+to|resistant\s+to|intolerant\s+(?:of|to))",
    r"(?:did\s+not|didn't|does\s+not|doesn't|do\s+not)\s+(?:respond|tolerate)(?:\s+to)?",
    r"(?:no\s+response|inadequate\s+response|not\s+responded)\s+to",
    r"other\s+than",
    r"besides",
)
_SOFT_CUES = (r"after(?:\s+(?:trials?\s+of|trying|using))?", r"despite(?:\s+(?:trials?\s+of|using))?")
_CLAUSE_END = (
    r"(?=[?.;:!]|\s+(?:what|which|how|is|are|should|can|could|would|for|in|with|because|due|but|since|"
    r"without|who|that)\b|$)"
)
_FAILED = re.compile(
    rf"\b(?:{'|'.join(_FAILED_CUES)})\s+(?P<list>.+?){_CLAUSE_END}",
    re.IGNORECASE,
)
_SOFT = re.compile(rf"\b(?:{'|'.join(_SOFT_CUES)})\s+(?P<list>.+?){_CLAUSE_END}", re.IGNORECASE)
_THERAPY_WORD = re.compile(
    r"(?:oids?|ines?|ants?|ics?|agents?|drugs?|medications?|therap(?:y|ies)|treatments?|inhibitors?|"
    r"blockers?|NSAIDs?|SNRIs?|SSRIs?|TCAs?|opioids?|patch(?:es)?|creams?)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QueryPlan:
    """A question split into what is asked and what is context, plus lexical synonyms."""

    focus: str
    tried: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()

    @property
    def dense_text(self) -> str:
        """What the embedder sees: the focus, brand names replaced by generic names and lay
        shorthand spelled out ("BP" -> "blood pressure")."""
        return expand_shorthand(replace_brands(self.focus))


def generic_of(word: str) -> str | None:
    """The generic name of a drug name (curated table first, then the drug library)."""
    key = word.lower()
    return BRAND_TO_GENERIC.get(key) or drug_generics().get(key)


@lru_cache(maxsize=1)
def _shorthand() -> re.Pattern[str]:
    forms = sorted(LAY_SHORTHAND, key=len, reverse=True)  # "blood thinners" before "blood thinner"
    return re.compile(
        rf"(?<![A-Za-z0-9])(?:{'|'.join(re.escape(f) for f in forms)})(?![A-Za-z0-9/])", re.IGNORECASE
    )


def expand_shorthand(text: str) -> str:
    return _shorthand().sub(lambda m: LAY_SHORTHAND[m.group(0).lower()], text)


def _items(text: str) -> list[str]:
    parts = re.split(r",|;|\s+(?:and|or|and/or|nor)\s+|/", text)
    return [p.strip(" .") for p in parts if p.strip(" .")]


def _names_therapies(items: list[str]) -> bool:
    """True when a list looks like treatments (known drugs or classes), not times or events."""
    drugs = {d.lower() for d in ENTITY_CLASSES["drug"]}  # brand names: generic_of
    for item in items:
        words = item.lower().split()
        known = any(w in drugs or generic_of(w) for w in words)
        if known or (words and _THERAPY_WORD.search(words[-1])):
            return True
    return False


_SPELLED_OUT = sorted(
    ((long.lower(), short) for short, long in ABBREVIATIONS.items()), key=lambda p: -len(p[0])
)


@cache
def _whole_words(phrase: str) -> re.Pattern[str]:
    """Compiled on first need: compiling all 90 spelled-out forms up front cost 30 ms a query."""
    return re.compile(rf"\b{re.escape(phrase)}\b", re.IGNORECASE)


def replace_brands(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        return generic_of(match.group(0)) or match.group(0)

    return re.sub(r"[A-Za-z][A-Za-z-]+", swap, text)


def synonyms_for(text: str, abbreviations: Mapping[str, str] = _NO_ABBREVIATIONS) -> list[str]:
    """Generic names, abbreviation expansions and abbreviations that `text` implies but lacks.

    `abbreviations` are the ones the index's own guidelines define (short form as written ->
    definition); they win over the curated table. Lay shorthand is spelled out too.
    """
    lowered = text.lower()
    found: list[str] = []
    for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9-]*", text):
        key = word.lower()
        generic = generic_of(word)
        if generic:
            found.append(generic)
        mined = abbreviations.get(word) or abbreviations.get(word.rstrip("s"))
        if mined and len(word) > 1 and word[:2].isupper():
            found.append(mined)
        # Abbreviations only when written as one (upper case: "COPD", "SNRIs"), so "who" stays a word;
        # two-letter ones ("CT", "MI") are too ambiguous to expand.
        elif key in ABBREVIATIONS and len(key) > 2 and word[:3].isupper():
            found.append(ABBREVIATIONS[key])
    found.extend(LAY_SHORTHAND[m.group(0).lower()] for m in _shorthand().finditer(text))
    for long, short in _SPELLED_OUT:  # longest first, so "type 2 diabetes mellitus" comes first
        if len(short) > 2 and long in lowered and _whole_words(long).search(text):
            found.append(short)
    return [s for s in dict.fromkeys(found) if s.lower() not in lowered]


def understand(question: str, abbreviations: Mapping[str, str] = _NO_ABBREVIATIONS) -> QueryPlan:
    """Split the already-tried list off the question and collect lexical synonyms."""
    focus, tried = question, ""
    match = _FAILED.search(question)
    if match is None:
        soft = _SOFT.search(question)
        if soft is not None:
            items = _items(soft.group("list"))
            if len(items) >= 2 and _names_therapies(items):
                match = soft
    if match is not None:
        tried = match.group("list")
        focus = (question[: match.start()] + question[match.end() :]).strip()
        focus = re.sub(r"\s+([?.,;])", r"\1", re.sub(r"\s{2,}", " ", focus))
        if len(focus.split()) < 3:  # the list *is* the question ("what after X fails?"): keep all
            focus, tried = question, ""
    return QueryPlan(
        focus=focus,
        tried=tuple(_items(tried)),
        synonyms=tuple(synonyms_for(focus, abbreviations)),
    )
