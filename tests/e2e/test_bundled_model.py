"""End to end with the bundled model in a real `hearth serve` process, nothing configured, no network:
the official openai client against /v1, and a chat session as the README shows it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.support.server import ServerProcess, hearth_env

pytestmark = pytest.mark.slow

CALCULATOR = {"type": "function", "function": {
    "name": "calculator", "description": "Evaluate an arithmetic expression such as 3*(4+5).",
    "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]}}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, models_dir: Path):  # type: ignore[no-untyped-def]
    cwd = tmp_path_factory.mktemp("e2e")
    with ServerProcess(cwd, hearth_env(cwd / "data", HEARTH_MODELS_DIR=str(models_dir))) as process:
        yield process


@pytest.fixture(scope="module")
def api_key(server: ServerProcess) -> str:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as http:
        assert http.post("/auth/register", json={"email": "e2e@example.com", "password": "e2e password 1"}).status_code == 201
        token = http.post("/auth/login", json={"email": "e2e@example.com", "password": "e2e password 1"}).json()
        key = http.post("/api-keys", headers={"Authorization": f"Bearer {token['access_token']}"},
                        json={"name": "e2e", "scopes": ["chat"]})
        return key.json()["key"]


def test_openai_client_against_the_bundled_model(server: ServerProcess, api_key: str) -> None:
    client = OpenAI(base_url=server.url + "/v1", api_key=api_key, timeout=120, max_retries=0)
    ids = [m.id for m in client.models.list()]
    assert "local/qwen2.5-0.5b-instruct" in ids and "local/all-minilm-l6-v2" in ids

    whole = client.chat.completions.create(model="local/qwen2.5-0.5b-instruct", max_tokens=24, temperature=0,
                                           messages=[{"role": "user", "content": "What is the capital of France?"}])
    assert "paris" in (whole.choices[0].message.content or "").lower()
    assert whole.usage is not None and whole.usage.prompt_tokens > 0 and whole.usage.completion_tokens > 0

    pieces = [c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="local/qwen2.5-0.5b-instruct", max_tokens=24, temperature=0, stream=True,
        messages=[{"role": "user", "content": "Count from one to five in words."}]) if c.choices]
    assert len([p for p in pieces if p]) > 3 and "three" in "".join(pieces).lower()

    tooled = client.chat.completions.create(model="local/qwen2.5-0.5b-instruct", tools=[CALCULATOR],  # type: ignore[list-item]
                                            messages=[{"role": "user", "content": "What is 17*23?"}])
    call = (tooled.choices[0].message.tool_calls or [None])[0]
    assert tooled.choices[0].finish_reason == "tool_calls" and call is not None
    assert call.function.name == "calculator" and "17" in call.function.arguments  # type: ignore[union-attr]

    json_reply = client.chat.completions.create(
        model="local/qwen2.5-0.5b-instruct", max_tokens=60, response_format={"type": "json_object"},
        messages=[{"role": "user", "content": "Give a JSON object with keys city and country for Paris."}])
    assert isinstance(json.loads(json_reply.choices[0].message.content or ""), dict)

    embedded = client.embeddings.create(model="all-minilm-l6-v2", input=["a cat sits", "a kitten is sitting", "tax law"])
    vectors = [d.embedding for d in embedded.data]
    assert len(vectors) == 3 and len(vectors[0]) == 384
    similar = sum(a * b for a, b in zip(vectors[0], vectors[1], strict=True))
    unrelated = sum(a * b for a, b in zip(vectors[0], vectors[2], strict=True))
    assert similar > unrelated + 0.2


def test_readme_chat_answers_from_the_bundled_model(server: ServerProcess, api_key: str) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=server.url + "/api/v1", headers=headers, timeout=120) as http:
        session = http.post("/chat/sessions", json={"system_prompt": "Answer in one short sentence."}).json()
        reply = http.post(f"/chat/sessions/{session['id']}/messages", json={"content": "What color is the sky?"})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["model"] == "local/qwen2.5-0.5b-instruct" and "blue" in body["content"].lower()
        ready = httpx.get(server.url + "/ready").json()
        assert ready["checks"]["providers"]["ok"] is True
