"""`medcite verify`: audit answers written elsewhere, sentence by sentence, with the real judge."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from medcite.cli.main import app
from medcite.engine import Engine

runner = CliRunner()
PASSAGE = (
    "For treatment-resistant neuropathic pain after first-, second- and third-line options have failed, "
    "the Canadian consensus lists fourth-line treatments: methadone, anticonvulsants with weaker evidence "
    "of efficacy such as lamotrigine, topiramate or valproic acid, and botulinum toxin injections (Moulin 2014)."
)
ANSWER = {
    "question": "What is fourth-line for neuropathic pain?",
    "answer": (
        "**Bottom line:** Methadone is a fourth-line treatment for treatment-resistant neuropathic pain [1]. "
        "Morphine is the first-line drug [1]. Gabapentin is safe [3]. Pregabalin works."
    ),
    "references": [{"n": 1, "text": PASSAGE}],
}


def _index(engine: Engine) -> str:
    return str(engine.settings.index.path)


def test_verify_json_scores_each_sentence_and_cleans_the_answer(
    tmp_path: Path, starter_engine: Engine
) -> None:
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(ANSWER), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(path), "--json", "--index", _index(starter_engine)])
    assert result.exit_code == 0, result.output
    audit = json.loads(result.output)
    verdicts = [(s["supported"], s["reason"]) for s in audit["sentences"]]
    assert verdicts == [(True, ""), (False, "unsupported"), (False, "out_of_range"), (False, "uncited")]
    (ev,) = audit["sentences"][0]["evidence"]
    assert PASSAGE[ev["start"] : ev["end"]] == ev["quote"] and "methadone" in ev["quote"]
    assert audit["citation_recall"] == 0.25
    assert "Methadone" in audit["answer"] and "Morphine" not in audit["answer"]
    assert [r["reason"] for r in audit["removed"]] == ["unsupported", "out_of_range", "uncited"]


def test_verify_jsonl_reads_chunk_ids_from_the_index_and_keeps_the_order(
    tmp_path: Path, starter_engine: Engine
) -> None:
    hit = starter_engine.search("fourth-line treatment for neuropathic pain methadone", k=1)[0]
    second = {
        "question": "q2",
        "answer": "Fourth-line options include methadone and botulinum toxin injections [1].",
        "references": [{"n": 1, "chunk_id": hit.chunk.chunk_id}],
    }
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps(ANSWER) + "\n\n" + json.dumps(second) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["verify", str(path), "--json", "--index", _index(starter_engine)])
    assert result.exit_code == 0, result.output
    audits = json.loads(result.output)
    assert [a["question"] for a in audits] == [ANSWER["question"], "q2"]
    assert audits[1]["sentences"][0]["supported"] and audits[1]["citation_precision"] == 1.0


def test_verify_rejects_bad_input_with_the_line_that_is_wrong(tmp_path: Path, starter_engine: Engine) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ANSWER) + "\n{not json\n", encoding="utf-8")
    result = runner.invoke(app, ["verify", str(path), "--index", _index(starter_engine)])
    said = " ".join(result.output.split())  # the console wraps long lines
    assert result.exit_code == 2 and "bad.jsonl:2" in said and "not valid JSON" in said
    missing = tmp_path / "missing-ref.json"
    missing.write_text(
        json.dumps({**ANSWER, "references": [{"n": 1, "chunk_id": "nope#0001"}]}), encoding="utf-8"
    )
    result = runner.invoke(app, ["verify", str(missing), "--index", _index(starter_engine)])
    assert result.exit_code == 2 and "not in the index" in " ".join(result.output.split())
