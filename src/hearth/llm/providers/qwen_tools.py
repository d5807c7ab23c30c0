"""Tool calling for the bundled Qwen2.5 model in the format it was trained on: function signatures
in <tools> in the system prompt, calls as {"name", "arguments"} inside <tool_call> tags, results as
<tool_response> turns. Measured on the 0.5B model, this decides between calling and answering better
than a JSON grammar does (it answers "capital of France" itself and searches when asked to look
something up), so `tool_choice="auto"` uses it; forced calls still use the grammar."""

from __future__ import annotations

import json
import re
import uuid

from hearth.llm.messages import ChatRequest, ChatResult, Message, ToolCall
from hearth.llm.tool_emulation import lean_parameters

_GUIDE = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{signatures}\n</tools>\n\n"
    "For each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n{{\"name\": <function-name>, \"arguments\": <args-json-object>}}\n"
    "</tool_call>"
)
_CALL_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)


def messages(request: ChatRequest, offer_tools: bool) -> list[Message]:
    out: list[Message] = []
    for m in request.messages:
        if m.role == "assistant" and m.tool_calls:
            calls = "\n".join(f"<tool_call>\n{json.dumps({'name': c.name, 'arguments': c.arguments})}\n</tool_call>"
                              for c in m.tool_calls)
            out.append(Message(role="assistant", content=f"{m.content}\n{calls}".strip()))
        elif m.role == "tool":
            out.append(Message(role="user", content=f"<tool_response>\n{m.content}\n</tool_response>"))
        else:
            out.append(m)
    if offer_tools and request.tools:
        signatures = "\n".join(json.dumps({"type": "function", "function": {
            "name": t.name, "description": t.description, "parameters": lean_parameters(t.parameters)}})
            for t in request.tools)
        guide = _GUIDE.format(signatures=signatures)
        if out and out[0].role == "system":
            out[0] = Message(role="system", content=f"{out[0].content}\n\n{guide}")
        else:
            out.insert(0, Message(role="system", content=guide))
    return out


def _objects(text: str) -> list[object]:
    """JSON values in the reply: inside <tool_call> blocks or, since the tags are special tokens that
    may not be printed, the whole text or one per line."""
    blocks = _CALL_BLOCK.findall(text)
    if not blocks:
        try:
            return [json.loads(text)]
        except ValueError:
            blocks = text.splitlines()
    values = []
    for block in blocks:
        try:
            values.append(json.loads(block))
        except ValueError:
            continue
    return values


def parse(model: str, text: str) -> ChatResult:
    stripped = text.strip()
    if "<tool_call>" not in stripped and not stripped.startswith("{"):
        return ChatResult(model=model, content=text)
    calls = [ToolCall.parse(f"call_{uuid.uuid4().hex[:12]}", value["name"], value.get("arguments"))
             for value in _objects(stripped)
             if isinstance(value, dict) and isinstance(value.get("name"), str)]
    if not calls:
        return ChatResult(model=model, content=text)
    return ChatResult(model=model, tool_calls=calls, finish_reason="tool_calls")
