"""How well the bundled 0.5B model decides to call a tool, by prompt format, side by side:

- `grammar`: tools described in the system prompt, the reply constrained by a JSON grammar to a call
  or an answer (how Hearth emulates tools for models without native support);
- `qwen`: the Qwen2.5 tool format the model was trained on (what the bundled provider uses for "auto");
- `first`: a required call on the first step (`tool_use: "first"`), grammar-constrained.

A case is right when the model calls the expected tool, or answers without a tool when none is
expected. Run: `.venv/bin/python benchmarks/agent_tools.py`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from hearth.agents.loop import UNTRUSTED_NOTE
from hearth.agents.tools import calculator, kb_search
from hearth.core.settings import load_settings
from hearth.llm.messages import ChatRequest, Message
from hearth.llm.providers.local import LocalProvider
from hearth.llm.tool_emulation import emulated_chat

SYSTEM = ("You are a helpful assistant. Use the calculator for arithmetic and kb_search to look up facts in "
          f"the user's documents, then answer briefly.\n\n{UNTRUSTED_NOTE}")
CASES = [
    ("What is 17*23?", "calculator"), ("How much is 1234 + 4321?", "calculator"),
    ("What is 48 divided by 6?", "calculator"), ("What is 3 to the power of 7?", "calculator"),
    ("Search my documents: what is the name of the project's mascot?", "kb_search"),
    ("What is the mascot of the project according to my notes?", "kb_search"),
    ("What does our handbook say about office plants?", "kb_search"),
    ("Look up the travel expense policy in my files.", "kb_search"),
    ("What is the capital of France?", None), ("Tell me a joke.", None),
    ("Write a haiku about rain.", None), ("Say hello in Spanish.", None),
]


class NoNativeTools:
    """The bundled provider seen as a model without tool support, so `emulated_chat` drives it."""

    def __init__(self, inner: LocalProvider) -> None:
        self.inner = inner

    async def chat(self, request: ChatRequest):  # type: ignore[no-untyped-def]
        return await self.inner.chat(request)


async def main() -> None:
    provider = LocalProvider(load_settings().model_files_dir)
    tools = [calculator.TOOL.spec(), kb_search.TOOL.spec()]
    modes = {
        "grammar": lambda r: emulated_chat(NoNativeTools(provider), r),  # type: ignore[arg-type]
        "qwen": provider.chat,
        "first": lambda r: provider.chat(r.model_copy(update={"tool_choice": "required"})),
    }
    print(f"{'case':58s} {'expected':10s} " + " ".join(f"{m:10s}" for m in modes))
    right = dict.fromkeys(modes, 0)
    began = time.perf_counter()
    for question, expected in CASES:
        row = []
        for mode, call in modes.items():
            request = ChatRequest(model="qwen", tools=tools, max_tokens=160, messages=[
                Message(role="system", content=SYSTEM), Message(role="user", content=question)])
            result = await call(request)
            got = result.tool_calls[0].name if result.tool_calls else None
            right[mode] += got == expected
            row.append(f"{(got or '-') + (' ✓' if got == expected else ' ✗'):10s}")
        print(f"{question[:58]:58s} {expected or '-':10s} " + " ".join(row))
    print(f"{'right':69s} " + " ".join(f"{right[m]:>2d}/{len(CASES):<7d}" for m in modes))
    print(f"({time.perf_counter() - began:.0f} s)")
    await provider.close()


if __name__ == "__main__":
    asyncio.run(main())
