"""Steps that ask a model: `llm` (one prompt), `agent` (a run of a saved agent, traced like any other),
`kb_ask` (an answer from the caller's knowledge base, with citations)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from hearth.core.errors import HearthError
from hearth.core.scopes import Principal, Scope
from hearth.llm.messages import ChatRequest, Message
from hearth.services.usage import UsageRecorder
from hearth.workflows.kinds.base import Params, StepContext, StepError, StepKind
from hearth.workflows.templates import is_template

if TYPE_CHECKING:
    from hearth.runtime import Runtime


class LlmParams(Params):
    prompt: Annotated[str, Field(min_length=1, max_length=200_000)]
    system: Annotated[str | None, Field(max_length=50_000)] = None
    model: Annotated[str | None, Field(max_length=200, description="provider/model; the default model when omitted")] = None
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.2
    max_tokens: Annotated[int, Field(ge=1, le=8192)] = 512


async def run_llm(ctx: StepContext, p: LlmParams) -> dict[str, Any]:
    provider, name, full = await ctx.runtime.llm.resolve(p.model)
    messages = [Message(role="system", content=p.system)] if p.system else []
    messages.append(Message(role="user", content=p.prompt))
    result = await provider.chat(ChatRequest(model=name, messages=messages, temperature=p.temperature,
                                             max_tokens=p.max_tokens))
    await UsageRecorder(ctx.runtime.sessions).record(ctx.principal.user_id, full, result.usage)
    return {"text": result.content.strip(), "model": full}


async def verify_llm(runtime: Runtime, _principal: Principal, p: LlmParams) -> list[str]:
    if p.model and not is_template(p.model):
        try:
            runtime.llm.split(p.model)
        except HearthError as exc:
            return [f"model: {exc.detail}"]
    return []


class AgentParams(Params):
    agent_id: Annotated[str, Field(min_length=1, max_length=200)]
    input: Annotated[str, Field(min_length=1, max_length=100_000)]


async def run_agent(ctx: StepContext, p: AgentParams) -> dict[str, Any]:
    from hearth.services.agent_runs import AgentRunService

    service = AgentRunService(ctx.runtime)
    run, agent = await service.create(ctx.principal, p.agent_id, p.input)
    outcome = await service.execute(run, agent, ctx.principal)
    if outcome.output is None:
        raise StepError(f"agent run {run.id} ended {outcome.status} ({outcome.stop_reason}): {outcome.error or 'no answer'}")
    return {"text": outcome.output, "run_id": run.id, "status": outcome.status, "stop_reason": outcome.stop_reason}


async def verify_agent(runtime: Runtime, principal: Principal, p: AgentParams) -> list[str]:
    from hearth.services.agents import AgentService

    if is_template(p.agent_id):
        return []
    try:
        await AgentService(runtime.sessions, runtime.tools, runtime.llm, runtime.settings).get(principal, p.agent_id)
    except HearthError:
        return [f"agent_id: you have no agent {p.agent_id!r}"]
    return []


class KbAskParams(Params):
    question: Annotated[str, Field(min_length=1, max_length=4000)]
    collection_ids: Annotated[list[str], Field(min_length=1, max_length=20)]
    top_k: Annotated[int, Field(ge=1, le=20)] = 5
    model: Annotated[str | None, Field(max_length=200)] = None


async def run_kb_ask(ctx: StepContext, p: KbAskParams) -> dict[str, Any]:
    from hearth.services.kb import KnowledgeService
    from hearth.services.kb_answers import KnowledgeAnswerService

    rt = ctx.runtime
    kb = KnowledgeService(rt.sessions, rt.kb, rt.jobs, rt.settings, rt.llm)
    answers = KnowledgeAnswerService(kb, rt.llm, rt.settings, UsageRecorder(rt.sessions))
    prepared = await answers.prepare(ctx.principal, p.question, p.collection_ids, p.top_k, p.model, None)
    return await answers.answer(prepared)


KINDS = [
    StepKind("llm", "One prompt to a language model; output {text, model}.", LlmParams, run_llm,
             output_fields=frozenset({"text", "model"}), verify=verify_llm, scope=Scope.CHAT),
    StepKind("agent", "A run of one of your agents; output {text, run_id, status, stop_reason}.", AgentParams,
             run_agent, output_fields=frozenset({"text", "run_id", "status", "stop_reason"}), verify=verify_agent,
             scope=Scope.AGENTS),
    StepKind("kb_ask", "An answer from your knowledge base with citations.", KbAskParams, run_kb_ask,
             output_fields=frozenset({"answer", "grounded", "model", "citations", "sources", "latency_ms"}),
             verify=verify_llm, scope=Scope.KB_READ),
]
