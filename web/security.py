"""What every response is protected by, in one place: the Host check, the security
headers and host-free redirects.

* :class:`HostCheck` (WSGI middleware): a Host header that is not a valid (IDNA)
  host name, such as a 64-letter label or ``a..b``, is replaced by the server's
  name and flagged; the app then refuses the request with a 400 in the site's
  layout (or the API's JSON), with the security headers. Werkzeug could not route
  such a request at all (no URL adapter: even the error page failed, a bare 500).
* :func:`security_headers`: a strict Content-Security-Policy (the pages run only
  /static/app.js), no sniffing, no framing, no referrer to the outlets we link to.
* :func:`relative_redirects`: redirects name no host; Werkzeug built absolute ones
  from the request's Host header, which a client chooses (#24).

:func:`register` installs all three on an app.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

from web.errors import error_response

BAD_HOST = "searcher.bad_host"  # WSGI environ key: the Host header that was refused
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register(app: Flask) -> None:
    """The Host check, the security headers and host-free redirects, for every blueprint."""
    app.wsgi_app = HostCheck(app.wsgi_app)
    app.before_request(refuse_bad_host)
    app.after_request(security_headers)
    app.after_request(relative_redirects)


class HostCheck:
    """WSGI middleware: an invalid Host header is replaced by the server's name and
    flagged under :data:`BAD_HOST` (see the module's docstring)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        if not valid_host(host):
            server = environ.get("SERVER_NAME") or ""
            environ = {
                **environ,
                BAD_HOST: host,
                "HTTP_HOST": server if valid_host(server) else "localhost",
            }
        return self.wsgi_app(environ, start_response)


def valid_host(host: str) -> bool:
    """True if ``host`` (a port allowed) encodes as IDNA, as Werkzeug requires."""
    try:
        host.partition(":")[0].encode("idna")
    except UnicodeError:
        return False
    return True


def refuse_bad_host():
    """400 for a request whose Host header is not a host name (see :class:`HostCheck`)."""
    if BAD_HOST in request.environ:
        return error_response(
            400, message="Header Host bukan nama host yang valid.", parameter="Host"
        )
    return None


def relative_redirects(response):
    """Redirects to this site name no host: Werkzeug's own ones (``//x`` -> ``/x``)
    were absolute URLs built from the request's Host header, which a client chooses
    (#24)."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.scheme or parts.netloc:
            if parts.netloc.lower() != request.host.lower():
                return response  # a redirect we meant to another site (none today)
            path = parts.path if parts.path.startswith("/") else "/" + parts.path
            path = "/" + path.lstrip("/")  # "//evil.com" is a host, "/evil.com" a path
            response.headers["Location"] = path + (f"?{parts.query}" if parts.query else "")
    return response


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Search words are in our URLs: do not hand them to the news sites we link to.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-cache")
    return response
