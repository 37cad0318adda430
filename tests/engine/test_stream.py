"""The engine's typed event stream: passages first, then each accepted sentence, then the answer."""

from __future__ import annotations

from medcite.core.types import AnswerEvent, RetrievedEvent, SentenceEvent
from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION


def test_events_come_in_order_and_match_the_final_answer(starter_engine: Engine) -> None:
    events = list(starter_engine.ask_stream(SEED_QUESTION))
    assert isinstance(events[0], RetrievedEvent) and events[0].hits
    assert isinstance(events[-1], AnswerEvent)
    answer = events[-1].answer
    sentences = [e for e in events if isinstance(e, SentenceEvent)]
    assert [e.index for e in sentences] == list(range(len(answer.sentences)))
    assert [e.sentence for e in sentences] == answer.sentences and sentences
    assert {h.chunk.chunk_id for h in events[0].hits} >= {r.hit.chunk.chunk_id for r in answer.references}
    assert answer.timings_ms["total"] >= answer.timings_ms["retrieve"]


def test_an_abstention_streams_no_sentences(starter_engine: Engine) -> None:
    events = list(starter_engine.ask_stream("How do I replace the timing belt on a 2009 Honda Civic?"))
    assert [type(e) for e in events] == [RetrievedEvent, AnswerEvent]
    assert events[-1].answer.abstained  # type: ignore[union-attr]
