"""The planted-error suite: does verification remove unsupported sentences an LLM might write,
and keep supported rewordings?

Built by code from correct answers: for each answerable case of a suite, medcite's extractive
answer (verbatim, cited) is the correct answer. For one sentence of it per kind, a claim
generator of the judge's training data (`medcite.training.perturb`) writes an unsupported
version (changed number, negation, swapped drug/test/population, dropped qualifier, added
clause, a sentence from another document) or a supported rewording; the planted sentence
cites the real passage and quotes the original sentence, as a generator that copied the
right words but wrote the wrong claim would. Each planted sentence then goes through
`enforce_grounding` with the shipped judge, and the share removed is counted per kind.

Caveat printed with the figures: the judge was trained on pairs from these same generators
(on other documents), so removal of generated errors is an optimistic figure; the hand-written
held-out judge sets are the honest measure of the judge itself.

    python -m medcite.training.planted_errors --suite guidelines-dev --index IDX [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from medcite import paths
from medcite.core.settings import Settings
from medcite.core.types import Answer
from medcite.engine import Engine
from medcite.eval.suite import load_suite
from medcite.generation.enforce import Policy, enforce_grounding
from medcite.generation.sentences import split_sentences
from medcite.training.perturb import PERTURBATIONS, SUPPORTED_KINDS, UNSUPPORTED_KINDS, Context

log = logging.getLogger(__name__)
SEED = 13


@dataclass(frozen=True, slots=True)
class Planted:
    case: str
    kind: str
    supported: bool
    claim: str
    removed: bool
    reason: str
    score: float | None


def _foreign(answers: list[Answer], skip: str) -> list[str]:
    """Sentences of other cases' cited passages from other documents (for other_sentence)."""
    out: list[str] = []
    for a in answers:
        for r in a.references:
            if r.hit.document.doc_id != skip:
                out.extend(split_sentences(r.hit.chunk.text)[:3])
    return out[:60]


def plant(
    answer: Answer, case_id: str, kinds: list[str], rng: random.Random, foreign: list[str], engine: Engine
) -> list[Planted]:
    """One planted sentence per kind (when its generator applies to some sentence of the answer)."""
    results: list[Planted] = []
    for kind in kinds:
        registered = PERTURBATIONS[kind]
        for sentence in rng.sample(answer.sentences, len(answer.sentences)):
            (n,) = sentence.citations[:1]
            hit = answer.references[n - 1].hit
            neighbours = [s for s in split_sentences(hit.chunk.text) if s != sentence.text]
            context = Context(premise=hit.chunk.text, neighbours=neighbours, foreign=foreign)
            claim = registered.rewrite(sentence.text, rng, context)
            if not claim or claim.strip() == sentence.text.strip():
                continue
            quote = sentence.text.replace('"', "'")
            draft = f'- {claim.rstrip(".")} [1] (quote: "{quote}").'
            checked = enforce_grounding(answer.question, draft, [hit], engine.judge, "planted", Policy())
            gone = next(iter(checked.removed), None)
            results.append(
                Planted(
                    case_id,
                    kind,
                    registered.supported,
                    claim,
                    removed=gone is not None,
                    reason=gone.reason if gone else "",
                    score=gone.score if gone else None,
                )
            )
            break
    return results


def run(suite_name: str, index: Path, limit: int | None, progress: bool = True) -> list[Planted]:
    suite = load_suite(paths.suites_dir() / f"{suite_name}.jsonl")
    engine = Engine(Settings().updated(index=index))
    rng = random.Random(SEED)
    cases = [c for c in suite.cases if c.answerable][: limit or None]
    answers = [(c, engine.ask(c.question)) for c in tqdm(cases, desc="correct answers", disable=not progress)]
    answers = [(c, a) for c, a in answers if not a.abstained and a.sentences]
    kinds = [*UNSUPPORTED_KINDS, *(k for k in SUPPORTED_KINDS if k != "verbatim")]
    planted: list[Planted] = []
    for case, answer in tqdm(answers, desc="planted", disable=not progress):
        doc = answer.references[0].hit.document.doc_id
        foreign = _foreign([a for _, a in answers], doc)
        planted.extend(plant(answer, case.id, kinds, rng, foreign, engine))
    return planted


def summary(planted: list[Planted]) -> dict[str, object]:
    by_kind: dict[str, list[Planted]] = defaultdict(list)
    for p in planted:
        by_kind[p.kind].append(p)
    unsupported = [p for p in planted if not p.supported]
    supported = [p for p in planted if p.supported]
    return {
        "unsupported_removed": round(sum(p.removed for p in unsupported) / max(1, len(unsupported)), 4),
        "supported_removed": round(sum(p.removed for p in supported) / max(1, len(supported)), 4),
        "n_unsupported": len(unsupported),
        "n_supported": len(supported),
        "by_kind": {
            k: {
                "n": len(v),
                "removed": round(sum(p.removed for p in v) / len(v), 4),
                "supported": v[0].supported,
            }
            for k, v in by_kind.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--suite", default="guidelines-dev", help="suite name under eval/suites [guidelines-dev]"
    )
    parser.add_argument("--index", type=Path, required=True, help="an index over the suite's corpus")
    parser.add_argument("--limit", type=int, default=None, help="first N answerable cases")
    parser.add_argument("--out", type=Path, default=None, help="write planted.jsonl and summary.json here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    planted = run(args.suite, args.index, args.limit)
    result = summary(planted)
    result.update(suite=args.suite, seed=SEED, seconds=round(time.perf_counter() - started, 1))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        with (args.out / "planted.jsonl").open("w", encoding="utf-8") as fh:
            for p in planted:
                fh.write(json.dumps(_row(p)) + "\n")
        (args.out / "summary.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"planted-error suite on {args.suite} (seed {SEED}); "
        "the judge saw these generators' kinds in training (other documents)"
    )
    print(f"{'kind':22} {'label':12} {'n':>4} {'removed':>8}")
    by_kind: dict[str, dict[str, object]] = result["by_kind"]  # type: ignore[assignment]
    for kind, row in by_kind.items():
        label = "supported" if row["supported"] else "unsupported"
        print(f"{kind:22} {label:12} {row['n']:>4} {row['removed']:>8.1%}")
    print(
        f"unsupported removed {result['unsupported_removed']:.1%} of {result['n_unsupported']}; "
        f"supported removed {result['supported_removed']:.1%} of {result['n_supported']}"
    )


def _row(p: Planted) -> dict[str, object]:
    return {f: getattr(p, f) for f in Planted.__slots__}


if __name__ == "__main__":
    main()
