"""The optimised-graph cache: same numbers as a plain load, and never a reason to fail."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from medcite import paths
from medcite.retrieval.onnx_session import GRAPH_FILE, WEIGHTS_FILE, cached_graph_dir, onnx_session

MODEL = paths.model_dir(paths.JUDGE) / "model.onnx"


def _logits(session: object) -> np.ndarray:
    ids = np.random.RandomState(0).randint(1000, 20000, (4, 32)).astype(np.int64)
    feeds = {}
    for spec in session.get_inputs():  # type: ignore[attr-defined]
        feeds[spec.name] = (
            ids
            if spec.name == "input_ids"
            else (np.ones_like(ids) if spec.name == "attention_mask" else np.zeros_like(ids))
        )
    return session.run(None, feeds)[0]  # type: ignore[attr-defined,no-any-return]


@pytest.fixture(scope="module")
def plain() -> np.ndarray:
    return _logits(onnx_session(MODEL, cache=False))


def test_first_load_writes_the_cache_and_later_loads_read_it(tmp_path: Path, plain: np.ndarray) -> None:
    cached = cached_graph_dir(MODEL, tmp_path)
    assert not cached.exists()
    first = _logits(onnx_session(MODEL, root=tmp_path))
    assert sorted(p.name for p in cached.iterdir()) == [GRAPH_FILE, WEIGHTS_FILE]
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]  # no temp folder left behind
    stamp = (cached / GRAPH_FILE).stat().st_mtime_ns
    second = _logits(onnx_session(MODEL, root=tmp_path))
    assert (cached / GRAPH_FILE).stat().st_mtime_ns == stamp  # read, not rewritten
    np.testing.assert_allclose(first, plain, rtol=0, atol=1e-5)
    np.testing.assert_allclose(second, plain, rtol=0, atol=1e-5)


def test_a_corrupt_cached_graph_is_rebuilt(
    tmp_path: Path, plain: np.ndarray, caplog: pytest.LogCaptureFixture
) -> None:
    cached = cached_graph_dir(MODEL, tmp_path)
    cached.mkdir(parents=True)
    (cached / GRAPH_FILE).write_bytes(b"not an onnx graph")
    with caplog.at_level(logging.WARNING):
        logits = _logits(onnx_session(MODEL, root=tmp_path))
    assert "unreadable cached graph" in caplog.text
    np.testing.assert_allclose(logits, plain, rtol=0, atol=1e-5)
    assert (cached / WEIGHTS_FILE).stat().st_size > 1_000_000


def test_an_unwritable_cache_falls_back_to_the_model(tmp_path: Path, plain: np.ndarray) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache root cannot be a folder here")
    np.testing.assert_allclose(_logits(onnx_session(MODEL, root=blocker)), plain, rtol=0, atol=1e-5)


def test_a_changed_model_gets_a_new_key(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(MODEL.read_bytes())
    before = cached_graph_dir(model, tmp_path)
    os.utime(model, ns=(1, 1))
    assert cached_graph_dir(model, tmp_path) != before
