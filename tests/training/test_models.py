"""The trained models: backstop rules, the training pipeline on a tiny sample, the shipped
judge on a smoke set, the eval-judge contract, and clear errors for missing or corrupt models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medcite import paths
from medcite.cli.main import app
from medcite.core.errors import ModelNotFoundError
from medcite.core.types import Chunk, Document, Hit
from medcite.eval.judge_metrics import evaluate, read_pairs
from medcite.generation.verifier import BACKSTOP_RULES, CrossEncoderJudge, backstop, premise_windows
from medcite.retrieval.cross_encoder import is_installed, read_meta, weights_format
from medcite.retrieval.reranker import CrossEncoderReranker

SMOKE = Path(__file__).resolve().parents[1] / "data" / "judge-smoke.jsonl"
JUDGE_DIR = paths.model_dir(paths.JUDGE)
RERANKER_DIR = paths.model_dir(paths.RERANKER)
runner = CliRunner()


def test_backstop_numbers_and_negation() -> None:
    premise = "Screen adults aged 50 to 75 years every 10 years."
    assert backstop(premise, "Screen adults aged 50 to 75 every ten years.", 0.9) == 0.9
    assert backstop(premise, "Screen adults aged 45 to 75 years.", 0.9) <= 0.05
    assert backstop(premise, "Do not screen adults aged 50 to 75 years.", 0.95) == pytest.approx(0.1)
    assert backstop(premise, "Do not screen adults aged 50 to 75 years.", 0.05) == pytest.approx(0.05)
    assert backstop("Do not reuse syringes.", "Syringes must not be reused.", 0.8) == 0.8
    # entities: a drug, test, condition or population the premise does not name caps the score
    aaa = "Screen men aged 65 to 75 years who have ever smoked with ultrasonography."
    assert backstop(aaa, "Screen women aged 65 to 75 years with ultrasonography.", 0.9) <= 0.1
    assert backstop("Start Neurontin at night.", "Start gabapentin at night.", 0.9) == 0.9  # brand = generic
    assert backstop("Screen for HCV infection.", "Screen for hepatitis C.", 0.9) == 0.9  # abbreviation
    # negation is compared with the premise sentence closest to the claim, not the whole premise
    listing = "Clean vial diaphragms with alcohol. Never reuse a syringe. Do not share vials."
    assert backstop(listing, "Vial diaphragms should be cleaned with alcohol.", 0.8) == 0.8
    assert backstop(listing, "A syringe may be reused.", 0.8) == pytest.approx(0.1)


def test_backstop_applies_only_the_rules_it_is_given() -> None:
    """A model ships the rules chosen on its calibration split; the others must not fire."""
    premise = "Follow patients up within seven days of discharge."
    reexpressed = "Patients should be followed up within 1 week of discharge."  # 1 is not in the premise
    assert backstop(premise, reexpressed, 0.9) <= 0.05
    assert backstop(premise, reexpressed, 0.9, rules=("entity", "negation")) == 0.9
    assert backstop(premise, "Do not follow patients up within seven days.", 0.9, rules=("number",)) == 0.9
    assert backstop(premise, "Do not follow patients up within seven days.", 0.9, rules=("negation",)) <= 0.1


def test_premise_windows_cover_long_passages() -> None:
    sentences = [f"Sentence {i} is about topic {i}." for i in range(10)]
    windows = premise_windows(" ".join(sentences))
    assert len(windows) > 1
    assert all(s in " ".join(windows) for s in sentences)
    assert premise_windows("Short premise.") == ["Short premise."]


def test_listwise_batches_keep_groups_whole_and_score_the_positive() -> None:
    import torch

    from medcite.training.trainer import Pair, TrainConfig, _listwise_loss, _schedule

    pairs = [Pair(f"q{g}", f"p{g}-{i}", 1.0 if i == 0 else 0.0, g) for g in range(10) for i in range(3)]
    config = TrainConfig(batch_size=7, loss="listwise", epochs=2)
    schedule = _schedule(pairs, config)
    assert sorted(i for batch in schedule for i in batch) == sorted(list(range(30)) * 2)
    for batch in schedule:
        assert len(batch) <= 7
        groups = [pairs[i].group for i in batch]
        assert all(groups.count(g) == 3 for g in set(groups))  # never split across batches
    batch = pairs[:6]
    good = torch.tensor([5.0, 0.0, 0.0, 5.0, 0.0, 0.0])  # positives first, scored highest
    bad = torch.tensor([0.0, 5.0, 0.0, 0.0, 0.0, 5.0])
    assert _listwise_loss(good, batch) < 0.02 < 4.0 < _listwise_loss(bad, batch)
    # bce batches are plain shuffled pairs
    assert sorted(i for b in _schedule(pairs, TrainConfig(batch_size=7)) for i in b) == list(range(30))


def _tiny_shared(tmp: Path) -> Path:
    shared = tmp / "shared"
    (shared / "corpus").mkdir(parents=True)
    (shared / "train").mkdir()
    (shared / "eval").mkdir()
    for name in ("hypertension.md", "type-2-diabetes.md", "opioid-prescribing.md"):
        # renamed: the evaluation suites cite the starter documents by these ids, and reranker
        # training leaves suite documents out
        shutil.copy(paths.starter_corpus() / name, shared / "corpus" / f"tiny-{name}")
    rows = [
        {
            "id": f"q{i}",
            "question": f"What is the treatment for condition {i}?",
            "qtype": "treatment",
            "answer": f"Condition {i} is treated with rest and fluids for {i + 2} days.",
            "focus": f"condition {i}",
        }
        for i in range(6)
    ]
    (shared / "train" / "medquad.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (shared / "eval" / "pubmedqa-pqal-dev.json").write_text(
        json.dumps(
            {
                "1": {
                    "QUESTION": "Does X help?",
                    "CONTEXTS": ["X reduced pain by 30% in 120 adults.", "No harms were seen."],
                    "final_decision": "yes",
                },
            }
        )
    )
    return shared


def test_training_pipeline_end_to_end_on_a_tiny_sample(tmp_path: Path) -> None:
    shared = _tiny_shared(tmp_path)
    out = tmp_path / "judge"
    written = tmp_path / "written.jsonl"
    rows = [
        {
            "id": f"w{d}{i}",
            "premise": f"Screen adults aged {40 + i} to 70 years in clinic {d}.",
            "hypothesis": f"Adults aged {40 + i} to 70 years in clinic {d} should be screened."
            if i % 2
            else f"Screen adults aged {50 + i} to 70 years in clinic {d}.",
            "label": "supported" if i % 2 else "unsupported",
            "kind": "paraphrase" if i % 2 else "number_change",
            "doc_id": f"doc-{d}",
        }
        for d in range(4)
        for i in range(4)
    ]
    written.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["models", "train", "judge", "--shared", str(shared), "--out", str(out), "--size", "32"]
    result = runner.invoke(app, [*args, "--written", str(written)])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "medcite.json").read_text())
    assert meta["train_pairs"] > 0 and 0.0 <= meta["threshold"] <= 1.0
    # written pairs are mixed in (repeated) and the threshold comes from held-out written documents
    assert meta["written_train_pairs"] == 12 and meta["written_repeat"] == 3
    assert meta["version"] == "2"
    assert meta["threshold_from"] == "written calibration split" and meta["calibration_pairs"] == 4
    assert meta["train_pairs"] == meta["generated_train_pairs"] + 36
    assert 0 < (out / "model.onnx").stat().st_size < 50_000_000
    # rules and window were chosen among every candidate on the written calibration split
    assert len(meta["scoring_candidates"]) == 16
    assert set(meta["backstop_rules"]) <= {"number", "entity", "negation"} and meta["window_sentences"] in (
        3,
        5,
    )
    judge = CrossEncoderJudge(out)
    assert judge.rules == set(meta["backstop_rules"]) and judge.window == meta["window_sentences"]
    assert CrossEncoderJudge(out, backstop=False).rules == set()
    with pytest.raises(ValueError, match="unknown backstop rules"):
        CrossEncoderJudge(out, rules=["spelling"])
    scores = judge.scores([("Aspirin 81 mg daily.", "Aspirin 81 mg daily.")])
    assert len(scores) == 1 and 0.0 <= scores[0] <= 1.0
    # resumable: a second run finds the finished checkpoint and does not train again
    again = runner.invoke(app, [*args, "--written", str(written)])
    assert again.exit_code == 0, again.output

    rr_out = tmp_path / "reranker"
    rr = runner.invoke(
        app, ["models", "train", "reranker", "--shared", str(shared), "--out", str(rr_out), "--size", "6"]
    )
    assert rr.exit_code == 0, rr.output
    rr_meta = json.loads((rr_out / "medcite.json").read_text())
    assert rr_meta["medquad_pairs"] >= 6 and rr_meta["inverse_cloze_pairs"] > 0
    assert rr_meta["positives"] >= 6 + 1
    assert 0 < (rr_out / "model.onnx").stat().st_size < 50_000_000
    reranker = CrossEncoderReranker(rr_out)
    hits = [_hit("Hypertension is diagnosed from two readings.", "a"), _hit("Metformin is first line.", "b")]
    ranked = reranker.rerank("How is hypertension diagnosed?", hits)
    assert sorted(h.chunk.chunk_id for h in ranked) == ["a", "b"] and ranked[0].score >= ranked[1].score


def test_judge_training_can_leave_out_the_hand_written_sets_documents(tmp_path: Path) -> None:
    """--hold-out-judge-docs: the documents both hand-written sets quote give no training pairs."""
    from medcite.training.judge import judge_passages, judge_suite_doc_ids

    held = judge_suite_doc_ids()
    assert {"ngc-10534", "ngc-9806"} <= held  # one from each set
    shared = _tiny_shared(tmp_path)
    # a corpus document named like one the hand-written pairs quote
    shutil.copy(paths.starter_corpus() / "depression.md", shared / "corpus" / "ngc-10534.md")
    groups = {p.group for p in judge_passages(shared, seed=3, exclude_docs=held)}
    assert "ngc-10534" not in groups
    assert {"tiny-hypertension", "condition 0", "pubmedqa:1"} <= groups
    assert "ngc-10534" in {p.group for p in judge_passages(shared, seed=3)}  # unless none are held out


def _hit(text: str, chunk_id: str) -> Hit:
    doc = Document(chunk_id, "t", "d", "2020", 2020, "", "", "", "md", chunk_id)
    chunk = Chunk(chunk_id, chunk_id, 0, text, "Recommendations", None, None, 0, len(text), 8)
    return Hit(chunk=chunk, document=doc, score=0.0, rank=0)


def test_missing_and_corrupt_models_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="medcite models train judge"):
        CrossEncoderJudge(tmp_path / "nowhere")
    with pytest.raises(ModelNotFoundError, match="medcite models train reranker"):
        CrossEncoderReranker(tmp_path / "nowhere")
    weights = [w for w in ("model.onnx", "model.safetensors") if (JUDGE_DIR / w).is_file()]
    if not weights:
        pytest.skip("no shipped judge to corrupt")
    broken = tmp_path / "broken"
    shutil.copytree(JUDGE_DIR, broken)
    data = (broken / weights[0]).read_bytes()
    (broken / weights[0]).write_bytes(data[: len(data) // 10])
    with pytest.raises(ModelNotFoundError, match="cannot be loaded"):
        CrossEncoderJudge(broken)


@pytest.fixture(scope="module")
def shipped_judge() -> CrossEncoderJudge:
    return CrossEncoderJudge()


def test_shipped_judge_passes_the_smoke_set(shipped_judge: CrossEncoderJudge) -> None:
    result = evaluate(shipped_judge, read_pairs(SMOKE))
    assert result["n"] == 20
    assert result["accuracy"] >= 0.85, result


def test_eval_judge_cli_contract() -> None:
    result = runner.invoke(app, ["models", "eval-judge", str(SMOKE), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {"n", "accuracy", "balanced_accuracy", "f1_unsupported", "by_kind"} <= body.keys()
    assert set(body["by_kind"]) == {k["kind"] for k in map(json.loads, SMOKE.read_text().splitlines())}


def test_eval_judge_baselines_use_the_configured_embedder() -> None:
    """--baselines must load whatever MEDCITE_EMBEDDING_MODEL names (the default is an ONNX model)."""
    result = runner.invoke(app, ["models", "eval-judge", str(SMOKE), "--baselines", "--json"])
    assert result.exit_code == 0, result.output
    baselines = json.loads(result.stdout)["baselines"]
    assert set(baselines) == {"token-overlap", "embedding-cosine"}
    assert all(0.0 <= b["balanced_accuracy"] <= 1.0 for b in baselines.values())


def test_models_info_lists_both_models() -> None:
    result = runner.invoke(app, ["models", "info", "--json"])
    assert result.exit_code == 0
    names = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(names) == {"citation-judge", "medical-reranker"}
    assert names["citation-judge"]["installed"] == is_installed(JUDGE_DIR)
    assert names["medical-reranker"]["installed"] == is_installed(RERANKER_DIR)
    assert all(0 < row["size_mb"] <= 50 for row in names.values() if row["installed"])


def test_weights_format_is_read_from_the_files(tmp_path: Path) -> None:
    """`models info` falls back to this when a folder's medcite.json has no format field."""
    assert weights_format(tmp_path) is None
    (tmp_path / "model.safetensors").write_bytes(b"x")
    assert weights_format(tmp_path) == "safetensors"
    (tmp_path / "model.onnx").write_bytes(b"x")
    assert weights_format(tmp_path) == "onnx"  # the loader prefers ONNX, so the label does too


