"""Run the front end with waitress, a production WSGI server (not Flask's debug server).

``python -m searcher serve`` calls :func:`serve`. It binds to 127.0.0.1
unless told otherwise; ``threads`` requests are served at once, all sharing
one index handle.

Limits (#24), so that a few clients cannot starve the others: at most
``connection_limit`` open connections (waitress' default, 100, was filled by
120 half-open connections from one client), a connection idle for
``channel_timeout`` seconds is closed, a request body over
``max_request_body_size`` bytes (the app takes none: every route is a GET) is
refused with 413 from its Content-Length, before it is read, and request
headers are at most ``max_request_header_size`` bytes. Open to the internet,
run it behind a reverse proxy (nginx, Caddy) that buffers slow clients and
limits connections per address; waitress then sees only the proxy's few,
well-formed connections.
"""

from __future__ import annotations

import os

from waitress import create_server

import searcher
from web import create_app

CONNECTION_LIMIT = 500  # open connections (file descriptors: stay under `ulimit -n`)
CHANNEL_TIMEOUT = 20  # seconds a connection may stay idle (waitress: 120)
MAX_REQUEST_BODY = 1 << 20  # bytes (waitress: 1 GB)
MAX_REQUEST_HEADERS = 64 << 10  # bytes (waitress: 256 KB)


def make_server(
    index_dir: str | os.PathLike | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    threads: int = 8,
    app=None,
    *,
    connection_limit: int = CONNECTION_LIMIT,
    channel_timeout: float = CHANNEL_TIMEOUT,
    max_request_body_size: int = MAX_REQUEST_BODY,
):
    """A waitress server for the app, bound but not yet running (``port=0``: any free port);
    the limits are described in the module's docs."""
    if app is None:
        app = create_app({"INDEX": str(index_dir or searcher.default_location())})
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="searcher",
        clear_untrusted_proxy_headers=True,
        connection_limit=connection_limit,
        channel_timeout=channel_timeout,
        max_request_body_size=max_request_body_size,
        max_request_header_size=MAX_REQUEST_HEADERS,
    )


def startup_note(location: str) -> str | None:
    """Why the server will answer 503 until something is done, or None if it can search."""
    if not searcher.index_exists(location):
        return (
            f"no index in {location} yet; build one with: "
            f"python -m searcher index corpus/ --index {location}"
        )
    try:
        with searcher.open_index(location) as index:
            index.stats()  # reads every segment's columns: a damaged file is named now
    except searcher.SearcherError as error:  # an old index format, a cluster that is down...
        return f"{error}; pages will answer 503 until that is fixed"
    return None


def serve(
    index_dir: str | os.PathLike | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    threads: int = 8,
) -> None:
    """Serve until interrupted, printing where to point a browser."""
    index_dir = str(index_dir or searcher.default_location())
    server = make_server(index_dir, host=host, port=port, threads=threads)
    shown_host = f"[{host}]" if ":" in host else host
    note = startup_note(index_dir)
    if note:
        print(f"note: {note}")
    print(
        f"searcher: serving {index_dir} on http://{shown_host}:{server.effective_port}/ "
        f"({threads} threads; Ctrl+C to stop)",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
