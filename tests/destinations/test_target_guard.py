"""The SSRF guard on webhook targets (pure logic, plus name resolution of localhost)."""

from __future__ import annotations

import pytest

from app.destinations.target_guard import TargetRefused, check_target, parse_networks


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://localhost:8080/x", "http://10.1.2.3/", "http://172.16.0.1/",
    "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
    "http://[fe80::1]/", "http://[fd00::1]/", "http://100.64.0.1/", "http://0.0.0.0/",
    "http://[::ffff:10.0.0.1]/", "http://224.0.0.1/"])
async def test_internal_targets_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        await check_target(url, [])


@pytest.mark.parametrize("url, reason", [
    ("ftp://example.com/", "scheme"), ("file:///etc/passwd", "scheme"),
    ("http://user:pw@93.184.216.34/", "credentials"), ("http:///x", "no host"),
    ("http://93.184.216.34:99999/", "URL")])
async def test_malformed_targets_are_refused(url: str, reason: str) -> None:
    with pytest.raises(TargetRefused, match=reason):
        await check_target(url, [])


async def test_public_and_allowed_addresses_pass() -> None:
    await check_target("https://93.184.216.34/hook", [])
    loopback = parse_networks(["127.0.0.0/8", "::1/128"])
    await check_target("http://127.0.0.1:9000/hook", loopback)
    await check_target("http://localhost:9000/hook", loopback)
    with pytest.raises(TargetRefused):  # only what is allowed
        await check_target("http://10.0.0.1/hook", loopback)
