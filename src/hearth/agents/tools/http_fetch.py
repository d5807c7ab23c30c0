"""`http_fetch`: GET or POST a public URL and return its text. Every hop — the URL and each redirect —
is resolved and refused if any address is loopback, private, link-local (cloud metadata included) or
otherwise non-public, unless its host is on HEARTH_HTTP_FETCH_ALLOW_HOSTS. Responses are capped in
size, limited to textual content types, and HTML comes back as its visible text."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urljoin

import httpx
from pydantic import BaseModel, Field

from hearth.agents.tools.base import Tool, ToolContext, ToolError
from hearth.core.netguard import ensure_allowed_url
from hearth.rag.parsing.html import parse_html

MAX_REDIRECTS = 5
TEXTUAL = ("text/", "application/json", "application/xml", "application/xhtml+xml", "application/ld+json")


class HttpFetchArguments(BaseModel):
    url: Annotated[str, Field(min_length=1, max_length=2000, description="http(s) URL")]
    method: Literal["GET", "POST"] = "GET"
    body: Annotated[str | None, Field(max_length=100_000, description="POST body (JSON or form text)")] = None
    content_type: Annotated[str, Field(max_length=100)] = "application/json"


async def fetch(args: HttpFetchArguments, allow_hosts: list[str], max_bytes: int, timeout_s: float) -> dict[str, Any]:
    url, method, body = args.url, args.method, args.body
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            await ensure_allowed_url(url, allow_hosts)
            headers = {"content-type": args.content_type} if body is not None else {}
            async with client.stream(method, url, content=body, headers=headers) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    if response.status_code in (301, 302, 303):
                        method, body = "GET", None
                    continue
                return await _read(url, response, max_bytes)
    raise ToolError(f"more than {MAX_REDIRECTS} redirects")


async def _read(url: str, response: httpx.Response, max_bytes: int) -> dict[str, Any]:
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and not content_type.startswith(TEXTUAL):
        raise ToolError(f"{content_type} is not a textual content type")
    data, truncated = b"", False
    async for block in response.aiter_bytes():
        data += block
        if len(data) > max_bytes:
            data, truncated = data[:max_bytes], True
            break
    if content_type in ("text/html", "application/xhtml+xml"):
        text = "\n".join(b.text for b in parse_html(data))
    else:
        text = data.decode(response.encoding or "utf-8", errors="replace")
    return {"url": url, "status": response.status_code, "content_type": content_type, "text": text,
            "truncated": truncated}


async def run(ctx: ToolContext, args: Any) -> dict[str, Any]:
    settings = ctx.runtime.settings
    try:
        return await fetch(args, settings.http_fetch_allow_hosts, settings.http_fetch_max_bytes,
                           settings.http_fetch_timeout_s)
    except httpx.HTTPError as exc:
        raise ToolError(f"the request failed: {type(exc).__name__}") from None


TOOL = Tool(name="http_fetch", description="Fetch a public web page or API (GET or POST) and return its text.",
            arguments=HttpFetchArguments, handler=run, timeout_s=30)
