"""Chat sessions over the API with scripted providers (tests/support/llm_plugin.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tests.support.clients import sign_up
from tests.support.isolation import assert_hidden_from, assert_list_excludes

API = "/api/v1"


async def new_session(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/chat/sessions", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def say(client: httpx.AsyncClient, headers: dict[str, str], session_id: str, content: str) -> dict[str, Any]:
    response = await client.post(f"{API}/chat/sessions/{session_id}/messages", headers=headers,
                                 json={"content": content})
    assert response.status_code == 200, response.text
    return response.json()


def parse_sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        name = next((ln[7:] for ln in lines if ln.startswith("event: ")), "message")
        data = "\n".join(ln[6:] for ln in lines if ln.startswith("data: "))
        events.append((name, json.loads(data) if data else None))
    return events


async def wait_for(predicate: Any, timeout_s: float = 10) -> Any:
    for _ in range(int(timeout_s / 0.05)):
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_a_turn_is_answered_persisted_titled_and_counted(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    chat = await new_session(client, alice.headers, system_prompt="You are terse.")
    assert chat["model"] is None and chat["status"] == "active"

    reply = await say(client, alice.headers, chat["id"], "hello there")
    assert reply["role"] == "assistant" and reply["content"] == "echo: hello there"
    assert reply["model"] == "fake/echo" and reply["completion_tokens"] > 0 and reply["latency_ms"] >= 0

    listed = (await client.get(f"{API}/chat/sessions/{chat['id']}/messages", headers=alice.headers)).json()
    assert [(m["role"], m["content"]) for m in listed["items"]] == [
        ("assistant", "echo: hello there"), ("user", "hello there")]

    async def titled() -> str | None:
        return (await client.get(f"{API}/chat/sessions/{chat['id']}", headers=alice.headers)).json()["title"]

    assert await wait_for(titled) == "Scripted Title"
    session = (await client.get(f"{API}/chat/sessions/{chat['id']}", headers=alice.headers)).json()
    assert session["message_count"] == 2
    assert 0 < session["context"]["used_tokens"] <= session["context"]["max_tokens"] == 8192

    async with client.app.state.hearth.sessions() as db:  # type: ignore[attr-defined]
        from hearth.repositories.usage import UsageRepository

        rows = await UsageRepository(db).for_owner(alice.user_id)
    assert [(r.model, r.requests) for r in rows] == [("fake/echo", 1)]
    assert rows[0].prompt_tokens > 0 and rows[0].completion_tokens > 0


async def test_streamed_answer_arrives_as_events_and_is_saved(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    chat = await new_session(client, alice.headers)
    response = await client.post(f"{API}/chat/sessions/{chat['id']}/messages", headers=alice.headers,
                                 json={"content": "stream me please", "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    deltas = [data["content"] for name, data in events if name == "delta"]
    assert len(deltas) == 4 and "".join(deltas) == "echo: stream me please"
    names = [name for name, _ in events]
    assert names[-2:] == ["message", "done"]
    saved = events[-2][1]
    assert saved["content"] == "echo: stream me please" and saved["partial"] is False

    listed = (await client.get(f"{API}/chat/sessions/{chat['id']}/messages", headers=alice.headers)).json()
    assert listed["items"][0]["id"] == saved["id"]


async def test_a_session_longer_than_the_window_still_answers_and_keeps_the_system_prompt(
        client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    chat = await new_session(client, alice.headers, model="tiny/echo", system_prompt="SYSTEM-RULES stay")
    for i in range(12):
        reply = await say(client, alice.headers, chat["id"], f"message number {i} " + "padding " * 6)
        assert reply["content"].startswith(f"echo: message number {i}")

    tiny = client.app.state.hearth.llm.providers["tiny"].inner  # type: ignore[attr-defined]
    last = tiny.requests[-1]
    assert last.messages[0].role == "system" and "SYSTEM-RULES stay" in last.messages[0].content
    assert last.messages[-1].content.startswith("message number 11")
    assert len(last.messages) < 1 + 2 * 12  # older turns were dropped
    session = (await client.get(f"{API}/chat/sessions/{chat['id']}", headers=alice.headers)).json()
    context = session["context"]
    assert context["max_tokens"] == 160 and context["dropped_messages"] > 0
    assert context["used_tokens"] <= 160


async def test_summarize_strategy_keeps_a_persisted_summary(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    chat = await new_session(client, alice.headers, model="tiny/echo", system_prompt="SYSTEM-RULES",
                             context_strategy="summarize")
    for i in range(10):
        await say(client, alice.headers, chat["id"], f"fact {i}: " + "detail " * 5)

    session = (await client.get(f"{API}/chat/sessions/{chat['id']}", headers=alice.headers)).json()
    assert session["context"]["summarized_through_seq"] > 0
    tiny = client.app.state.hearth.llm.providers["tiny"].inner  # type: ignore[attr-defined]
    summaries = [r for r in tiny.requests if r.messages[0].content.startswith("Summarize the conversation")]
    assert summaries, "older turns were never summarized"
    # Fewer summaries than turns: a summary is reused until the window overflows again.
    assert len(summaries) < 10
    last = tiny.requests[-1]
    assert "SYSTEM-RULES" in last.messages[0].content
    assert "Summary of the earlier conversation" in last.messages[0].content
    assert last.messages[-1].content.startswith("fact 9")


async def test_message_too_big_for_the_window_is_refused_and_nothing_is_lost(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    chat = await new_session(client, alice.headers, model="tiny/echo")
    response = await client.post(f"{API}/chat/sessions/{chat['id']}/messages", headers=alice.headers,
                                 json={"content": "x " * 400})
    assert response.status_code == 422
    assert "context" in response.json()["detail"]
    assert (await say(client, alice.headers, chat["id"], "short"))["content"] == "echo: short"


async def test_archived_sessions_refuse_new_messages_until_reactivated(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    chat = await new_session(client, alice.headers)
    archived = await client.put(f"{API}/chat/sessions/{chat['id']}/status", headers=alice.headers,
                                json={"status": "archived"})
    assert archived.json()["status"] == "archived"
    refused = await client.post(f"{API}/chat/sessions/{chat['id']}/messages", headers=alice.headers,
                                json={"content": "hi"})
    assert refused.status_code == 409
    listed = (await client.get(f"{API}/chat/sessions", headers=alice.headers, params={"status": "archived"})).json()
    assert [s["id"] for s in listed["items"]] == [chat["id"]]
    await client.put(f"{API}/chat/sessions/{chat['id']}/status", headers=alice.headers, json={"status": "active"})
    assert (await say(client, alice.headers, chat["id"], "hi"))["content"] == "echo: hi"


async def test_bad_models_and_bodies_are_clear_4xx(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    unknown = await client.post(f"{API}/chat/sessions", headers=alice.headers, json={"model": "nope/x"})
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
    no_slash = await client.post(f"{API}/chat/sessions", headers=alice.headers, json={"model": "gpt"})
    assert no_slash.status_code == 422
    chat = await new_session(client, alice.headers)
    empty = await client.post(f"{API}/chat/sessions/{chat['id']}/messages", headers=alice.headers,
                              json={"content": ""})
    assert empty.status_code == 422


async def test_other_users_sessions_are_invisible(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    bob = await sign_up(client, "bob@example.com")
    chat = await new_session(client, alice.headers, title="alice secret plans")
    await say(client, alice.headers, chat["id"], "my secret")
    base = f"{API}/chat/sessions/{chat['id']}"
    await assert_hidden_from(client, bob.headers, [
        ("GET", base), ("GET", f"{base}/messages"), ("DELETE", base),
        ("PUT", f"{base}/status", {"status": "archived"}),
        ("POST", f"{base}/messages", {"content": "hi"}),
    ], secret="secret")
    await assert_list_excludes(client, bob.headers, f"{API}/chat/sessions", [chat["id"]])
    assert (await client.get(base, headers=alice.headers)).json()["message_count"] == 2


async def test_cleanup_is_admin_only_and_removes_archived_sessions(client: httpx.AsyncClient) -> None:
    admin = await sign_up(client, "admin@example.com")  # the first user is the admin
    bob = await sign_up(client, "bob@example.com")
    chat = await new_session(client, bob.headers)
    await client.put(f"{API}/chat/sessions/{chat['id']}/status", headers=bob.headers, json={"status": "archived"})
    assert (await client.post(f"{API}/chat/cleanup", headers=bob.headers, json={})).status_code == 403
    done = await client.post(f"{API}/chat/cleanup", headers=admin.headers, json={"older_than_days": 0})
    assert done.json() == {"deleted_sessions": 1}
    assert (await client.get(f"{API}/chat/sessions/{chat['id']}", headers=bob.headers)).status_code == 404


async def test_models_lists_every_configured_provider(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    body = (await client.get(f"{API}/models", headers=alice.headers)).json()
    ids = {m["id"] for m in body["models"]}
    assert {"local/qwen2.5-0.5b-instruct", "local/all-minilm-l6-v2", "fake/echo", "tiny/echo"} <= ids
    tiny = next(m for m in body["models"] if m["id"] == "tiny/echo")
    assert tiny["capabilities"]["context_length"] == 160 and tiny["capabilities"]["chat"] is True
    assert body["default_chat_model"] == "fake/echo"
