"""`/kb/ask` over the API with a scripted model: numbered sources, citations mapped to chunks and
documents, streaming, the "not in the knowledge base" answer, and isolation."""

from __future__ import annotations

import json

import httpx

from hearth.services.kb_answers import NOT_IN_KNOWLEDGE_BASE
from tests.support.clients import sign_up
from tests.support.kb import API, MARKDOWN, client, collection, finished, upload  # noqa: F401  (client: both index backends)


def sse_events(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((lines.get("event", "message"), json.loads(lines.get("data", "{}"))))
    return events


async def ingested(client: httpx.AsyncClient, owner, files: list[tuple[str, bytes]]) -> str:
    coll = await collection(client, owner)
    accepted = await upload(client, owner.headers, coll, files)
    assert (await finished(client, owner.headers, accepted.json()["job_id"]))["state"] == "succeeded"
    return coll


async def test_answers_cite_numbered_sources_mapped_to_chunks(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    coll = await ingested(client, alice, [("cooking.md", MARKDOWN),
                                          ("space.txt", b"Jupiter is the largest planet in the solar system.")])
    response = await client.post(f"{API}/kb/ask", headers=alice.headers, json={
        "question": "What does sourdough bread need?", "collection_ids": [coll], "model": "fake/echo"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["grounded"] is True
    assert "starter" in body["answer"] and body["answer"].endswith("[1]")
    [citation] = body["citations"]
    assert citation["n"] == 1 and citation["filename"] == "cooking.md"
    assert citation["heading_path"] == ["Cooking", "Bread"]
    chunks = (await client.get(f"{API}/kb/documents/{citation['document_id']}/chunks", headers=alice.headers)).json()
    assert citation["chunk_id"] in {c["id"] for c in chunks}
    assert {s["filename"] for s in body["sources"]} <= {"cooking.md", "space.txt"}
    assert [s["n"] for s in body["sources"]] == list(range(1, len(body["sources"]) + 1))


async def test_nothing_relevant_means_the_knowledge_base_does_not_contain_the_answer(
        client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    coll = await ingested(client, alice, [("cooking.md", MARKDOWN)])
    response = await client.post(f"{API}/kb/ask", headers=alice.headers, json={
        "question": "Which team won the 1998 football world cup final?", "collection_ids": [coll]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {**body, "answer": NOT_IN_KNOWLEDGE_BASE, "grounded": False, "model": None,
                    "citations": [], "sources": []}


async def test_streamed_answer_sends_sources_deltas_and_the_cited_answer(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    coll = await ingested(client, alice, [("cooking.md", MARKDOWN)])
    response = await client.post(f"{API}/kb/ask", headers=alice.headers, json={
        "question": "How is tomato soup made?", "collection_ids": [coll], "model": "fake/echo", "stream": True})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "sources" and kinds[-2:] == ["answer", "done"] and "delta" in kinds
    answer = events[-2][1]
    assert "".join(data["content"] for kind, data in events if kind == "delta").strip() == answer["answer"]
    assert "basil" in answer["answer"] and answer["citations"][0]["filename"] == "cooking.md"
    assert events[0][1]["sources"] == answer["sources"]


async def test_ask_validates_its_input_and_names_unknown_models(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    coll = await ingested(client, alice, [("cooking.md", MARKDOWN)])
    empty = await client.post(f"{API}/kb/ask", headers=alice.headers, json={"question": "", "collection_ids": [coll]})
    assert empty.status_code == 422 and empty.headers["content-type"] == "application/problem+json"
    unknown = await client.post(f"{API}/kb/ask", headers=alice.headers, json={
        "question": "What does bread need?", "collection_ids": [coll], "model": "nowhere/model"})
    assert unknown.status_code == 422 and "nowhere" in unknown.json()["detail"]
