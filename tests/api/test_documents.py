"""Documents over HTTP with a real server: keyed uploads run as queued jobs in worker
processes, stored under derived names, swapped in without a restart while readers go on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

KEY = "key-b"
AUTH = {"Authorization": f"Bearer {KEY}"}
ZORB = (
    "# Zorbical fever in adults\n\n## Treatment\n\n"
    "Zorbical fever is treated first line with quintomab 5 mg daily for ten days in adults. "
    "Second-line treatment of zorbical fever is plemavir when quintomab is not tolerated.\n"
)


@pytest.fixture(scope="module")
def server(writable_index: Path, serve: Callable[..., Any]) -> Any:
    return serve(writable_index, MEDCITE_API_KEYS=f"key-a,{KEY}", MEDCITE_MAX_UPLOAD_MB="1")


def _upload(
    url: str, name: str, content: bytes, headers: dict[str, str] | None = AUTH, **fields: str
) -> httpx.Response:
    return httpx.post(
        f"{url}/documents", files={"file": (name, content)}, data=fields, headers=headers, timeout=30
    )


def test_writes_need_a_valid_key(server: Any) -> None:
    for headers in (None, {"Authorization": "Bearer wrong"}, {"X-API-Key": "key-"}):
        r = _upload(server.url, "a.md", ZORB.encode(), headers=headers)
        assert r.status_code == 401 and "MEDCITE_API_KEYS" in r.json()["detail"]
    assert httpx.delete(f"{server.url}/documents/neuropathic-pain").status_code == 401


def test_an_upload_becomes_answerable(server: Any, wait_job: Callable[..., dict]) -> None:
    r = _upload(
        server.url, "zorbical.md", ZORB.encode(), headers={"X-API-Key": "key-a"}, title="Zorbical fever"
    )
    assert r.status_code == 202 and r.json()["state"] == "queued" and r.json()["doc_ids"] == ["zorbical"]
    job = wait_job(server.url, r.json()["job_id"])
    assert job["state"] == "succeeded" and job["report"]["added"] == ["zorbical"], job
    answer = httpx.post(
        f"{server.url}/ask",
        json={"question": "What is the first-line treatment of zorbical fever?"},
        timeout=60,
    ).json()
    assert not answer["abstained"] and "quintomab" in answer["answer"]
    assert answer["references"][0]["title"] == "Zorbical fever"
    listed = httpx.get(f"{server.url}/documents", params={"limit": 100}).json()
    assert listed["total"] == 10 and "zorbical" in {d["doc_id"] for d in listed["documents"]}
    source = httpx.get(f"{server.url}/documents/zorbical/source")
    assert source.status_code == 200 and source.text == ZORB


def test_client_file_names_never_become_paths(server: Any, wait_job: Callable[..., dict]) -> None:
    hostile = _upload(server.url, "../../../../tmp/evil-zorb.md", ZORB.replace("ten", "twelve").encode())
    unicode = _upload(server.url, "Leitlinie für Ödeme 2024.md", ZORB.replace("ten", "nine").encode())
    assert hostile.json()["doc_ids"] == ["evil-zorb"]
    assert unicode.json()["doc_ids"] == ["leitlinie-fur-odeme-2024"]
    for r in (hostile, unicode):
        assert wait_job(server.url, r.json()["job_id"])["state"] == "succeeded"
    stored = [p for p in (server.index / "sources").rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to((server.index / "sources").resolve()) for p in stored)
    assert not Path("/tmp/evil-zorb.md").exists()
    names = {p.name for p in stored}
    assert {"evil-zorb.md", "leitlinie-fur-odeme-2024.md"} <= names


@pytest.mark.parametrize(
    ("name", "content", "status", "error"),
    [
        ("tool.exe", b"MZ\x90\x00", 415, "unsupported_media_type"),
        ("notes", b"plain", 415, "unsupported_media_type"),
        ("empty.md", b"", 422, "empty_file"),
        ("big.txt", b"a" * 1_200_000, 413, "too_large"),
    ],
)
def test_bad_uploads_are_refused_clearly(
    server: Any, name: str, content: bytes, status: int, error: str
) -> None:
    r = _upload(server.url, name, content)
    assert r.status_code == status and r.json()["error"] == error, r.text


def test_an_upload_that_is_not_multipart_is_422(server: Any) -> None:
    r = httpx.post(f"{server.url}/documents", json={"file": "x"}, headers=AUTH)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_two_uploads_at_once_are_queued_and_readers_never_fail(
    server: Any, wait_job: Callable[..., dict]
) -> None:
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def read() -> None:
        nonlocal answered
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                r = client.post(f"{server.url}/search", json={"query": "naloxone overdose", "k": 3})
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                answered += 1

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    before = httpx.get(f"{server.url}/ready").json()["generation"]
    bodies = [ZORB.replace("Zorbical", name) for name in ("Quellan", "Varnish")]
    results: list[httpx.Response] = []
    uploaders = [
        threading.Thread(target=lambda b=b, n=n: results.append(_upload(server.url, f"{n}.md", b.encode())))
        for n, b in zip(("quellan", "varnish"), bodies, strict=True)
    ]
    for t in uploaders:
        t.start()
    for t in uploaders:
        t.join()
    jobs = [wait_job(server.url, r.json()["job_id"]) for r in results]
    stop.set()
    for t in readers:
        t.join()
    assert all(j["state"] == "succeeded" for j in jobs), jobs
    first, second = sorted(jobs, key=lambda j: j["started_at"])
    assert second["started_at"] >= first["finished_at"]  # one at a time, not together
    assert failures == [] and answered > 0
    after = httpx.get(f"{server.url}/ready").json()
    assert after["generation"] != before  # swapped in without a restart
    ids = [
        d["doc_id"] for d in httpx.get(f"{server.url}/documents", params={"limit": 500}).json()["documents"]
    ]
    assert {"quellan", "varnish"} <= set(ids) and len(ids) == len(set(ids))


def test_delete_and_reindex(server: Any, wait_job: Callable[..., dict]) -> None:
    assert httpx.delete(f"{server.url}/documents/no-such-doc", headers=AUTH).status_code == 404
    r = httpx.delete(f"{server.url}/documents/varnish", headers=AUTH)
    assert r.status_code == 202 and wait_job(server.url, r.json()["job_id"])["state"] == "succeeded"
    assert httpx.get(f"{server.url}/documents/varnish").status_code == 404
    r = httpx.post(f"{server.url}/reindex", headers=AUTH)
    job = wait_job(server.url, r.json()["job_id"])
    assert job["state"] == "succeeded" and job["report"]["failed"] == [], job
    assert job["report"]["added"] == [] and len(job["report"]["unchanged"]) >= 9
    assert httpx.get(f"{server.url}/jobs", params={"limit": 3}).json()[0]["kind"] == "reindex"
