"""Text clean-up shared by the loaders."""

from __future__ import annotations

import html
import re
import unicodedata

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
_HYPHEN_BREAK = re.compile(r"(?<=[a-z])-\s*\n\s*(?=[a-z])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_inline(text: str) -> str:
    """Collapse whitespace to single spaces and normalise Unicode (NFKC): one line of text."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text.replace("\n", " ")).strip()


def dehyphenate(text: str) -> str:
    """Join words split by an end-of-line hyphen ("treat-\\nment" -> "treatment")."""
    return _HYPHEN_BREAK.sub("", text)


def unescape_twice(text: str) -> str:
    """Some archived pages double-escape entities ("&amp;#x27;"); undo both layers."""
    return html.unescape(html.unescape(text))
