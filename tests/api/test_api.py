"""The HTTP API started for real (uvicorn on 127.0.0.1) over a starter-corpus index."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from medcite.core.settings import Settings
from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION as SEED

ANSWER_KEYS = {"question", "answer", "abstained", "sentences", "references"}
REFERENCE_KEYS = {"n", "doc_id", "chunk_id", "title", "developer", "date", "section", "pages", "text"}


@pytest.fixture(scope="module")
def server(starter_engine: Engine, serve: Callable[..., Any]) -> str:
    return str(serve(starter_engine.index.root).url)


def test_health_reports_the_index(server: str) -> None:
    body = httpx.get(f"{server}/health").json()
    assert body["status"] == "ok" and body["index_ready"] is True
    assert body["n_documents"] == 9 and body["n_chunks"] > 9
    assert body["format_version"] == 1 and body["embedding_model"] == Settings().models.embedding_model


def test_ask_returns_the_schema(server: str) -> None:
    r = httpx.post(f"{server}/ask", json={"question": SEED, "top_k": 5}, timeout=60)
    assert r.status_code == 200
    body = r.json()
    assert body.keys() >= ANSWER_KEYS
    assert body["abstained"] is False
    numbers = {ref["n"] for ref in body["references"]}
    for ref in body["references"]:
        assert ref.keys() >= REFERENCE_KEYS
    for sentence in body["sentences"]:
        assert sentence["citations"] and set(sentence["citations"]) <= numbers
        assert sentence["text"][:40] in body["answer"]
    assert "methadone" in body["answer"]
    assert len(body["retrieved"]) == 5


def test_ask_abstains_over_http(server: str) -> None:
    body = httpx.post(
        f"{server}/ask", json={"question": "Who won the 1998 football world cup?"}, timeout=60
    ).json()
    assert body["abstained"] is True and body["references"] == [] and body["sentences"] == []


@pytest.mark.parametrize(
    ("payload", "raw"),
    [
        ({}, None),
        ({"question": ""}, None),
        ({"question": 42}, None),
        ({"question": "What is the dose?", "top_k": 0}, None),
        ({"question": "What is the dose?", "top_k": "many"}, None),
        (None, b"{not json"),
        (None, b"question=hello"),
    ],
)
def test_malformed_requests_get_422(server: str, payload: dict | None, raw: bytes | None) -> None:
    if raw is not None:
        r = httpx.post(f"{server}/ask", content=raw, headers={"Content-Type": "application/json"})
    else:
        r = httpx.post(f"{server}/ask", json=payload)
    assert r.status_code == 422
    assert "detail" in r.json()


def test_search_and_page(server: str) -> None:
    hits = httpx.post(f"{server}/search", json={"query": "naloxone overdose risk", "k": 3}).json()
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert hits[0]["doc_id"] == "opioid-prescribing"
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and "<form" in page.text


def _sse_events(text: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream body."""
    events: list[tuple[str, dict]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), "")
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        if name and data:
            events.append((name, json.loads(data)))
    return events


def test_ask_streams_retrieved_sentences_then_the_answer(server: str) -> None:
    with httpx.stream("POST", f"{server}/ask", json={"question": SEED, "stream": True}, timeout=60) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        body = r.read().decode()
    events = _sse_events(body)
    names = [name for name, _ in events]
    assert names[0] == "retrieved" and names[-1] == "answer"
    assert set(names[1:-1]) == {"sentence"}
    answer = events[-1][1]
    streamed = [data["sentence"]["text"] for name, data in events if name == "sentence"]
    assert streamed == [s["text"] for s in answer["sentences"]] and streamed
    assert [h["chunk_id"] for h in events[0][1]["hits"]] == [h["chunk_id"] for h in answer["retrieved"]]


