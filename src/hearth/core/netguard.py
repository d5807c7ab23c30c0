"""Outbound-request guard: refuse targets that resolve to loopback, private, link-local (cloud
metadata), multicast or otherwise reserved addresses. Checked after DNS resolution, because a
public-looking name can point anywhere."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from hearth.core.errors import InvalidInput


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified
    )


def parse_http_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput("the URL must be http(s) with a host", field="url")
    if parts.username or parts.password:
        raise InvalidInput("credentials in the URL are not allowed", field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidInput("the URL has an invalid port", field="url") from exc
    return parts.hostname, port


async def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        literal = ipaddress.ip_address(host)
        return [literal]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InvalidInput(f"the host {host!r} does not resolve", field="url") from exc
    return [ipaddress.ip_address(info[4][0]) for info in infos]


async def ensure_public_url(url: str, *, allow_private: bool = False) -> None:
    """Raise InvalidInput unless every address the URL's host resolves to is public."""
    host, port = parse_http_url(url)
    if allow_private:
        return
    addresses = await resolve(host, port)
    blocked = [str(a) for a in addresses if not _is_public(a)]
    if blocked or not addresses:
        raise InvalidInput(
            f"the URL resolves to a non-public address ({', '.join(blocked) or 'none'}); refused", field="url"
        )


async def ensure_allowed_url(url: str, allow_hosts: list[str]) -> None:
    """Like ensure_public_url, except that hosts (or host:port) on the allow list may be private."""
    host, port = parse_http_url(url)
    allowed = {h.lower() for h in allow_hosts}
    if host.lower() in allowed or f"{host.lower()}:{port}" in allowed:
        return
    await ensure_public_url(url)
