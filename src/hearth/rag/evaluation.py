"""Retrieval metrics on BEIR-format data (corpus.jsonl, queries.jsonl, qrels tsv), scored per
document: a document's score is its best chunk's."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Dataset:
    corpus: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_beir(directory: Path, split: str = "test") -> Dataset:
    corpus = {str(d["_id"]): (d.get("title") or "", d.get("text") or "") for d in _read_jsonl(directory / "corpus.jsonl")}
    qrels_path = next((p for p in (directory / "qrels" / f"{split}.tsv", directory / f"qrels.{split}.tsv") if p.exists()),
                      None)
    if qrels_path is None:
        raise FileNotFoundError(f"no qrels/{split}.tsv or qrels.{split}.tsv in {directory}")
    qrels: dict[str, dict[str, int]] = {}
    for line in qrels_path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[-1].strip().lstrip("-").isdigit():
            continue  # header
        query_id, doc_id, score = parts[0], parts[-2], int(parts[-1])
        if score > 0:
            qrels.setdefault(query_id, {})[doc_id] = score
    queries_path = directory / f"queries.{split}.jsonl"
    queries = {str(q["_id"]): q["text"] for q in _read_jsonl(queries_path if queries_path.exists()
                                                             else directory / "queries.jsonl")}
    return Dataset(corpus, {q: t for q, t in queries.items() if q in qrels}, qrels)


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2 ** r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


def mrr_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    return next((1.0 / (i + 1) for i, d in enumerate(ranked[:k]) if d in relevant), 0.0)


def score_run(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    n = len(qrels)
    return {
        "ndcg@10": sum(ndcg_at(run.get(q, []), rel, 10) for q, rel in qrels.items()) / n,
        "recall@10": sum(recall_at(run.get(q, []), rel, 10) for q, rel in qrels.items()) / n,
        "recall@100": sum(recall_at(run.get(q, []), rel, 100) for q, rel in qrels.items()) / n,
        "mrr@10": sum(mrr_at(run.get(q, []), rel, 10) for q, rel in qrels.items()) / n,
    }


def documents_in_order(chunk_hits: list[tuple[str, float]]) -> list[str]:
    """Chunk hits (document id, score), best first -> document ids, each at its best chunk's place."""
    seen: dict[str, None] = {}
    for doc, _ in chunk_hits:
        seen.setdefault(doc, None)
    return list(seen)
