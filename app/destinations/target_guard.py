"""SSRF guard for webhook targets: the service must not become a way into its own network.

A target is an http(s) URL without credentials whose host resolves only to public addresses:
loopback, private (RFC 1918, unique local), link-local (cloud metadata lives there),
carrier-grade NAT, multicast, reserved and unspecified addresses are refused, unless they
fall in a network the operator allows (`PROFILEGRAPH_DESTINATION_ALLOW_NETWORKS`, e.g.
`["127.0.0.0/8"]` for tests). Checked when a destination is saved and again before every
send (a name may resolve elsewhere later); redirects are never followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
RESOLVE_TIMEOUT_S = 3.0


class TargetRefused(Exception):
    """The target may not be called; the message says why."""


def parse_networks(cidrs: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip()]


def _internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_private or address.is_loopback or address.is_link_local
            or address.is_multicast or address.is_reserved or address.is_unspecified
            or (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT))


def check_address(address: Address, allowed: list[Network]) -> None:
    if _internal(address) and not any(address in net for net in allowed):
        raise TargetRefused(f"{address} is a loopback, private, link-local or reserved "
                            "address (allow it with PROFILEGRAPH_DESTINATION_ALLOW_NETWORKS)")


def split_url(url: str) -> tuple[str, int]:
    """The host and port of an acceptable URL; TargetRefused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("the scheme must be http or https")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("credentials in the URL are not allowed")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_target(url: str, allowed: list[Network]) -> None:
    """Refuse a URL whose host is, or resolves to, any address not allowed."""
    host, port = split_url(url)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_S):
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as exc:
            raise TargetRefused(f"the host {host!r} does not resolve ({exc or 'timeout'})"
                                ) from None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        check_address(address, allowed)
