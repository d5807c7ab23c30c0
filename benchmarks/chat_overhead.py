"""What Hearth adds to a chat turn, side by side in one run against the same wire-level fake
OpenAI server on loopback:

  raw provider      POST /v1/chat/completions straight to the fake
  hearth /v1        the same call through Hearth's OpenAI-compatible route (auth, resilience, accounting)
  hearth session    a persisted chat turn (/api/v1/chat/sessions/{id}/messages: context window,
                    two message rows, usage upsert)

Usage: .venv/bin/python benchmarks/chat_overhead.py [--turns 300]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from hearth.api.app import create_app
from hearth.core.logging import configure_logging
from hearth.core.settings import load_settings
from hearth.llm.wire_fakes import LoopbackServer, Script, openai_app


def measure(turns: int, call: Callable[[], httpx.Response]) -> list[float]:
    for _ in range(10):  # warm-up
        call().raise_for_status()
    times = []
    for _ in range(turns):
        began = time.perf_counter()
        call().raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    return times


def row(name: str, times: list[float], baseline: list[float] | None) -> str:
    times = sorted(times)
    p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
    extra = f"   +{p50 - statistics.median(baseline):6.2f} ms p50" if baseline else ""
    return f"{name:<16} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms{extra}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    body = {"model": "fake-gpt", "messages": [{"role": "user", "content": "hello"}]}
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer(openai_app(Script())) as fake_url:
        settings = load_settings(data_dir=Path(tmp), openai_base_url=fake_url + "/v1", llm_provider="local",
                                 chat_model="openai/fake-gpt", rate_limit_per_principal="1000000/minute",
                                 chat_generate_titles=False, log_level="WARNING")
        with LoopbackServer(create_app(settings), lifespan="on") as hearth_url, httpx.Client(timeout=30) as http:
            http.post(f"{hearth_url}/api/v1/auth/register", json={"email": "b@example.com", "password": "bench pass 1"})
            token = http.post(f"{hearth_url}/api/v1/auth/login",
                              json={"email": "b@example.com", "password": "bench pass 1"}).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            key = http.post(f"{hearth_url}/api/v1/api-keys", headers=auth,
                            json={"name": "bench", "scopes": ["chat"]}).json()["key"]
            keyed = {"Authorization": f"Bearer {key}"}
            session = http.post(f"{hearth_url}/api/v1/chat/sessions", headers=keyed, json={}).json()["id"]

            raw = measure(args.turns, lambda: http.post(f"{fake_url}/v1/chat/completions", json=body))
            v1 = measure(args.turns, lambda: http.post(f"{hearth_url}/v1/chat/completions", headers=keyed,
                                                       json={**body, "model": "openai/fake-gpt"}))
            turn = measure(args.turns, lambda: http.post(f"{hearth_url}/api/v1/chat/sessions/{session}/messages",
                                                         headers=keyed, json={"content": "hello"}))
    print(f"chat turn latency, {args.turns} sequential turns, SQLite, fake provider on loopback")
    print(row("raw provider", raw, None))
    print(row("hearth /v1", v1, raw))
    print(row("hearth session", turn, raw))


if __name__ == "__main__":
    main()
