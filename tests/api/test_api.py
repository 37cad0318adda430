"""The HTTP API started for real (uvicorn on 127.0.0.1) over a starter-corpus index."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from medcite.core.settings import Settings
from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION as SEED

ANSWER_KEYS = {"question", "answer", "abstained", "sentences", "references"}
REFERENCE_KEYS = {"n", "doc_id", "chunk_id", "title", "developer", "date", "section", "pages", "text"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(starter_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "MEDCITE_INDEX": str(starter_engine.index.root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "medcite.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path_factory.mktemp("serve-cwd"),  # as a user would: not from the checkout
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise AssertionError("server did not start within 120 s")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


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
