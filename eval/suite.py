"""Suite format: JSONL, one case per line, optionally preceded by a header line.

Header (optional, first line): {"suite": "guidelines-dev", "corpus": "../shared/corpus", ...}
Case: {"id", "question", "doc_ids"?, "evidence"?, "answerable"? (default true),
       "answer"? | "label"? (e.g. yes/no/maybe), "tags"?}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


class SuiteError(ValueError):
    """A suite file does not follow the format."""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    question: str
    doc_ids: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    answerable: bool = True
    label: str | None = None
    tags: tuple[str, ...] = ()


@dataclass
class Suite:
    name: str
    cases: list[Case]
    corpus: str | None = None
    meta: dict[str, object] = field(default_factory=dict)


def _case(row: dict[str, object], where: str) -> Case:
    if not isinstance(row.get("id"), str | int) or not isinstance(row.get("question"), str):
        raise SuiteError(f"{where}: a case needs a string 'id' and 'question'")

    def strings(key: str) -> tuple[str, ...]:
        value = row.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SuiteError(f"{where}: '{key}' must be a list of strings")
        return tuple(value)

    label = row.get("label", row.get("answer"))
    return Case(
        id=str(row["id"]),
        question=str(row["question"]),
        doc_ids=strings("doc_ids"),
        evidence=strings("evidence"),
        answerable=bool(row.get("answerable", True)),
        label=None if label is None else str(label).strip().lower(),
        tags=strings("tags"),
    )


def load_suite(path: Path) -> Suite:
    cases: list[Case] = []
    header: dict[str, object] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise SuiteError(f"{path}:{number}: each line is a JSON object")
        if number == 1 and "suite" in row and "question" not in row:
            header = row
            continue
        cases.append(_case(row, f"{path}:{number}"))
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise SuiteError(f"{path}: case ids are not unique")
    corpus = header.get("corpus")
    return Suite(
        name=str(header.get("suite", path.stem)),
        cases=cases,
        corpus=str(corpus) if corpus else None,
        meta=header,
    )
