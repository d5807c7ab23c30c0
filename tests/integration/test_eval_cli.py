"""`hearth eval retrieval` on a small BEIR-format dataset, run as users run it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.server import hearth_env, run_cli

TOPICS = ["volcano eruption lava", "violin concerto orchestra", "tax deduction income", "glacier ice melting",
          "protein folding enzyme", "railway locomotive steam", "honey bee pollination", "chess opening gambit"]


def write_dataset(root: Path) -> None:
    corpus, queries, qrels = [], [], ["query-id\tcorpus-id\tscore"]
    for i, topic in enumerate(TOPICS):
        corpus.append({"_id": f"d{i}", "title": topic.title(), "text": f"This passage is about {topic}. " * 3})
        corpus.append({"_id": f"n{i}", "title": "Filler", "text": f"Unrelated filler text number {i} about nothing."})
        queries.append({"_id": f"q{i}", "text": topic.split()[0] + " " + topic.split()[1]})
        qrels.append(f"q{i}\td{i}\t1")
    (root / "corpus.jsonl").write_text("\n".join(json.dumps(c) for c in corpus))
    (root / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    (root / "qrels").mkdir()
    (root / "qrels" / "test.tsv").write_text("\n".join(qrels))


def test_eval_prints_the_three_modes_side_by_side(tmp_path: Path) -> None:
    dataset = tmp_path / "tiny"
    dataset.mkdir()
    write_dataset(dataset)
    result = run_cli("eval", "retrieval", str(dataset), cwd=tmp_path, env=hearth_env(tmp_path / "data"))
    assert result.returncode == 0, result.stderr + result.stdout
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in result.stdout.splitlines() if line.count("│") > 5 and "mode" not in line}
    assert set(rows) == {"bm25", "dense", "hybrid"}
    for name, cells in rows.items():
        assert float(cells[0]) > 0.9, (name, cells)  # nDCG@10: each query names its document's topic
    assert "tiny: 16 documents, 8 queries" in result.stdout


def test_eval_refuses_a_directory_that_is_not_a_dataset(tmp_path: Path) -> None:
    result = run_cli("eval", "retrieval", str(tmp_path), cwd=tmp_path, env=hearth_env(tmp_path / "data"))
    assert result.returncode == 2 and "cannot read the dataset" in result.stderr
