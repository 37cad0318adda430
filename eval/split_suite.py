"""Split a hand-written suite once, by gold document, into a tune and a test split.

    python -m medcite.eval.split_suite SUITE.jsonl --name guidelines --seed 20261201 --out eval/suites

Answerable cases go to the split of their (first) gold document, so no document has questions
in both; unanswerable cases are split by id. Run once: the test split is only ever run to
report figures, and a split drawn again after seeing results would no longer be held out.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SEED = 20261201


def split(rows: list[dict[str, object]], seed: int = SEED) -> dict[str, list[dict[str, object]]]:
    answerable = [r for r in rows if r.get("answerable", True)]
    docs = sorted({str(r["doc_ids"][0]) for r in answerable})  # type: ignore[index]
    random.Random(seed).shuffle(docs)
    test_docs = set(docs[: len(docs) // 2])
    unanswerable = sorted(str(r["id"]) for r in rows if not r.get("answerable", True))
    random.Random(seed).shuffle(unanswerable)
    test_ids = set(unanswerable[: len(unanswerable) // 2])

    def is_test(r: dict[str, object]) -> bool:
        if r.get("answerable", True):
            return str(r["doc_ids"][0]) in test_docs  # type: ignore[index]
        return str(r["id"]) in test_ids

    return {"tune": [r for r in rows if not is_test(r)], "test": [r for r in rows if is_test(r)]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("suite", type=Path)
    parser.add_argument("--name", default="guidelines")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    lines = [json.loads(line) for line in args.suite.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in lines if "question" in r]
    for part, cases in split(rows, args.seed).items():
        header = {"suite": f"{args.name}-{part}", "corpus": "../shared/corpus", "split": part}
        path = args.out / f"{args.name}-{part}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in [header, *cases]), encoding="utf-8")
        print(f"{path}: {len(cases)} cases")


if __name__ == "__main__":
    main()
