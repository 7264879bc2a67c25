"""Security item 28: a body over ICBT_MAX_BODY_BYTES is refused with 413 before it is read;
200 MB sent to a real server process does not grow its memory by more than a few MB."""

from __future__ import annotations

import json
import socket

import pytest

from tests.operations.support import Server, env_for, icbt

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("bodylimit")
    env = env_for(tmp)
    icbt(env, "init-keys")
    icbt(env, "migrate")
    srv = Server(env)
    yield srv
    srv.stop()


def _send(server: Server, head: bytes, total: int, chunked: bool) -> bytes:
    """Send `head`, then up to `total` bytes of body, reading the answer; returns the answer."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(head)
    block = b"x" * MB
    sent, answer = 0, b""
    sock.setblocking(True)
    try:
        while sent < total:
            data = (b"%x\r\n" % len(block) + block + b"\r\n") if chunked else block
            sock.sendall(data)
            sent += len(block)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        sock.settimeout(10)
        while chunk := sock.recv(65536):
            answer += chunk
    except (ConnectionResetError, TimeoutError, socket.timeout):
        pass
    sock.close()
    return answer


def _status_and_body(answer: bytes) -> tuple[int, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_200_mb_to_register_is_refused_without_growing_the_worker(server, chunked):
    total = 200 * MB
    before = server.rss_kb()
    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % total
    head = (b"POST /api/v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + framing + b"\r\n")
    answer = _send(server, head, total, chunked)
    status, body = _status_and_body(answer)
    assert status == 413, answer[:300]
    assert json.loads(body.split(b"\r\n0\r\n")[0] if chunked and body[:1] != b"{" else body)["error"] == "payload_too_large"
    grew_mb = (server.rss_kb() - before) / 1024
    assert grew_mb < 8, f"worker memory grew by {grew_mb:.1f} MB"


@pytest.mark.parametrize("path", ["/login", "/register", "/diary/new", "/api/v1/diary", "/nowhere"])
def test_every_route_signed_in_or_not_gets_413_over_the_limit(server, path):
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {2 * MB}\r\n\r\n").encode()
    status, _ = _status_and_body(_send(server, head, 2 * MB, False))
    assert status == 413


def test_a_body_within_the_limit_is_still_read(server):
    body = json.dumps({"email": "not-an-email", "password": "x" * 20, "consent": True, "pad": "y" * 500_000}).encode()
    head = (b"POST /api/v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(head + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    assert _status_and_body(answer)[0] == 422  # read and validated, not refused for size
