"""Build the pubmedqa-dev suite and its corpus from ../shared at run time (never copied).

Corpus: one Markdown document per abstract (its CONTEXTS with their section labels), id
`pmid-<PMID>`. Suite: the question, gold doc = its own abstract, label = final_decision.

    python -m medcite.eval.pubmedqa --out eval/runs/pubmedqa   # writes suite.jsonl and corpus/
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from medcite import paths


def build(source: Path, out: Path) -> Path:
    data = json.loads(source.read_text(encoding="utf-8"))
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    suite = out / "pubmedqa-dev.jsonl"
    with suite.open("w", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {
                    "suite": "pubmedqa-dev",
                    "corpus": str(corpus),
                    "source": "PubMedQA PQA-L dev (MIT), built at run time",
                }
            )
            + "\n"
        )
        for pmid, item in data.items():
            doc_id = f"pmid-{pmid}"
            body = [f"# PubMed {pmid}", ""]
            for label, text in zip(
                item.get("LABELS") or [""] * len(item["CONTEXTS"]), item["CONTEXTS"], strict=False
            ):
                body += [f"## {label.title()}" if label else "## Abstract", "", text, ""]
            # The title is not the question: that would leak the query into the document.
            front = {
                "title": f"PubMed abstract {pmid}",
                "developer": "PubMed",
                "released": str(item.get("YEAR") or ""),
            }
            header = "---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in front.items()) + "---\n"
            (corpus / f"{doc_id}.md").write_text(header + "\n".join(body), encoding="utf-8")
            fh.write(
                json.dumps(
                    {
                        "id": pmid,
                        "question": item["QUESTION"],
                        "doc_ids": [doc_id],
                        "label": item["final_decision"],
                        "tags": [item["final_decision"]],
                    }
                )
                + "\n"
            )
    return suite


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=paths.shared_dir())
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(build(args.shared / "eval" / "pubmedqa-pqal-dev.json", args.out))


if __name__ == "__main__":
    main()
