"""Read the training/evaluation sources in ../shared at run time (never copied into the repo)."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from medcite.core.errors import IngestError
from medcite.ingest.loaders import load_file
from medcite.ingest.loaders.base import ParsedDocument
from medcite.ingest.pipeline import discover

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Passage:
    source: str  # "guideline:<doc id>", "medquad:<id>", "pubmedqa:<pmid>"
    group: str  # document/topic the passage belongs to (for held-out splits and negatives)
    text: str


# judge-pairs*.jsonl in the packaged suites folder (medcite.paths.suites_dir) hold
# citation-judge pairs, the other suites retrieval/answer cases
JUDGE_PAIR_FILES = "judge-pairs*.jsonl"


def readable_guidelines(corpus: Path, exclude: Collection[str] = ()) -> Iterator[tuple[str, ParsedDocument]]:
    """(doc id, parsed document) of every guideline under `corpus` that loads; unreadable ones
    are logged and skipped, ids in `exclude` are not read."""
    for file, _ in discover([corpus]):
        if file.stem in exclude:
            continue
        try:
            parsed = load_file(file)
        except IngestError as exc:
            log.warning("skipped %s", exc)
            continue
        yield file.stem, parsed


def guideline_passages(
    corpus: Path, max_chars: int = 1200, exclude: Collection[str] = ()
) -> Iterator[Passage]:
    """Paragraph-sized passages of every readable guideline (blocks merged up to max_chars),
    leaving out the doc ids in `exclude`."""
    for doc_id, parsed in readable_guidelines(corpus, exclude):
        buffer = ""
        for block in parsed.blocks:
            if buffer and len(buffer) + len(block.text) > max_chars:
                yield Passage(f"guideline:{doc_id}", doc_id, buffer)
                buffer = ""
            buffer = f"{buffer} {block.text}".strip()
        if buffer:
            yield Passage(f"guideline:{doc_id}", doc_id, buffer)


def medquad(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def medquad_passages(path: Path) -> Iterator[Passage]:
    for row in medquad(path):
        if row.get("answer"):
            yield Passage(f"medquad:{row['id']}", row.get("focus") or row["id"], row["answer"])


def pubmedqa_passages(path: Path) -> Iterator[Passage]:
    data = json.loads(path.read_text(encoding="utf-8"))
    for pmid, item in data.items():
        yield Passage(f"pubmedqa:{pmid}", f"pubmedqa:{pmid}", " ".join(item["CONTEXTS"]))
