"""The project-managed Neo4j server: idempotent start, auth, loopback only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError
from pydantic import SecretStr

from app.core.config import Settings
from app.ops import neo4j_server


def test_second_start_finds_the_running_server(neo4j_running: Settings) -> None:
    before = neo4j_server.status(neo4j_running)
    again = neo4j_server.start(neo4j_running)
    assert before.running and again.running
    assert again.pid == before.pid


def test_wrong_password_is_rejected(neo4j_running: Settings) -> None:
    wrong = ("neo4j", "not-the-password")
    with GraphDatabase.driver(neo4j_running.neo4j_uri, auth=wrong) as drv, pytest.raises(AuthError):
        drv.verify_connectivity()
    with GraphDatabase.driver(neo4j_running.neo4j_uri, auth=neo4j_running.neo4j_auth) as drv:
        drv.verify_connectivity()


def test_a_password_starting_with_a_dash_initialises_a_home(
    neo4j_running: Settings, tmp_path: Path
) -> None:
    # Generated passwords start with "-" one time in 64; the admin tool must not read it
    # as an option.
    home = tmp_path / "home"
    settings = neo4j_running.model_copy(
        update={"neo4j_home": home, "neo4j_password": SecretStr("-Xy_dash-first")}
    )
    neo4j_server._prepare_home(settings)
    assert (home / "data" / "dbms" / "auth.ini").is_file()


def _listening_addresses(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket the process listens on, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                addr_hex, port_hex = local.split(":")
                found.append((_decode_addr(addr_hex), int(port_hex, 16)))
    return found


def _decode_addr(addr_hex: str) -> str:
    raw = bytes.fromhex(addr_hex)
    if len(raw) == 4:
        return ".".join(str(b) for b in raw[::-1])
    # IPv6 in /proc is four little-endian 32-bit words.
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]
    flat = b"".join(words)
    if flat[:12] == b"\x00" * 10 + b"\xff\xff":
        return ".".join(str(b) for b in flat[12:])  # IPv4-mapped
    return flat.hex()


def test_nothing_listens_on_a_non_loopback_address(neo4j_running: Settings) -> None:
    pid = neo4j_server.status(neo4j_running).pid
    assert pid is not None
    listening = _listening_addresses(pid)
    ports = {port for _, port in listening}
    assert {neo4j_running.neo4j_bolt_port, neo4j_running.neo4j_http_port} <= ports
    loopback_v6 = "00000000000000000000000000000001"
    outside = [(a, p) for a, p in listening if not (a.startswith("127.") or a == loopback_v6)]
    assert outside == []


def test_written_config_binds_loopback_and_enables_auth(neo4j_running: Settings) -> None:
    conf = (neo4j_running.neo4j_home / "conf" / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert f"server.bolt.listen_address=127.0.0.1:{neo4j_running.neo4j_bolt_port}" in conf


def test_the_server_hints_no_receive_timeout(neo4j_running: Settings) -> None:
    # With keep-alives for every request (Neo4j's default) the server hints a receive timeout,
    # and the Python driver then runs every socket read under a timer in a task of its own:
    # ~0.2 ms of API CPU per statement. The hint is only visible on the driver's pooled
    # connections (no public accessor).
    conf = (neo4j_running.neo4j_home / "conf" / "neo4j.conf").read_text()
    assert "server.bolt.connection_keep_alive_for_requests=STREAMING" in conf
    with GraphDatabase.driver(neo4j_running.neo4j_uri, auth=neo4j_running.neo4j_auth) as drv:
        drv.execute_query("RETURN 1")
        pooled = [c for conns in drv._pool.connections.values() for c in conns]
        assert pooled
        assert all("connection.recv_timeout_seconds" not in c.connection_hints for c in pooled)
        assert all(c.socket.gettimeout() is None for c in pooled)
