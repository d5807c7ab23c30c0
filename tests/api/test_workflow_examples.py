"""Every shipped example in examples/workflows/ is saved and run with its example inputs on the
scripted model (the bundled model runs one in tests/e2e)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.clients import Account, sign_up
from tests.support.kb import collection, finished, upload
from tests.support.workflows import define, execute, settled, steps_by_id

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "workflows").glob("*.json"))
HANDBOOK = (b"# Handbook\n\n## Leave\n\nNew employees get 25 vacation days a year, plus public holidays.\n\n"
            b"## Equipment\n\nEveryone gets a laptop on the first day.\n")


async def _handbook(client: httpx.AsyncClient, owner: Account) -> None:
    coll = await collection(client, owner, "handbook")
    accepted = await upload(client, owner.headers, coll, [("handbook.md", HANDBOOK)])
    assert (await finished(client, owner.headers, accepted.json()["job_id"]))["state"] == "succeeded"


def check_summarize_documents(run: dict[str, Any], example: dict[str, Any]) -> None:
    report = steps_by_id(run)["report"]["output"]
    titles = [d["title"] for d in example["example_inputs"]["documents"]]
    assert len(report["summaries"]) == len(titles)
    assert all(title in report["overview"] for title in titles)  # the scripted model echoes its prompt


def check_answer_with_citations(run: dict[str, Any], _example: dict[str, Any]) -> None:
    steps = steps_by_id(run)
    assert steps["no_answer"]["state"] == "skipped"
    assert "25 vacation days" in steps["result"]["output"]["answer"]
    assert steps["result"]["output"]["sources"] == ["handbook.md"]


SETUP = {"answer-with-citations": _handbook}
CHECKS = {"summarize-documents": check_summarize_documents, "answer-with-citations": check_answer_with_citations}


def test_there_are_at_least_two_examples_and_each_is_checked() -> None:
    assert len(EXAMPLES) >= 2
    assert {p.stem for p in EXAMPLES} <= set(CHECKS)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
async def test_example_runs_with_its_example_inputs(client: httpx.AsyncClient, path: Path) -> None:
    example = json.loads(path.read_text())
    assert set(example) >= {"name", "definition", "example_inputs"} and example["name"] == path.stem
    owner = await sign_up(client, "a@example.com")
    if path.stem in SETUP:
        await SETUP[path.stem](client, owner)
    started = await execute(client, owner, await define(client, owner, example["definition"], example["name"]),
                            example["example_inputs"])
    run = await settled(client, owner, started["run_id"])
    assert run["state"] == "succeeded", run
    CHECKS[path.stem](run, example)