def test_hand_written_judge_sets_are_well_formed_and_disjoint() -> None:
    """Both hand-written sets follow the pair format, cover every error kind, and the held-out
    set (written before the v2 judge was trained, measured once) shares no document with the
    set the backstop rules were developed against."""
    suites = paths.suites_dir()
    dev = [json.loads(line) for line in (suites / "judge-pairs.jsonl").read_text().splitlines()]
    held = [json.loads(line) for line in (suites / "judge-pairs-heldout.jsonl").read_text().splitlines()]
    assert len(dev) >= 150 and len(held) >= 50
    kinds = {"paraphrase", "number_change", "negation", "entity_swap", "qualifier_drop", "added_clause"}
    for rows in (dev, held):
        assert {r["label"] for r in rows} == {"supported", "unsupported"}
        assert kinds <= {r["kind"] for r in rows}
        assert len({r["id"] for r in rows}) == len(rows)
    assert not {r["doc_id"] for r in dev} & {r["doc_id"] for r in held}
    assert read_pairs(suites / "judge-pairs-heldout.jsonl")  # the eval-judge reader accepts it


def test_backstop_can_be_switched_off_to_measure_what_the_rules_add(shipped_judge: CrossEncoderJudge) -> None:
    premise = "Screen adults aged 40 to 70 years who have overweight or obesity."
    claim = "Screen adults aged 45 to 70 years who have overweight or obesity."  # changed number
    raw = CrossEncoderJudge(JUDGE_DIR, backstop=False).scores([(premise, claim)])[0]
    ruled = CrossEncoderJudge(JUDGE_DIR, rules=("number",)).scores([(premise, claim)])[0]
    assert ruled <= 0.05 and ruled < raw  # the number rule caps what the model alone gives
    # the shipped judge applies exactly the rules its calibration chose (medcite.json)
    assert shipped_judge.rules == frozenset(read_meta(JUDGE_DIR).get("backstop_rules", BACKSTOP_RULES))