def test_verify_catches_an_unsupported_sentence(server: str) -> None:
    passage = "Methadone is a fourth-line option for treatment-resistant neuropathic pain."
    body = {
        "question": "fourth-line option?",
        "answer": "Methadone is a fourth-line option for treatment-resistant neuropathic pain [1]. "
        "The moon is made of green cheese [1].",
        "references": [{"n": 1, "text": passage}],
    }
    r = httpx.post(f"{server}/verify", json=body, timeout=60)
    assert r.status_code == 200, r.text
    verdicts = {s["text"][:12]: s["supported"] for s in r.json()["sentences"]}
    assert verdicts == {"Methadone is": True, "The moon is ": False}
    assert "cheese" not in r.json()["answer"] and "Methadone" in r.json()["answer"]


def test_whitespace_and_overlong_questions_are_422(server: str) -> None:
    blank = httpx.post(f"{server}/ask", json={"question": " \n\t  "})
    assert blank.status_code == 422 and blank.json()["error"] == "invalid_request"
    long = httpx.post(f"{server}/ask", json={"question": "pain " * 1000})
    assert long.status_code == 422 and long.json()["error"] == "question_too_long"


def test_an_oversize_body_is_413_and_a_422_never_echoes_the_input(server: str) -> None:
    huge = b'{"question": "' + b"x" * 2_000_000 + b'"}'
    r = httpx.post(f"{server}/ask", content=huge, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert len(r.content) < 1000
    marker = "ECHO-ME-" * 2000  # 16 KB: under the body limit, over the schema's bound once doubled
    r = httpx.post(f"{server}/ask", json={"question": 12, "top_k": marker})
    assert r.status_code == 422 and "ECHO-ME" not in r.text and len(r.content) < 3000


def test_health_ready_metrics_and_offline_docs(server: str) -> None:
    assert httpx.get(f"{server}/ready").json()["ready"] is True
    httpx.post(f"{server}/search", json={"query": "naloxone", "k": 2})
    metrics = httpx.get(f"{server}/metrics").text
    assert 'http_requests_total{handler="/search",method="POST",status="200"}' in metrics
    assert "http_request_duration_seconds_bucket" in metrics
    assert "medcite_index_documents 9.0" in metrics and 'medcite_ingest_jobs{state="queued"}' in metrics
    docs = httpx.get(f"{server}/docs").text
    assert "cdn." not in docs and "/static/docs/swagger-ui-bundle.js" in docs
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert httpx.get(f"{server}/static/docs/{asset}").status_code == 200
    assert httpx.get(f"{server}/openapi.json").json()["paths"].keys() >= {
        "/ask", "/search", "/verify", "/documents", "/documents/{doc_id}", "/documents/{doc_id}/source",
        "/jobs/{job_id}", "/reindex", "/health", "/ready", "/v1/chat/completions", "/v1/models",
    }


def test_no_cors_unless_configured(server: str) -> None:
    r = httpx.options(
        f"{server}/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in r.headers


def test_writes_are_refused_without_a_configured_key(server: str) -> None:
    r = httpx.post(f"{server}/reindex", headers={"Authorization": "Bearer anything"})
    assert r.status_code == 403 and "MEDCITE_API_KEYS" in r.json()["detail"]


def test_documents_and_their_chunks(server: str) -> None:
    page = httpx.get(f"{server}/documents", params={"limit": 4}).json()
    assert page["total"] == 9 and len(page["documents"]) == 4
    rest = httpx.get(f"{server}/documents", params={"offset": 4, "limit": 50}).json()["documents"]
    ids = [d["doc_id"] for d in page["documents"] + rest]
    assert len(ids) == len(set(ids)) == 9
    detail = httpx.get(f"{server}/documents/neuropathic-pain").json()
    assert detail["chunks"] and all(c["chunk_id"].startswith("neuropathic-pain#") for c in detail["chunks"])
    assert "path" not in detail  # no server file-system paths leave the API
    source = httpx.get(f"{server}/documents/neuropathic-pain/source")
    assert source.status_code == 200 and "methadone" in source.text.lower()
    missing = httpx.get(f"{server}/documents/no-such-doc")
    assert missing.status_code == 404 and missing.json()["error"] == "document_not_found"
