"""The web server's limits and what it tells strangers (#24, items 14 and 18).

* waitress limits: connections, idle time, request bodies (a 50 MB POST was read in
  full before its 405), all on a real server on 127.0.0.1;
* the API's 503 does not name the index folder; redirects do not echo the Host header.
"""

from __future__ import annotations

import socket
import threading
import urllib.request

import pytest

from web import close_index, create_app
from web.server import MAX_REQUEST_BODY, make_server


@pytest.fixture
def server(sample_index):
    app = create_app({"INDEX": str(sample_index)})
    server = make_server(app=app, port=0, threads=4, connection_limit=200, channel_timeout=5)
    stopping = threading.Event()

    def run():
        try:
            server.run()
        except OSError:  # the loop meets the sockets closed under it when stopping
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield server
    stopping.set()
    server.task_dispatcher.shutdown()
    server.close()
    thread.join(timeout=10)
    close_index(app)


def raw_request(port: int, data: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return sock.recv(4096)


def test_the_server_sets_its_limits(server):
    assert server.adj.connection_limit == 200
    assert server.adj.channel_timeout == 5
    assert server.adj.max_request_body_size == MAX_REQUEST_BODY == 1 << 20


def test_a_large_post_is_refused_from_its_content_length_before_it_is_read(server):
    # 50 MB announced, a few bytes sent: the answer comes without waiting for the rest.
    head = (
        f"POST /search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {50 << 20}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    answer = raw_request(server.effective_port, head + b"x" * 1000)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]


def test_many_idle_connections_do_not_starve_a_normal_request(server):
    idle = [
        socket.create_connection(("127.0.0.1", server.effective_port), timeout=10)
        for _ in range(120)
    ]
    try:
        url = f"http://127.0.0.1:{server.effective_port}/api/search?q=banjir"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
    finally:
        for sock in idle:
            sock.close()


def test_the_api_503_does_not_name_the_index_folder(tmp_path):
    path = tmp_path / "secret-folder-name"
    app = create_app({"TESTING": True, "INDEX": str(path)})
    response = app.test_client().get("/api/search?q=banjir")
    assert response.status_code == 503
    assert response.get_json()["error"] == "index unavailable: no index has been built yet"
    assert "secret-folder-name" not in response.get_data(as_text=True)
    close_index(app)


@pytest.mark.parametrize("path", ["//evil.example", "//search?q=banjir"])
def test_redirects_do_not_echo_the_host_header(sample_index, path):
    app = create_app({"TESTING": True, "INDEX": str(sample_index)})
    response = app.test_client().get(path, headers={"Host": "attacker.example"})
    close_index(app)
    assert response.status_code == 308
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "attacker.example" not in location
