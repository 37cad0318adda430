"""Lexical normalisation for BM25: lower-case word tokens, stop words out, Snowball stems.

Ordinals are spelled out ("4th" -> "fourth") so "4th line" matches "fourth-line".
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_WORD = re.compile(r"[a-z0-9]+")
_ORDINALS = {
    "1st": "first",
    "2nd": "second",
    "3rd": "third",
    "4th": "fourth",
    "5th": "fifth",
    "6th": "sixth",
    "7th": "seventh",
    "8th": "eighth",
    "9th": "ninth",
    "10th": "tenth",
}
_STOP = frozenset(STOPWORDS_EN) | {"s", "t", "may", "also", "would", "could", "should", "patient", "patients"}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    words = [_ORDINALS.get(w, w) for w in _WORD.findall(text.lower())]
    return list(_stemmer().stemWords([w for w in words if w not in _STOP]))