def test_judge_metrics_report_each_premise_shape() -> None:
    from medcite.eval.judge_metrics import LabelledPair, judge_metrics

    pairs = [
        LabelledPair("1", "p", "h", True, "paraphrase", "passage"),
        LabelledPair("2", "p", "h", False, "reversal", "passage"),
        LabelledPair("3", "q", "h", True, "paraphrase", "quote"),
        LabelledPair("4", "q", "h", False, "reversal", "quote"),
    ]
    result = judge_metrics(pairs, [0.9, 0.1, 0.9, 0.95], threshold=0.5)
    assert result["by_shape_balanced_accuracy"] == {"passage": 1.0, "quote": 0.5}


def test_whole_verbatim_sentences_are_supported_but_partial_quotes_are_left_to_the_model() -> None:
    from medcite.generation.verifier import is_verbatim

    premise = "- Offer statins to adults aged 40 to 75 with one or more risk factors. Recheck lipids in 12 weeks."
    assert is_verbatim(premise, "Offer statins to adults aged 40 to 75 with one or more risk factors.")
    assert is_verbatim(premise, "offer statins to adults aged 40 to 75 with one or more risk factors. Recheck lipids in 12 weeks")
    assert not is_verbatim(premise, "Offer statins to adults aged 40 to 75.")  # drops the condition
    assert not is_verbatim(premise, "Recheck lipids in 12 weeks. Offer statins to adults aged 40 to 75 with one or more risk factors.")
    assert not is_verbatim(premise, "")
