"""Write an eval run to disk: results.jsonl, summary.json, report.md (+ latency.png); compare runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from medcite.eval.runner import SUMMARY_KEYS, CaseResult, by_tag, summarise

WORST = 10


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _latency_plot(results: Sequence[CaseResult], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist([r.latency_ms for r in results], bins=30, color="#3b6ea5")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _badness(r: CaseResult) -> tuple[float, float]:
    cit = r.citation_recall if r.citation_recall is not None else 1.0
    ret = r.doc_recall.get("@5", 1.0)
    wrong_abstain = 1.0 if (r.abstained == r.answerable) else 0.0
    return (cit + ret - wrong_abstain, r.evidence_recall_5 if r.evidence_recall_5 is not None else 1.0)


def _case_block(r: CaseResult) -> list[str]:
    lines = [f"### `{r.id}` {r.question}", ""]
    gold = "answerable" if r.answerable else "unanswerable"
    lines.append(
        f"{gold}; abstained={r.abstained}; doc recall@5={_fmt(r.doc_recall.get('@5'))}; "
        f"evidence recall@5={_fmt(r.evidence_recall_5)}; citation recall={_fmt(r.citation_recall)}; "
        f"retrieved: {', '.join(str(h['doc_id']) for h in r.retrieved[:5])}"
    )
    lines.append("")
    references = {ref["n"]: ref for ref in r.answer.get("references", [])}
    if r.abstained:
        lines += [f"> {r.answer.get('answer')}", ""]
        return lines
    lines += ["| answer sentence | cites | judged | cited passage |", "|---|---|---|---|"]
    for v in r.sentence_verdicts:
        cited = " / ".join(
            f"[{n}] {str(references[n]['text'])[:300]}" for n in v["citations"] if n in references
        )
        verdict = "supported" if v["supported"] else (v["reason"] or "not supported")
        cell = str(v["text"]).replace("|", "/")
        lines.append(
            f"| {cell} | {v['citations']} | {verdict} | {cited.replace('|', '/').replace(chr(10), ' ')} |"
        )
    lines.append("")
    return lines


def write_run(
    out: Path, suite_name: str, results: Sequence[CaseResult], config: dict[str, object]
) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for r in results:
            fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    summary = summarise(results)
    (out / "summary.json").write_text(
        json.dumps({**summary, "suite": suite_name, "config": config}, indent=2)
    )
    tags = by_tag(results)
    plot = _latency_plot(results, out / "latency.png")
    lines = [
        f"# medcite eval: {suite_name}",
        "",
        "```",
        json.dumps(config, indent=2),
        "```",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [
        f"| {k} | {_fmt(summary.get(k))} |"
        for k in (*SUMMARY_KEYS, "answered_rate", "answerable_abstained_rate")
    ]
    lines += [
        "",
        "## By tag",
        "",
        "| tag | n | doc R@5 | evid R@5 | cit. recall | cit. precision | abst. recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for tag, s in tags.items():
        keys = (
            "retrieval_doc_recall@5",
            "retrieval_evidence_recall@5",
            "citation_recall",
            "citation_precision",
            "abstention_recall",
        )
        lines.append(f"| {tag} | {s['n_cases']} | " + " | ".join(_fmt(s[k]) for k in keys) + " |")
    if plot:
        lines += ["", "## Latency", "", "![latency histogram](latency.png)"]
    lines += ["", f"## Worst {WORST} cases", ""]
    for r in sorted(results, key=_badness)[:WORST]:
        lines += _case_block(r)
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {**summary}


def compare(a: Path, b: Path) -> list[tuple[str, object, object, float | None]]:
    """(metric, A, B, B - A) for every numeric summary key of two runs."""
    sa = json.loads((a / "summary.json" if a.is_dir() else a).read_text())
    sb = json.loads((b / "summary.json" if b.is_dir() else b).read_text())
    rows = []
    for key in (*SUMMARY_KEYS, "answered_rate", "answerable_abstained_rate"):
        va, vb = sa.get(key), sb.get(key)
        delta = round(vb - va, 4) if isinstance(va, int | float) and isinstance(vb, int | float) else None
        rows.append((key, va, vb, delta))
    return rows
