"""The load of `python -m medcite.eval.bench_service`: locust users asking real questions.

MEDCITE_LOAD_ENDPOINT picks the route (search | ask); MEDCITE_LOAD_QUESTIONS names a file
with one question per line. Each user sends its next request as soon as the last one is
answered (no think time), so the figures are the server's capacity at that concurrency.
"""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path

from locust import HttpUser, constant, task

_ENDPOINT = os.environ.get("MEDCITE_LOAD_ENDPOINT", "search")
_QUESTIONS = [
    line.strip()
    for line in Path(os.environ["MEDCITE_LOAD_QUESTIONS"]).read_text(encoding="utf-8").splitlines()
    if line.strip()
]


class Clinician(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        order = _QUESTIONS[:]
        random.Random(id(self)).shuffle(order)
        self._questions = itertools.cycle(order)

    @task
    def ask(self) -> None:
        question = next(self._questions)
        if _ENDPOINT == "ask":
            body: dict[str, object] = {"question": question}
        else:
            body = {"query": question, "k": 10}
        with self.client.post(f"/{_ENDPOINT}", json=body, name=f"/{_ENDPOINT}", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")
