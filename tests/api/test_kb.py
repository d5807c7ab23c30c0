"""The knowledge base over the API: uploads of every type, ingestion jobs, search modes, filters,
hostile files and isolation. Uses the real bundled embedder."""

from __future__ import annotations

import httpx

from tests.support.clients import mint_key, sign_up
from tests.support.files import docx_bytes, docx_zip_bomb, encrypted_pdf_bytes, pdf_bytes
from tests.support.isolation import assert_hidden_from, assert_list_excludes
from tests.support.kb import API, MARKDOWN, client, collection, finished, search, upload  # noqa: F401  (client: both index backends)

HTML = (b"<!doctype html><html><head><style>.x{}</style><script>var tracking=1;</script></head><body>"
        b"<nav>Home | About</nav><h1>Astronomy</h1><p>Jupiter is the largest planet in the solar system.</p>"
        b"<footer>copyright</footer></body></html>")


async def test_every_type_is_ingested_and_searchable_in_every_mode(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    coll = await collection(client, alice)
    accepted = await upload(client, alice.headers, coll, [
        ("cooking.md", MARKDOWN), ("space.html", HTML), ("guide.docx", docx_bytes()),
        ("report.pdf", pdf_bytes(["Quarterly revenue grew by twelve percent", "Headcount stayed flat"])),
        ("plain.txt", "Café notes: the espresso machine is descaled every Friday.".encode("latin-1")),
    ], metadata='{"team": "ops", "year": 2024}')
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert [d["status"] for d in body["documents"]] == ["queued"] * 5
    job = await finished(client, alice.headers, body["job_id"])
    assert job["state"] == "succeeded" and job["progress"]["done"] == job["progress"]["total"] == 5

    listed = (await client.get(f"{API}/kb/collections/{coll}/documents", headers=alice.headers)).json()["items"]
    types = {d["filename"]: (d["status"], d["detected_type"]) for d in listed}
    assert types == {"cooking.md": ("indexed", "markdown"), "space.html": ("indexed", "html"),
                     "guide.docx": ("indexed", "docx"), "report.pdf": ("indexed", "pdf"),
                     "plain.txt": ("indexed", "text")}

    for mode in ("keyword", "dense", "hybrid"):
        found = (await search(client, alice.headers, "how long does sourdough dough rise", [coll], mode=mode)).json()
        top = found["results"][0]
        assert top["filename"] == "cooking.md", (mode, found)
        assert top["heading_path"] == ["Cooking", "Bread"] and top["metadata"] == {"team": "ops", "year": 2024}

    space = (await search(client, alice.headers, "largest planet", [coll])).json()["results"][0]
    assert space["filename"] == "space.html" and "tracking" not in space["text"] and "Home" not in space["text"]
    pdf = (await search(client, alice.headers, "headcount", [coll], mode="keyword")).json()["results"][0]
    assert pdf["filename"] == "report.pdf" and pdf["page"] == 2
    hotel = (await search(client, alice.headers, "hotel limit per night", [coll])).json()["results"][0]
    assert hotel["filename"] == "guide.docx" and "180 euros" in hotel["text"]
    assert hotel["heading_path"] == ["Onboarding guide", "Expenses"]
    cafe = (await search(client, alice.headers, "espresso machine", [coll])).json()["results"][0]
    assert "Café" in cafe["text"]

    doc_id = pdf["document_id"]
    chunks = (await client.get(f"{API}/kb/documents/{doc_id}/chunks", headers=alice.headers)).json()
    assert [c["page"] for c in chunks] == [1, 2] or [c["page"] for c in chunks] == [1]


async def test_filters_duplicates_and_deletion(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    coll = await collection(client, alice)
    first = await upload(client, alice.headers, coll, [("a.txt", b"Penguins live in Antarctica.")], metadata='{"year": 2020}')
    second = await upload(client, alice.headers, coll, [("b.txt", b"Penguins swim fast in cold water.")],
                          metadata='{"year": 2023, "tag": "swim"}')
    for response in (first, second):
        await finished(client, alice.headers, response.json()["job_id"])

    def names(response: httpx.Response) -> list[str]:
        return [r["filename"] for r in response.json()["results"]]

    assert sorted(names(await search(client, alice.headers, "penguins", [coll]))) == ["a.txt", "b.txt"]
    assert names(await search(client, alice.headers, "penguins", [coll], filters={"year": {"gte": 2021}})) == ["b.txt"]
    assert names(await search(client, alice.headers, "penguins", [coll], filters={"tag": "swim"}, mode="dense")) == ["b.txt"]
    assert names(await search(client, alice.headers, "penguins", [coll], filters={"year": {"in": [2020]}},
                              mode="keyword")) == ["a.txt"]

    again = await upload(client, alice.headers, coll, [("a-copy.txt", b"Penguins live in Antarctica.")])
    assert again.json()["job_id"] is None and again.json()["documents"][0]["status"] == "skipped"
    replaced = await upload(client, alice.headers, coll, [("a-new.txt", b"Penguins live in Antarctica.")],
                            on_duplicate="replace")
    await finished(client, alice.headers, replaced.json()["job_id"])
    assert sorted(names(await search(client, alice.headers, "penguins", [coll]))) == ["a-new.txt", "b.txt"]

    b_id = next(r["document_id"] for r in (await search(client, alice.headers, "swim", [coll])).json()["results"])
    assert (await client.delete(f"{API}/kb/documents/{b_id}", headers=alice.headers)).status_code == 204
    assert names(await search(client, alice.headers, "penguins swim", [coll])) == ["a-new.txt"]
    assert (await client.delete(f"{API}/kb/collections/{coll}", headers=alice.headers)).status_code == 204
    assert (await search(client, alice.headers, "penguins", [coll])).status_code == 404
    index = client.app.state.hearth.runtime.kb.index  # type: ignore[attr-defined]
    assert await index.count(coll) == 0


async def test_hostile_files_fail_alone_and_the_rest_is_indexed(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    coll = await collection(client, alice)
    accepted = await upload(client, alice.headers, coll, [
        ("corrupt.pdf", b"%PDF-1.7\n" + b"\x8f garbage" * 100), ("locked.pdf", encrypted_pdf_bytes()),
        ("bomb.docx", docx_zip_bomb()), ("empty.txt", b""), ("binary.txt", bytes(range(256)) * 40),
        ("good.md", MARKDOWN),
    ])
    assert accepted.status_code == 202, accepted.text
    await finished(client, alice.headers, accepted.json()["job_id"])
    docs = {d["filename"]: d for d in (await client.get(f"{API}/kb/collections/{coll}/documents",
                                                        headers=alice.headers)).json()["items"]}
    assert docs["good.md"]["status"] == "indexed"
    expected = {"corrupt.pdf": "damaged", "locked.pdf": "encrypted", "bomb.docx": "zip bomb",
                "empty.txt": "empty", "binary.txt": "binary"}
    for name, phrase in expected.items():
        assert docs[name]["status"] == "failed" and phrase in docs[name]["error"], docs[name]

    huge = await upload(client, alice.headers, coll, [("huge.txt", b"a" * (60 * 1024 * 1024))])
    assert huge.status_code == 413 and "huge.txt" in huge.json()["detail"]
    assert (await client.get("/health")).status_code == 200
    assert (await search(client, alice.headers, "sourdough", [coll])).json()["results"][0]["filename"] == "good.md"


async def test_users_and_restricted_keys_see_only_their_collections(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    bob = await sign_up(client, "bob@example.com")
    x, y = await collection(client, alice, "x"), await collection(client, alice, "y")
    up = await upload(client, alice.headers, x, [("secret.txt", b"The launch code is swordfish.")])
    await finished(client, alice.headers, up.json()["job_id"])
    await finished(client, alice.headers, (await upload(client, alice.headers, y, [("y.txt", b"Y notes.")])).json()["job_id"])
    doc = up.json()["documents"][0]["id"]
    bob_coll = await collection(client, bob, "bob")

    await assert_hidden_from(client, bob.headers, [
        ("GET", f"{API}/kb/collections/{x}"), ("PATCH", f"{API}/kb/collections/{x}", {"name": "mine"}),
        ("DELETE", f"{API}/kb/collections/{x}"), ("GET", f"{API}/kb/collections/{x}/documents"),
        ("GET", f"{API}/kb/documents/{doc}"), ("GET", f"{API}/kb/documents/{doc}/chunks"),
        ("DELETE", f"{API}/kb/documents/{doc}"),
        ("POST", f"{API}/kb/search", {"query": "launch code", "collection_ids": [x]}),
        ("POST", f"{API}/kb/ask", {"question": "What is the launch code?", "collection_ids": [x]}),
    ], secret="swordfish")
    await assert_list_excludes(client, bob.headers, f"{API}/kb/collections", [x, y])
    own = await search(client, bob.headers, "launch code swordfish", [bob_coll])
    assert own.status_code == 200 and own.json()["results"] == []
    asked = await client.post(f"{API}/kb/ask", headers=bob.headers,
                              json={"question": "What is the launch code?", "collection_ids": [bob_coll]})
    assert asked.status_code == 200 and "swordfish" not in asked.text and asked.json()["sources"] == []

    key = await mint_key(client, alice, ["kb:read"], collection_ids=[x])
    keyed = {"Authorization": f"Bearer {key['key']}"}
    assert (await search(client, keyed, "launch code", [x])).json()["results"][0]["filename"] == "secret.txt"
    assert (await search(client, keyed, "notes", [y])).status_code == 404
    assert (await search(client, keyed, "notes", [x, y])).status_code == 404
    assert (await client.post(f"{API}/kb/ask", headers=keyed,
                              json={"question": "notes?", "collection_ids": [y]})).status_code == 404
    assert (await client.get(f"{API}/kb/collections/{y}", headers=keyed)).status_code == 404
    listed = (await client.get(f"{API}/kb/collections", headers=keyed)).json()["items"]
    assert [c["id"] for c in listed] == [x]
    write = await upload(client, keyed, x, [("n.txt", b"new")])
    assert write.status_code == 403


async def test_mmr_diversifies_and_llm_rerank_reorders(client: httpx.AsyncClient) -> None:
    alice = await sign_up(client, "alice@example.com")
    coll = await collection(client, alice)
    echo = "Espresso is brewed by forcing hot water through finely ground coffee beans."
    notes = f"# Coffee\n\n## One\n\n{echo}\n\n## Two\n\n{echo} Really.\n\n## Three\n\n{echo} Indeed.\n".encode()
    other = b"Pour-over coffee drips slowly through a paper filter; it is my favourite brewing method."
    done = await upload(client, alice.headers, coll, [("notes.md", notes), ("pourover.txt", other)])
    await finished(client, alice.headers, done.json()["job_id"])

    def texts(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [r["text"] for r in response.json()["results"]]

    plain = texts(await search(client, alice.headers, "how is espresso coffee brewed", [coll], top_k=2))
    assert all("Espresso" in t for t in plain)  # the near-duplicates crowd the top
    diverse = texts(await search(client, alice.headers, "how is espresso coffee brewed", [coll], top_k=2, mmr=True))
    assert "Espresso" in diverse[0] and "Pour-over" in diverse[1]

    reranked = texts(await search(client, alice.headers, "how is espresso coffee brewed", [coll], top_k=2,
                                  rerank=True, rerank_model="fake/echo"))
    assert "Pour-over" in reranked[0]  # the scripted grader prefers the passage that says "favourite"
    bad = await search(client, alice.headers, "coffee", [coll], rerank=True, rerank_model="nowhere/x")
    assert bad.status_code == 422
