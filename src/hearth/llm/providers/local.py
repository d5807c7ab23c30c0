"""The bundled model on llama.cpp. One shared instance, loaded lazily on first use, run in a worker
thread; callers queue for it (bounded) instead of crashing it with concurrent calls. Embeddings come
from the bundled MiniLM embedder."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from hearth.core.errors import Unavailable
from hearth.llm import bundled
from hearth.llm.messages import Capabilities, ChatRequest, ChatResult, Message, ModelInfo, StreamDelta, Usage
from hearth.llm.provider import ProviderError
from hearth.llm.providers import qwen_tools
from hearth.llm.tool_emulation import parse_reply, prompt_messages, reply_schema
from hearth.rag.embedders.minilm import MiniLMEmbedder

# Chat-template tokens around each message (<|im_start|>role\n ... <|im_end|>\n).
TEMPLATE_TOKENS_PER_MESSAGE = 5
_DONE = object()


class LocalProvider:
    name = "local"

    def __init__(self, models_dir: Path, *, context_length: int = 4096, threads: int | None = None,
                 max_waiting: int = 16, embedder: MiniLMEmbedder | None = None,
                 model_file: Callable[[], Path] | None = None) -> None:
        self.context_length = context_length
        # llama.cpp defaults to half the cores; decoding here is compute-bound, so use them all.
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.max_waiting = max_waiting
        self.embedder = embedder or MiniLMEmbedder()
        self._model_file = model_file or (lambda: bundled.ensure_model_file(models_dir))
        self._llama: Any = None
        self._load_lock = threading.Lock()
        self._turn = asyncio.Semaphore(1)
        self._waiting = 0

    # -- model lifecycle -------------------------------------------------------------------
    def _load(self) -> Any:
        with self._load_lock:
            if self._llama is None:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise ProviderError(self.name, "llama-cpp-python is not installed") from exc
                path = self._model_file()
                self._llama = Llama(model_path=str(path), n_ctx=self.context_length, n_threads=self.threads,
                                    verbose=False)
            return self._llama

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    async def _acquire(self) -> None:
        if self._waiting >= self.max_waiting:
            raise ProviderError(self.name, f"the bundled model is busy ({self._waiting} requests waiting)",
                                retryable=True, retry_after=2)
        self._waiting += 1
        try:
            await self._turn.acquire()
        finally:
            self._waiting -= 1

    # -- protocol --------------------------------------------------------------------------
    async def list_models(self) -> list[ModelInfo]:
        return [
            ModelInfo(id=f"{self.name}/{bundled.MODEL_NAME}", provider=self.name, name=bundled.MODEL_NAME,
                      capabilities=Capabilities(tools=True, context_length=self.context_length)),
            ModelInfo(id=f"{self.name}/{self.embedder.model_id}", provider=self.name, name=self.embedder.model_id,
                      capabilities=Capabilities(chat=False, embedding=True, context_length=256)),
        ]

    def _completion_args(self, request: ChatRequest) -> dict[str, Any]:
        if request.tools and request.tool_choice not in ("auto", "none"):
            # A call is required: the JSON grammar guarantees one.
            prompt = prompt_messages(request)
        else:
            prompt = qwen_tools.messages(request, offer_tools=request.tool_choice == "auto")
        args: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in prompt],
            "temperature": 0.2 if request.temperature is None else request.temperature,
            "max_tokens": request.max_tokens or 512,
            "stop": request.stop or None,
        }
        if request.tools:
            args["temperature"] = 0.0 if request.temperature is None else request.temperature
        if request.tools and request.tool_choice not in ("auto", "none"):
            args["response_format"] = {"type": "json_object", "schema": reply_schema(request.tools, request.tool_choice)}
        elif request.json_schema is not None:
            args["response_format"] = ({"type": "json_object", "schema": request.json_schema}
                                       if request.json_schema else {"type": "json_object"})
        return args

    async def chat(self, request: ChatRequest) -> ChatResult:
        await self._acquire()
        try:
            raw = await asyncio.to_thread(lambda: self._load().create_chat_completion(**self._completion_args(request)))
        finally:
            self._turn.release()
        choice = raw["choices"][0]
        text = choice["message"].get("content") or ""
        usage = Usage(prompt_tokens=raw["usage"]["prompt_tokens"], completion_tokens=raw["usage"]["completion_tokens"])
        if request.tools and request.tool_choice == "auto":
            result = qwen_tools.parse(request.model, text)
        elif request.tools and request.tool_choice != "none":
            result = parse_reply(request.model, text, f"call_{uuid.uuid4().hex[:12]}")
        else:
            result = ChatResult(model=request.model, content=text,
                                finish_reason="length" if choice.get("finish_reason") == "length" else "stop")
        result.usage = usage
        return result

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamDelta]:
        if request.tools:
            # A reply that may be a tool call is only useful whole: produce it, then hand it over.
            result = await self.chat(request)
            if result.content:
                yield StreamDelta(content=result.content)
            yield StreamDelta(tool_calls=result.tool_calls, finish_reason=result.finish_reason, usage=result.usage)
            return
        await self._acquire()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()
        worker = loop.run_in_executor(None, self._generate, request, queue, loop, stop)
        try:
            completion = 0
            finish = "stop"
            while (item := await queue.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise ProviderError(self.name, "the bundled model failed while generating") from item
                choice = item["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                finish = "length" if choice.get("finish_reason") == "length" else finish
                if text:
                    completion += 1
                    yield StreamDelta(content=text)
            prompt = await self.count_tokens(request.model, prompt_messages(request))
            yield StreamDelta(finish_reason=finish, usage=Usage(prompt_tokens=prompt, completion_tokens=completion))
        finally:
            stop.set()  # the caller went away or we finished: let the thread stop decoding
            try:
                await asyncio.shield(worker)
            finally:
                self._turn.release()

    def _generate(self, request: ChatRequest, queue: asyncio.Queue[Any], loop: asyncio.AbstractEventLoop,
                  stop: threading.Event) -> None:
        try:
            for chunk in self._load().create_chat_completion(stream=True, **self._completion_args(request)):
                if stop.is_set():
                    break
                loop.call_soon_threadsafe(queue.put_nowait, chunk)
        except Exception as exc:  # handed to the consumer, which turns it into a ProviderError
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        vectors = await asyncio.to_thread(self.embedder.embed, texts)
        return vectors.tolist()

    async def count_tokens(self, model: str, messages: list[Message]) -> int:
        def count() -> int:
            llama = self._load()
            return sum(len(llama.tokenize(m.content.encode("utf-8"), add_bos=False, special=False))
                       + TEMPLATE_TOKENS_PER_MESSAGE for m in messages)

        return await asyncio.to_thread(count)

    async def check(self) -> tuple[bool, str]:
        try:
            bundled.part_paths()
            import llama_cpp  # noqa: F401
        except (Unavailable, ImportError) as exc:
            return False, str(getattr(exc, "detail", "llama-cpp-python is not installed"))
        return True, "loaded" if self.loaded else "available (loads on first use)"

    async def close(self) -> None:
        if self._llama is not None:
            self._llama.close()
            self._llama = None
