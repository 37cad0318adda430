"""GET /metrics (Prometheus text): per-route request counts and latencies from
prometheus-fastapi-instrumentator, plus what the index holds and the job queue's states,
read at scrape time by a prometheus-client collector.

Each app gets its own registry (tests start several apps in one process). With several
uvicorn workers each process reports its own request counts; the index and job figures are
the same in all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

from medcite.api.jobs import JobStore
from medcite.core.errors import MedciteError
from medcite.engine import Engine

log = logging.getLogger(__name__)


class IndexAndJobsCollector(Collector):
    def __init__(self, engine: Engine, jobs: JobStore) -> None:
        self.engine = engine
        self.jobs = jobs

    def collect(self) -> Iterator[GaugeMetricFamily]:
        documents = GaugeMetricFamily("medcite_index_documents", "Documents in the live index generation")
        chunks = GaugeMetricFamily("medcite_index_chunks", "Chunks (citable passages) in the live index")
        try:
            info = self.engine.info()
            documents.add_metric([], info.n_documents)
            chunks.add_metric([], info.n_chunks)
        except MedciteError:
            documents.add_metric([], 0)
            chunks.add_metric([], 0)
        yield documents
        yield chunks
        states = GaugeMetricFamily("medcite_ingest_jobs", "Index-writing jobs by state", labels=["state"])
        for state, n in self.jobs.counts().items():
            states.add_metric([state], n)
        yield states


def install_metrics(app: FastAPI, engine: Engine, jobs: JobStore, registry: CollectorRegistry) -> None:
    registry.register(IndexAndJobsCollector(engine, jobs))
    Instrumentator(
        registry=registry,
        should_group_status_codes=False,
        excluded_handlers=["/metrics"],
    ).instrument(app).expose(app, endpoint="/metrics", include_in_schema=False)
