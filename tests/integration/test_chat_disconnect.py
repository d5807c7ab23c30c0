"""A client that hangs up mid-stream: the reply produced so far is still saved, marked partial, and
the session can be resumed."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.support.server import ServerProcess, hearth_env, signed_up

REPO_ROOT = str(Path(__file__).resolve().parents[2])


def test_disconnect_mid_stream_saves_a_partial_reply(tmp_path: Path) -> None:
    env = hearth_env(tmp_path / "data", PYTHONPATH=REPO_ROOT, HEARTH_PLUGINS='["tests.support.llm_plugin"]',
                     HEARTH_CHAT_MODEL="slow/echo", HEARTH_LLM_PROVIDER="local")
    with ServerProcess(tmp_path, env) as server, httpx.Client(base_url=server.url + "/api/v1", timeout=30) as http:
        headers = signed_up(http)
        session = http.post("/chat/sessions", headers=headers, json={}).json()
        url = f"/chat/sessions/{session['id']}/messages"

        deltas = 0
        with http.stream("POST", url, headers=headers, json={"content": "long: story", "stream": True}) as stream:
            for line in stream.iter_lines():
                if line.startswith("event: delta"):
                    deltas += 1
                if deltas == 3:
                    break  # hang up after three words of sixty
        assert deltas == 3

        saved = None
        for _ in range(100):
            items = http.get(url, headers=headers).json()["items"]
            saved = next((m for m in items if m["role"] == "assistant"), None)
            if saved:
                break
            time.sleep(0.1)
        assert saved is not None, "the partial reply was not saved"
        assert saved["partial"] is True
        words = saved["content"].split()
        assert 3 <= len(words) < 60 and words[0] == "word0"
        after = http.get(f"/chat/sessions/{session['id']}", headers=headers).json()
        assert after["status"] == "resumable"

        again = http.post(url, headers=headers, json={"content": "continue"})
        assert again.status_code == 200 and again.json()["content"] == "echo: continue"
        assert http.get(f"/chat/sessions/{session['id']}", headers=headers).json()["status"] == "active"
