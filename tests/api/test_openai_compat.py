"""The OpenAI-compatible endpoint with the official `openai` client as the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest

from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION as SEED


@pytest.fixture(scope="module")
def client(starter_engine: Engine, serve: Callable[..., Any]) -> openai.OpenAI:
    server = serve(starter_engine.index.root)
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", timeout=60, max_retries=0)


def test_models_lists_medcite(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["medcite"]


def test_a_completion_is_the_cited_answer_with_citations(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="medcite", messages=[{"role": "user", "content": SEED}])
    content = completion.choices[0].message.content or ""
    assert completion.choices[0].finish_reason == "stop"
    assert content.startswith("**Bottom line:**") and "methadone" in content.lower()
    extra = completion.model_extra or {}
    citations, structured = extra["citations"], extra["medcite"]
    assert len(citations) == len(structured["references"]) >= 1
    assert all("/documents/" in url and "/source" in url for url in citations)
    for ref in structured["references"]:  # every [n] of the message is in the reference list
        assert f"[{ref['n']}]" in content
    assert "**References**" in content and structured["disclaimer"] in content


def test_streaming_joins_to_the_same_message(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model="medcite", messages=[{"role": "user", "content": SEED}])
    stream = client.chat.completions.create(
        model="medcite", messages=[{"role": "user", "content": SEED}], stream=True
    )
    chunks = list(stream)
    pieces = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert len([p for p in pieces if p]) >= 3  # sentence by sentence, not one blob
    assert "".join(pieces) == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["citations"] == (whole.model_extra or {})["citations"]


def test_a_follow_up_is_resolved_with_the_earlier_question(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="medcite",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "How should naloxone be offered to patients on long-term opioids?"},
            {"role": "assistant", "content": "(an earlier answer)"},
            {"role": "user", "content": "And who should get it?"},
        ],
    )
    structured = (completion.model_extra or {})["medcite"]
    assert structured["question"] == "And who should get it?"
    assert structured["abstained"] is False
    assert any(r["doc_id"] == "opioid-prescribing" for r in structured["references"])


def test_an_empty_conversation_is_a_clear_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.chat.completions.create(model="medcite", messages=[{"role": "assistant", "content": "hi"}])
    assert "last user message" in str(caught.value)
