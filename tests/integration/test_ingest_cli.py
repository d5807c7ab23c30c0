"""`hearth ingest PATH... --collection NAME`, run as users run it: files and directories into a
collection through the ingestion job, a failed file reported without stopping the rest, and the
result searchable through the server afterwards."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.server import ServerProcess, hearth_env, run_cli

PASSWORD = "pass word 123"


def test_ingest_walks_directories_reports_failures_and_feeds_search(tmp_path: Path) -> None:
    env = hearth_env(tmp_path / "data")
    docs = tmp_path / "docs"
    (docs / "nested").mkdir(parents=True)
    (docs / "volcanoes.md").write_text("# Volcanoes\n\nBasalt lava flows from shield volcanoes in Hawaii.\n")
    (docs / "nested" / "bees.txt").write_text("Honey bees pollinate almond orchards every spring.")
    (docs / "nested" / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj garbage")
    (docs / ".hidden.txt").write_text("not meant to be ingested")
    single = tmp_path / "chess.html"
    single.write_text("<html><body><h1>Chess</h1><p>The Queen's Gambit is an opening.</p></body></html>")

    created = run_cli("users", "create", "a@example.com", "--password-stdin", cwd=tmp_path, env=env, stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    result = run_cli("ingest", str(docs), str(single), "--collection", "library", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "collection library" in result.stdout and "1 failed, 3 indexed" in result.stdout
    assert "failed broken.pdf" in result.stderr

    again = run_cli("ingest", str(docs), "--collection", "library", "--user", "a@example.com", cwd=tmp_path, env=env)
    assert again.returncode == 0 and "3 skipped" in again.stdout, again.stdout

    with ServerProcess(tmp_path, env) as server, httpx.Client(base_url=server.url + "/api/v1", timeout=30) as http:
        token = http.post("/auth/login", json={"email": "a@example.com", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        [library] = http.get("/kb/collections", headers=headers).json()["items"]
        assert library["name"] == "library"
        found = http.post("/kb/search", headers=headers, json={"query": "almond pollination",
                                                               "collection_ids": [library["id"]]}).json()
        assert found["results"][0]["filename"] == "bees.txt"
        names = {d["filename"] for d in http.get(f"/kb/collections/{library['id']}/documents",
                                                  headers=headers).json()["items"]}
        assert names == {"volcanoes.md", "bees.txt", "broken.pdf", "chess.html"}


def test_ingest_without_a_named_owner_or_existing_path_explains_itself(tmp_path: Path) -> None:
    env = hearth_env(tmp_path / "data")
    missing = run_cli("ingest", str(tmp_path / "nope"), "--collection", "c", cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    (tmp_path / "a.txt").write_text("hello")
    for email in ("a@example.com", "b@example.com"):
        run_cli("users", "create", email, "--password-stdin", cwd=tmp_path, env=env, stdin=PASSWORD)
    ambiguous = run_cli("ingest", str(tmp_path / "a.txt"), "--collection", "c", cwd=tmp_path, env=env)
    assert ambiguous.returncode == 1 and "--user" in ambiguous.stderr
