"""Run the real `hearth` command as a child process on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HEARTH = str(Path(sys.executable).with_name("hearth"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hearth_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env.update({"HEARTH_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **extra})
    return env


def run_cli(*args: str, cwd: Path, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HEARTH, *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


class HearthProcess:
    """A `hearth` subcommand as a child process, its output in a log file."""

    def __init__(self, cwd: Path, env: dict[str, str], args: list[str], name: str) -> None:
        self.log_path = cwd / f"{name}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen([HEARTH, *args], cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log_events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs().splitlines() if line.startswith("{")]

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout_s: float = 40) -> int:
        return self.proc.wait(timeout=timeout_s)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def logs(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()


class WorkerProcess(HearthProcess):
    def __init__(self, cwd: Path, env: dict[str, str], name: str) -> None:
        super().__init__(cwd, env, ["worker"], name)

    def worker_id(self, timeout_s: float = 30) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            started = [e for e in self.log_events() if e.get("event") == "worker started"]
            if started:
                return started[0]["worker_id"]
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.logs()}")
            time.sleep(0.1)
        raise TimeoutError(self.logs())


class ServerProcess(HearthProcess):
    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(cwd, env, ["serve", "--host", "127.0.0.1", "--port", str(self.port)], f"server-{self.port}")

    def wait_healthy(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError(f"server not healthy after {timeout_s}s:\n{self.logs()}")

    def __enter__(self) -> ServerProcess:
        self.wait_healthy()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def signed_up(http: httpx.Client, email: str = "a@example.com", password: str = "pass word 123") -> dict[str, str]:
    """Register on a fresh server (`http` is based at /api/v1) and sign in; the bearer headers."""
    assert http.post("/auth/register", json={"email": email, "password": password}).status_code == 201
    token = http.post("/auth/login", json={"email": email, "password": password}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def wait_for_port(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout_s:g} s")
