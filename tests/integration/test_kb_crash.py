"""`kill -9` of the real server while it ingests 300 documents: after a restart every document ends
`indexed` exactly once, and neither the database nor the index holds a duplicate chunk."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from hearth.core.settings import load_settings
from hearth.db.engine import create_engine
from hearth.rag.index.embedded import EmbeddedIndex
from hearth.rag.index.qdrant import QdrantIndex
from tests.support.server import ServerProcess, hearth_env, signed_up

pytestmark = pytest.mark.slow
DOCUMENTS = 300
WORDS = ("river", "granite", "lantern", "orchard", "harbor", "meadow", "copper", "falcon", "glacier", "willow")


def document(i: int) -> bytes:
    # About three chunks each, so the ingestion lasts long enough to be interrupted half-way.
    sentences = [f"Record {i} sentence {j} mentions the {WORDS[(i + j) % 10]} near the {WORDS[(i * j) % 10]}."
                 for j in range(45)]
    return f"# Record {i}\n\n{' '.join(sentences)}\n".encode()


def wait_for(predicate, timeout_s: float = 180) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize("store", ["embedded", "qdrant"])
def test_kill_minus_nine_mid_ingest_indexes_every_document_once(tmp_path: Path, store: str) -> None:
    data = tmp_path / "data"
    env = hearth_env(data, HEARTH_VECTOR_STORE=store, HEARTH_JOB_LEASE_S="2", HEARTH_JOB_POLL_INTERVAL_S="0.1")
    first = ServerProcess(tmp_path, env)
    first.wait_healthy()
    http = httpx.Client(base_url=first.url + "/api/v1", timeout=60)
    headers = signed_up(http)
    coll = http.post("/kb/collections", headers=headers, json={"name": "records"}).json()["id"]
    accepted = http.post(f"/kb/collections/{coll}/documents", headers=headers,
                         files=[("files", (f"record-{i}.md", document(i))) for i in range(DOCUMENTS)])
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]

    def progress() -> int:
        return http.get(f"/jobs/{job_id}", headers=headers).json()["progress"]["done"]

    wait_for(lambda: progress() >= 60)
    first.signal(signal.SIGKILL)
    first.wait()
    first.stop()
    http.close()
    interrupted = _document_states(data)
    assert interrupted.get("indexed", 0) < DOCUMENTS, "the kill came too late to interrupt the ingestion"

    with ServerProcess(tmp_path, env) as second, httpx.Client(base_url=second.url + "/api/v1", timeout=60) as http:
        wait_for(lambda: http.get(f"/jobs/{job_id}", headers=headers).json()["state"] == "succeeded")
        hit = http.post("/kb/search", headers=headers, json={"query": "Record 299", "collection_ids": [coll],
                                                             "mode": "keyword"}).json()["results"][0]
        assert hit["filename"] == "record-299.md"

    assert _document_states(data) == {"indexed": DOCUMENTS}
    chunks = _chunks(data)
    assert len(chunks) == len({c for _, c in chunks}) >= DOCUMENTS * 2
    index_ids = asyncio.run(_indexed_chunk_ids(data, store, coll))
    assert len(index_ids) == len(set(index_ids)), "the index holds a chunk twice"
    assert set(index_ids) == {c for _, c in chunks}


def _query(data: Path, sql: str) -> list[tuple]:
    async def run() -> list[tuple]:
        engine = create_engine(load_settings(data_dir=data))
        try:
            async with engine.connect() as conn:
                return [tuple(row) for row in (await conn.execute(text(sql))).all()]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _document_states(data: Path) -> dict[str, int]:
    return dict(_query(data, "SELECT status, COUNT(*) FROM kb_documents GROUP BY status"))  # type: ignore[arg-type]


def _chunks(data: Path) -> list[tuple]:
    return _query(data, "SELECT document_id, id FROM kb_chunks")


async def _indexed_chunk_ids(data: Path, store: str, collection_id: str) -> list[str]:
    index = EmbeddedIndex(data / "index", 384) if store == "embedded" else QdrantIndex(384, path=data / "qdrant")
    try:
        return await index.chunk_ids(collection_id)
    finally:
        await index.close()
