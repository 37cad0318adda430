"""Sentence splitting (pysbd, rule-based, no model download)."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import pysbd

_lock = threading.Lock()
_LIST_MARKER = re.compile(r"^(?:[-•▪◦●*]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


def without_list_marker(sentence: str) -> str:
    """The sentence without a leading list marker ("- ", "•", "1.", "(a)"): a list item quoted
    as a claim, or compared with one, is the same sentence as its text."""
    return _LIST_MARKER.sub("", sentence.strip()).strip()


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, line breaks treated as hard boundaries (list items, table rows).

    Cached: the judge splits the same cited passage for its windows, for the negation rule
    and again for every answer sentence that cites it.
    """
    return list(_split_cached(text))


@lru_cache(maxsize=4096)
def _split_cached(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        with _lock:  # pysbd keeps per-call state on the segmenter
            parts = _segmenter().segment(line)
        out.extend(p.strip() for p in parts if p.strip())
    return tuple(out)
