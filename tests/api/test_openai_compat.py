"""The OpenAI-compatible routes, driven by the official `openai` client over the ASGI app, and
provider failures as the API reports them."""

from __future__ import annotations

import httpx
import openai
import pytest
from openai import AsyncOpenAI

from hearth.llm.wire_fakes import Fault, LoopbackServer, Script, openai_app
from tests.support.clients import mint_key, sign_up

CALC = {"type": "function", "function": {"name": "calculator", "description": "Arithmetic.",
                                         "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}}}}


async def openai_client(client: httpx.AsyncClient, scopes: list[str]) -> AsyncOpenAI:
    owner = await sign_up(client, "dev@example.com")
    key = await mint_key(client, owner, scopes)
    transport_client = httpx.AsyncClient(transport=client._transport, base_url="http://hearth.test")  # noqa: SLF001
    return AsyncOpenAI(base_url="http://hearth.test/v1", api_key=key["key"], http_client=transport_client,
                       max_retries=0)


async def test_official_client_lists_models_completes_streams_and_embeds(client: httpx.AsyncClient) -> None:
    oai = await openai_client(client, ["chat"])
    ids = [m.id async for m in oai.models.list()]
    assert "fake/echo" in ids and "local/all-minilm-l6-v2" in ids

    whole = await oai.chat.completions.create(model="fake/echo", messages=[{"role": "user", "content": "ping"}])
    assert whole.choices[0].message.content == "echo: ping"
    assert whole.usage is not None and whole.usage.prompt_tokens > 0 and whole.usage.completion_tokens > 0

    stream = await oai.chat.completions.create(model="fake/echo", messages=[{"role": "user", "content": "a b c"}],
                                               stream=True, stream_options={"include_usage": True})
    pieces, usage = [], None
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        usage = chunk.usage or usage
    assert "".join(pieces) == "echo: a b c" and len(pieces) == 4
    assert usage is not None and usage.total_tokens > 0

    embedded = await oai.embeddings.create(model="all-minilm-l6-v2", input=["hello world", "goodbye"])
    assert len(embedded.data) == 2 and len(embedded.data[0].embedding) == 384
    assert embedded.usage.prompt_tokens > 0


async def test_tools_reach_the_provider_and_tool_calls_come_back(client: httpx.AsyncClient) -> None:
    def calls_calculator(request):  # type: ignore[no-untyped-def]
        from hearth.llm.messages import ChatResult, ToolCall

        assert request.tools[0].name == "calculator" and request.tool_choice == "auto"
        return ChatResult(model=request.model, tool_calls=[ToolCall(id="c1", name="calculator",
                                                                    arguments={"expression": "17*23"})])

    client.app.state.hearth.llm.providers["fake"].inner.reply = calls_calculator  # type: ignore[attr-defined]
    oai = await openai_client(client, ["chat"])
    reply = await oai.chat.completions.create(model="fake/echo", tools=[CALC],  # type: ignore[list-item]
                                              messages=[{"role": "user", "content": "17*23?"}])
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert reply.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "calculator" and call.function.arguments == '{"expression": "17*23"}'


async def test_v1_needs_the_chat_scope(client: httpx.AsyncClient) -> None:
    oai = await openai_client(client, ["kb:read"])
    with pytest.raises(openai.PermissionDeniedError):
        await oai.chat.completions.create(model="fake/echo", messages=[{"role": "user", "content": "x"}])
    anonymous = await client.get("/v1/models")
    assert anonymous.status_code == 401


async def test_bad_requests_are_problem_details(client: httpx.AsyncClient) -> None:
    owner = await sign_up(client, "dev@example.com")
    key = (await mint_key(client, owner, ["chat"]))["key"]
    headers = {"Authorization": f"Bearer {key}"}
    no_messages = await client.post("/v1/chat/completions", headers=headers, json={"model": "fake/echo", "messages": []})
    assert no_messages.status_code == 422
    unknown = await client.post("/v1/chat/completions", headers=headers,
                                json={"model": "nowhere/x", "messages": [{"role": "user", "content": "x"}]})
    assert unknown.status_code == 422 and "nowhere" in unknown.json()["detail"]


async def test_provider_outage_and_rate_limits_surface_as_503_and_429(make_client) -> None:  # type: ignore[no-untyped-def]
    script = Script()
    with LoopbackServer(openai_app(script)) as url:
        client = await make_client(openai_base_url=url + "/v1", llm_max_retries=0)
        owner = await sign_up(client, "dev@example.com")
        headers = {"Authorization": f"Bearer {(await mint_key(client, owner, ['chat']))['key']}"}
        body = {"model": "openai/fake-gpt", "messages": [{"role": "user", "content": "x"}]}

        ok = await client.post("/v1/chat/completions", headers=headers, json=body)
        assert ok.json()["choices"][0]["message"]["content"] == script.reply

        script.faults = [Fault(status=429, retry_after="12")]
        limited = await client.post("/v1/chat/completions", headers=headers, json=body)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "12"
        assert "openai" in limited.json()["detail"]

        script.faults = [Fault(status=503)]
        down = await client.post("/v1/chat/completions", headers=headers, json=body)
        assert down.status_code == 503
        assert down.headers["content-type"].startswith("application/problem+json")
        assert "LLM provider 'openai'" in down.json()["detail"]

        # Streaming: the failure comes before any token, so it is still a proper status, not an event.
        script.faults = [Fault(status=503)]
        chat = await client.post("/api/v1/chat/sessions", headers=headers, json={"model": "openai/fake-gpt"})
        streamed = await client.post(f"/api/v1/chat/sessions/{chat.json()['id']}/messages", headers=headers,
                                     json={"content": "x", "stream": True})
        assert streamed.status_code == 503 and "openai" in streamed.json()["detail"]
        script.faults = [Fault(status=429, retry_after="3")]
        v1_stream = await client.post("/v1/chat/completions", headers=headers, json={**body, "stream": True})
        assert v1_stream.status_code == 429 and v1_stream.headers["retry-after"] == "3"
        # After a token has been sent, a failure can only be reported inside the stream.
        script.faults = [Fault(drop_after_tokens=1)]
        cut = await client.post("/v1/chat/completions", headers=headers, json={**body, "stream": True})
        assert cut.status_code == 200
        assert '"error"' in cut.text and cut.text.rstrip().endswith("data: [DONE]")
        messages = await client.get(f"/api/v1/chat/sessions/{chat.json()['id']}/messages", headers=headers)
        assert [m["role"] for m in messages.json()["items"]] == ["user"], "the user's message was lost"
        ready = await client.get("/ready")
        assert ready.status_code == 200


async def test_response_format_reaches_the_provider_and_metrics_count_tokens(client: httpx.AsyncClient) -> None:
    oai = await openai_client(client, ["chat"])
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    await oai.chat.completions.create(model="fake/echo", messages=[{"role": "user", "content": "json please"}],
                                      response_format={"type": "json_schema",
                                                       "json_schema": {"name": "a", "schema": schema}})
    await oai.chat.completions.create(model="fake/echo", messages=[{"role": "user", "content": "any json"}],
                                      response_format={"type": "json_object"})
    fake = client.app.state.hearth.llm.providers["fake"].inner  # type: ignore[attr-defined]
    assert [r.json_schema for r in fake.requests[-2:]] == [schema, {}]

    stream = await oai.chat.completions.create(model="fake/echo", stream=True,
                                               messages=[{"role": "user", "content": "count me"}])
    async for _ in stream:
        pass
    metrics = (await client.get("/metrics")).text
    assert 'hearth_llm_tokens_total{kind="completion",model="echo",provider="fake"}' in metrics
    assert 'hearth_llm_time_to_first_token_seconds_count{model="echo",provider="fake"} 1.0' in metrics
