"""`http_fetch` against real HTTP servers on loopback: private, loopback, link-local and metadata
targets are refused after DNS resolution and again on every redirect; an allow-listed host is
fetched with its HTML reduced to text, its size capped and non-text content refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from hearth.agents.tools.base import ToolContext, ToolError
from hearth.core.scopes import USER_SCOPES, Principal
from hearth.core.settings import load_settings
from hearth.llm.wire_fakes import LoopbackServer
from hearth.runtime import Runtime, build_runtime


def site(target: str = "") -> Starlette:
    async def page(_request):  # type: ignore[no-untyped-def]
        return HTMLResponse("<html><head><script>var x=1;</script></head><body><nav>menu</nav>"
                            "<h1>Harbour</h1><p>Boats leave at nine.</p></body></html>")

    async def big(_request):  # type: ignore[no-untyped-def]
        return Response("a" * 5000, media_type="text/plain")

    async def binary(_request):  # type: ignore[no-untyped-def]
        return Response(b"\x89PNG....", media_type="image/png")

    async def hop(_request):  # type: ignore[no-untyped-def]
        return RedirectResponse(target)

    return Starlette(routes=[Route("/", page), Route("/big", big), Route("/png", binary), Route("/hop", hop)])


@pytest.fixture
def inner() -> Iterator[str]:
    with LoopbackServer(site()) as url:
        yield url


@pytest.fixture
def runtime_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    runtimes: list[Runtime] = []

    def make(allow: list[str]) -> Runtime:
        runtimes.append(build_runtime(load_settings(data_dir=tmp_path, http_fetch_allow_hosts=allow,
                                                    http_fetch_max_bytes=1024)))
        return runtimes[-1]

    return make


async def call(runtime: Runtime, url: str) -> dict:
    ctx = ToolContext(Principal("u", False, USER_SCOPES, "session"), runtime)
    return await runtime.tools.get("http_fetch").call(ctx, {"url": url})


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/", "http://10.0.0.1/", "http://169.254.169.254/latest/",
                                 "http://[::1]:{port}/", "http://localhost:{port}/"])
async def test_non_public_targets_are_refused(runtime_for, inner: str, url: str) -> None:  # type: ignore[no-untyped-def]
    port = inner.rsplit(":", 1)[1]
    with pytest.raises(ToolError, match="non-public address"):
        await call(runtime_for([]), url.format(port=port))


async def test_an_allowed_host_redirecting_to_loopback_is_refused(runtime_for, inner: str) -> None:  # type: ignore[no-untyped-def]
    with LoopbackServer(site(target=inner + "/")) as outer:
        runtime = runtime_for([outer.removeprefix("http://")])
        assert "Boats" in (await call(runtime, outer + "/"))["text"]  # the allowed source itself is fine
        with pytest.raises(ToolError, match="non-public address"):
            await call(runtime, outer + "/hop")


async def test_allowed_hosts_are_fetched_as_capped_text(runtime_for, inner: str) -> None:  # type: ignore[no-untyped-def]
    runtime = runtime_for([inner.removeprefix("http://")])
    page = await call(runtime, inner + "/")
    assert page["text"] == "Harbour\nBoats leave at nine." and page["status"] == 200
    big = await call(runtime, inner + "/big")
    assert big["truncated"] and len(big["text"]) == 1024
    with pytest.raises(ToolError, match="image/png is not a textual"):
        await call(runtime, inner + "/png")
    with pytest.raises(ToolError, match="http"):
        await call(runtime, "file:///etc/passwd")
