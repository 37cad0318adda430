"""Backends by name through one registry; the engine refuses any generator's uncited answer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from medcite.core.errors import GroundingError, UnknownBackendError
from medcite.core.registry import EMBEDDERS, GENERATORS, JUDGES, RERANKERS, VECTOR_STORES, Registry
from medcite.core.types import Answer, AnswerSentence, Hit, Reference
from medcite.engine import Engine


def test_unknown_names_list_the_known_ones() -> None:
    for registry, known in (
        (EMBEDDERS, "onnx"),
        (GENERATORS, "extractive"),
        (RERANKERS, "cross-encoder"),
        (JUDGES, "cross-encoder"),
        (VECTOR_STORES, "faiss"),
    ):
        with pytest.raises(
            UnknownBackendError, match=f"unknown {registry.kind} 'nope'; available: .*{known}"
        ):
            registry.factory("nope")


def test_dotted_targets_are_imported_only_when_chosen() -> None:
    registry: Registry[object] = Registry("thing", {"lazy": "medcite.no_such_module:Thing"})
    assert registry.names() == ["lazy"]  # listing imports nothing
    with pytest.raises(ModuleNotFoundError):
        registry.factory("lazy")


class _Rogue:
    """A generator that breaks the rules: one uncited sentence and a reference number that does not exist."""

    name = "rogue"

    def __init__(self, *_: object) -> None:
        pass

    def answer(self, question: str, hits: Sequence[Hit]) -> Answer:
        return Answer(
            question=question,
            sentences=[AnswerSentence("Double the dose.", ()), AnswerSentence("Also this.", (9,))],
            references=[Reference(1, hits[0])],
            abstained=False,
            generator=self.name,
        )


def test_settings_choose_the_generator_and_the_engine_refuses_its_broken_answer(
    starter_engine: Engine, tmp_path: Path
) -> None:
    GENERATORS.register("rogue", _Rogue)
    try:
        engine = Engine(starter_engine.settings.updated(generator="rogue"), embedder=starter_engine.embedder)
        assert isinstance(engine.generator, _Rogue)
        with pytest.raises(GroundingError, match=r"uncited.*unknown_reference"):
            engine.ask("When should naloxone be offered?")
        bad = Engine(
            starter_engine.settings.updated(generator="gpt-imaginary"), embedder=starter_engine.embedder
        )
        with pytest.raises(UnknownBackendError, match=r"available: .*extractive"):
            bad.ask("When should naloxone be offered?")
    finally:
        GENERATORS._targets.pop("rogue", None)
