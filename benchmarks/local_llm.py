"""Decode speed of the bundled model, side by side in one run:

  llama-cpp-python   the library called directly (same file, threads and context as Hearth)
  hearth /v1         streamed through Hearth's OpenAI-compatible route over loopback HTTP

Decode tok/s counts streamed tokens after the first one, over the time after the first one, so
prompt processing is reported separately as time to first token.
Usage: .venv/bin/python benchmarks/local_llm.py [--runs 3] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from hearth.core.logging import configure_logging
from hearth.core.settings import load_settings
from hearth.llm import bundled

PROMPT = [{"role": "user", "content": "Write a short story about a lighthouse keeper and a storm."}]


def direct(model_file: Path, runs: int, max_tokens: int, context: int) -> list[tuple[float, float]]:
    from llama_cpp import Llama

    llama = Llama(model_path=str(model_file), n_ctx=context, n_threads=os.cpu_count(), verbose=False)
    results = []
    for _ in range(runs):
        began = time.perf_counter()
        first = None
        tokens = 0
        for chunk in llama.create_chat_completion(PROMPT, max_tokens=max_tokens, temperature=0.0, stream=True):
            if chunk["choices"][0]["delta"].get("content"):
                tokens += 1
                first = first or time.perf_counter()
        end = time.perf_counter()
        results.append((first - began, (tokens - 1) / (end - first)))  # type: ignore[operator]
    llama.close()
    return results


def through_api(url: str, key: str, runs: int, max_tokens: int) -> list[tuple[float, float]]:
    results = []
    body = {"model": "local/qwen2.5-0.5b-instruct", "messages": PROMPT, "max_tokens": max_tokens,
            "temperature": 0.0, "stream": True}
    with httpx.Client(timeout=300) as http:
        for _ in range(runs):
            began = time.perf_counter()
            first = None
            tokens = 0
            with http.stream("POST", f"{url}/v1/chat/completions", json=body,
                             headers={"Authorization": f"Bearer {key}"}) as response:
                for line in response.iter_lines():
                    if not line.startswith("data: {"):
                        continue
                    choices = json.loads(line[6:]).get("choices") or [{}]
                    if choices[0].get("delta", {}).get("content"):
                        tokens += 1
                        first = first or time.perf_counter()
            end = time.perf_counter()
            results.append((first - began, (tokens - 1) / (end - first)))  # type: ignore[operator]
    return results


@contextmanager
def serve(data_dir: Path, models_dir: Path) -> Iterator[str]:
    """`hearth serve` as its own process, as users run it (not sharing this process's GIL)."""
    port = free_port()
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir), "HEARTH_MODELS_DIR": str(models_dir),
           "HEARTH_LLM_PROVIDER": "local", "HEARTH_LOG_LEVEL": "WARNING", "HEARTH_CHAT_GENERATE_TITLES": "false"}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("hearth")), "serve", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(name: str, results: list[tuple[float, float]]) -> str:
    ttft = statistics.median(r[0] for r in results) * 1000
    tps = statistics.median(r[1] for r in results)
    return f"{name:<18} decode {tps:6.1f} tok/s   time to first token {ttft:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), llm_provider="local", log_level="WARNING",
                                 chat_generate_titles=False)
        model_file = bundled.ensure_model_file(settings.model_files_dir)
        raw = direct(model_file, args.runs, args.max_tokens, settings.local_llm_context)
        with serve(Path(tmp), settings.model_files_dir) as url, httpx.Client(timeout=60) as http:
            http.post(f"{url}/api/v1/auth/register", json={"email": "b@example.com", "password": "bench pass 1"})
            token = http.post(f"{url}/api/v1/auth/login",
                              json={"email": "b@example.com", "password": "bench pass 1"}).json()["access_token"]
            key = http.post(f"{url}/api/v1/api-keys", headers={"Authorization": f"Bearer {token}"},
                            json={"name": "bench", "scopes": ["chat"]}).json()["key"]
            through_api(url, key, 1, 8)  # load the model before timing
            api = through_api(url, key, args.runs, args.max_tokens)
    print(f"bundled model, {args.max_tokens} tokens max, median of {args.runs} runs")
    print(report("llama-cpp-python", raw))
    print(report("hearth /v1", api))


if __name__ == "__main__":
    main()
