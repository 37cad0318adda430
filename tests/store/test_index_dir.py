"""Incremental ingest, removal, duplicates, and atomic writes on a real SQLite + FAISS index."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from medcite.core.errors import IndexFormatError, IndexLockedError, IndexNotFoundError
from medcite.core.settings import DuplicatePolicy
from medcite.engine import Engine
from medcite.store.index_dir import IndexDirectory

DOC_A = (
    "---\ntitle: Alpha guideline\ndeveloper: Test Society\nreleased: 2019\n---\n# Alpha\n\n"
    "## Dosing\n\nMetformin is started at 500 mg once daily with meals.\n"
)
DOC_B = "# Beta\n\n## Screening\n\nScreen adults aged 45 to 75 years for colorectal cancer.\n"


@pytest.fixture()
def engine(tmp_path: Path, embedder, make_engine) -> Engine:  # type: ignore[no-untyped-def]
    return make_engine(tmp_path / "index", embedder)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_reingest_is_idempotent_change_replaces_remove_deletes(tmp_path: Path, engine: Engine) -> None:
    docs = tmp_path / "docs"
    a = _write(docs, "alpha.md", DOC_A)
    _write(docs, "beta.md", DOC_B)
    first = engine.ingest([docs], progress=False)
    assert sorted(first.added) == ["alpha", "beta"] and first.ok
    generation = engine.info().generation
    n_chunks = engine.info().n_chunks

    again = engine.ingest([docs], progress=False)
    assert sorted(again.unchanged) == ["alpha", "beta"] and not again.added
    assert engine.info().generation == generation  # a no-op writes nothing
    assert engine.info().n_chunks == n_chunks

    a.write_text(DOC_A.replace("500 mg once daily", "850 mg twice daily"))
    changed = engine.ingest([docs], progress=False)
    assert changed.updated == ["alpha"] and changed.unchanged == ["beta"]
    assert engine.info().n_chunks == n_chunks
    alpha_text = " ".join(c.text for c in engine.snapshot().store.chunks_of("alpha"))
    assert "850 mg" in alpha_text and "500 mg" not in alpha_text
    hits = engine.search("metformin starting dose", k=3)
    assert hits[0].document.doc_id == "alpha" and "850 mg" in hits[0].chunk.text
    assert len(engine.snapshot().vectors) == engine.info().n_chunks

    assert engine.remove(["alpha", "nope"]) == ["nope"]
    assert [d.doc_id for d in engine.documents()] == ["beta"]
    assert all(h.document.doc_id == "beta" for h in engine.search("metformin", k=5))
    assert len(engine.snapshot().vectors) == engine.info().n_chunks


def test_duplicate_content_policies(tmp_path: Path, engine: Engine) -> None:
    _write(tmp_path / "one", "alpha.md", DOC_A)
    copy = _write(tmp_path / "two", "alpha-copy.md", DOC_A)
    engine.ingest([tmp_path / "one"], progress=False)

    skipped = engine.ingest([copy], progress=False)
    assert skipped.duplicates == [(str(copy), "alpha")] and not skipped.added
    failed = engine.ingest([copy], policy=DuplicatePolicy.fail, progress=False)
    assert failed.failed[0].error == "DuplicateDocumentError"
    forced = engine.ingest([copy], policy=DuplicatePolicy.overwrite, progress=False)
    assert forced.added == ["alpha-copy"]


def test_same_id_twice_in_one_batch_fails_the_second(tmp_path: Path, engine: Engine) -> None:
    _write(tmp_path / "x", "note.md", DOC_A)
    _write(tmp_path / "y", "note.md", DOC_B)
    report = engine.ingest([tmp_path / "x", tmp_path / "y"], progress=False)
    assert report.added == ["note"]
    assert report.failed[0].error == "DuplicateDocumentError" and "manifest.json" in report.failed[0].message


def test_manifest_supplies_metadata_and_ids(tmp_path: Path, engine: Engine) -> None:
    docs = tmp_path / "docs"
    _write(docs, "b.md", DOC_B)
    (docs / "manifest.json").write_text(
        json.dumps(
            [
                {
                    "file": "b.md",
                    "id": "uspstf-crc",
                    "title": "CRC screening",
                    "developer": "USPSTF",
                    "released": "2016 (revised 2021 May)",
                    "source": "JAMA 2021",
                    "copyright": "public",
                    "topic": "crc",
                }
            ]
        )
    )
    engine.ingest([docs], progress=False)
    (doc,) = engine.documents()
    assert (doc.doc_id, doc.title, doc.developer, doc.year) == ("uspstf-crc", "CRC screening", "USPSTF", 2021)
    assert doc.extra["topic"] == "crc"


def test_a_manifest_field_added_later_reaches_the_index(tmp_path: Path, engine: Engine) -> None:
    """An unchanged file whose manifest entry gains a field (e.g. `supersedes`, which version
    preference relies on) is re-indexed, not skipped as unchanged."""
    docs = tmp_path / "docs"
    _write(docs, "b.md", DOC_B)
    entry = {"file": "b.md", "id": "crc-2021", "title": "CRC screening"}
    (docs / "manifest.json").write_text(json.dumps([entry]))
    engine.ingest([docs], progress=False)
    (docs / "manifest.json").write_text(json.dumps([{**entry, "supersedes": "crc-2016"}]))
    report = engine.ingest([docs], progress=False)
    assert report.updated == ["crc-2021"] and not report.unchanged
    assert engine.documents()[0].extra["supersedes"] == "crc-2016"
    assert engine.ingest([docs], progress=False).unchanged == ["crc-2021"]  # and now it is unchanged


def test_bad_files_fail_alone_and_batch_goes_on(tmp_path: Path, engine: Engine) -> None:
    docs = tmp_path / "docs"
    _write(docs, "good.md", DOC_A)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "latin1.txt").write_bytes("d\xe9j\xe0 vu".encode("latin-1"))
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7 this is not really a pdf")
    (docs / "image.png").write_bytes(b"\x89PNG\r\n")
    report = engine.ingest([docs], progress=False)
    assert report.added == ["good"]
    errors = {Path(f.path).name: f.error for f in report.failed}
    assert errors == {
        "empty.txt": "EmptyDocumentError",
        "latin1.txt": "TextDecodingError",
        "broken.pdf": "CorruptDocumentError",
        "image.png": "UnsupportedFormatError",
    }


def test_missing_index_and_wrong_version_are_clear(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(IndexNotFoundError, match="medcite ingest"):
        engine.search("anything")
    _write(tmp_path / "d", "a.md", DOC_A)
    engine.ingest([tmp_path / "d"], progress=False)
    info_file = engine.index.current() / "index.json"
    data = json.loads(info_file.read_text())
    info_file.write_text(json.dumps({**data, "format_version": 999}))
    with pytest.raises(IndexFormatError, match="format version 999"):
        IndexDirectory(engine.index.root).open()


def test_a_second_writer_is_refused(tmp_path: Path, engine: Engine) -> None:
    index = IndexDirectory(tmp_path / "index")
    with index.write("m", 384), pytest.raises(IndexLockedError), index.write("m", 384):
        pass


def test_exception_mid_write_keeps_previous_generation(tmp_path: Path, engine: Engine) -> None:
    _write(tmp_path / "d", "a.md", DOC_A)
    engine.ingest([tmp_path / "d"], progress=False)
    before = engine.info()
    with pytest.raises(RuntimeError), engine.index.write(before.embedding_model, before.dim) as writer:
        writer.store.delete_document("a")
        writer.changed = True
        raise RuntimeError("simulated failure")
    assert engine.info() == before
    assert not list(engine.index.root.glob(".tmp-*"))
    assert engine.search("metformin", k=1)[0].document.doc_id == "a"


def test_killed_ingest_leaves_previous_index_usable(
    tmp_path: Path, engine: Engine, starter_corpus: Path, make_engine
) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL a real `medcite ingest` mid-write; the old index must still answer."""
    engine.ingest([starter_corpus], progress=False)
    before = engine.info()
    big = tmp_path / "big"
    for i in range(30):  # enough chunks to be embedding for several seconds
        _write(
            big,
            f"doc{i}.md",
            f"# Doc {i}\n\n"
            + "\n\n".join(
                f"Paragraph {j} of document {i} discusses dosing schedule {j} for condition {i}."
                for j in range(60)
            ),
        )
    env = {**os.environ, "MEDCITE_INDEX": str(engine.index.root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "medcite.cli", "ingest", str(big), "--no-progress"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    tmp_store = None
    while time.monotonic() < deadline and proc.poll() is None:
        tmp_dirs = list(engine.index.root.glob(".tmp-gen-*"))
        if tmp_dirs and (tmp_dirs[0] / "store.sqlite").exists():
            tmp_store = tmp_dirs[0]
            time.sleep(1.0)  # let it get well into embedding and writing
            break
        time.sleep(0.05)
    assert tmp_store is not None and proc.poll() is None, "ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    after = IndexDirectory(engine.index.root)
    assert after.info() == before  # CURRENT still names the old, complete generation
    fresh = make_engine(engine.index.root, engine.embedder)
    assert fresh.ask("What blood pressure target does the ACC/AHA guideline set?").references
    # the next write cleans up the abandoned temporary generation and succeeds
    report = fresh.ingest([big / "doc0.md"], progress=False)
    assert report.added == ["doc0"]
    assert not list(engine.index.root.glob(".tmp-*"))


def test_vector_index_stores_float16_and_still_removes_by_id(tmp_path: Path) -> None:
    import faiss
    import numpy as np

    from medcite.store.vector_index import VectorIndex

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex.empty(384)
    index.add(list(range(100, 150)), vectors)
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    inner = faiss.downcast_index(faiss.downcast_index(loaded.index).index)
    assert isinstance(inner, faiss.IndexScalarQuantizer)
    assert np.abs(loaded.index.reconstruct(107) - vectors[7]).max() < 1e-3
    assert loaded.search(vectors[7], 3)[0][0] == 107
    assert loaded.remove([107]) == 1 and len(loaded) == 49
    assert all(i != 107 for i, _ in loaded.search(vectors[7], 5))
