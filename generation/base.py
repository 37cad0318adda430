"""The generator protocol: question + retrieved passages -> a cited Answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from medcite.types import Answer, Hit


class Generator(Protocol):
    """Drafts an answer only from `hits`; must cite every sentence or abstain."""

    name: str

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer: ...
