"""Token counting when a provider has no tokenizer of its own (Ollama, OpenAI-compatible servers,
the fake): a deliberately pessimistic estimate of one token per three UTF-8 bytes plus a few tokens of
chat-template overhead per message, so a context window is never overrun by an under-count."""

from __future__ import annotations

from hearth.llm.messages import Message

PER_MESSAGE_OVERHEAD = 4


def estimate_text_tokens(text: str) -> int:
    return -(-len(text.encode("utf-8")) // 3)


def estimate_tokens(messages: list[Message]) -> int:
    total = 0
    for message in messages:
        total += PER_MESSAGE_OVERHEAD + estimate_text_tokens(message.content)
        for call in message.tool_calls:
            total += estimate_text_tokens(call.name) + estimate_text_tokens(str(call.arguments))
    return total
