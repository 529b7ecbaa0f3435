"""HTTP GETs for the fetcher: a total deadline, a size cap, checked redirects, a pace.

Every exchange (one request and its answer: connecting, the status line, the
headers and the body) must end within ``timeout`` seconds in total: a server
sending one byte a second is cut at the deadline, robots.txt alike. An answer
over ``max_bytes`` is refused (by its Content-Length, else while reading), and
one shorter than its Content-Length is an error, not a page.

Only http and https are spoken: a link or a redirect to any other scheme
(``file:``, ``ftp:``, ``javascript:``) is refused. Non-ASCII links (IRIs) are
sent as URIs: the host in IDNA, path and query percent-encoded. At most
:data:`MAX_REDIRECTS` redirects are followed, each to a site whose robots.txt
allows it; requests to one host are spaced by ``delay`` seconds, or its
(capped) Crawl-delay. Whatever a server sends (a bad status line, too many or
too long headers, broken chunks, a reset), the failure is a :class:`FetchError`
for that URL. An HTTP proxy is used as urllib would (``http_proxy``,
``https_proxy`` through a CONNECT tunnel, ``no_proxy``), or as ``proxies`` says.
"""

from __future__ import annotations

import http.client
import io
import select
import socket
import ssl
import time
import urllib.request
from collections.abc import Callable
from urllib.parse import quote, urldefrag, urljoin, urlsplit, urlunsplit

from searcher.fetching.response import FetchError, Response, RoundOver
from searcher.fetching.robots import MAX_ROBOTS_BYTES, ROBOTS_AGENT, Robots
from searcher.version import __version__

# Operators add a contact (``--user-agent "... ; +mailto:redaksi@contoh.id"``).
USER_AGENT = f"{ROBOTS_AGENT}/{__version__} (news search indexer; obeys robots.txt)"
TIMEOUT = 10.0  # seconds for one exchange, in total
MAX_BYTES = 5_000_000  # a feed or page larger than this is refused
DELAY = 1.0  # seconds between two requests to the same host
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024
# Characters a URI may hold as they are (RFC 3986); "%" keeps existing escapes.
_SAFE = "/:@!$&'()*+,;=-._~%?#[]"


def to_uri(url: str) -> str:
    """``url`` as an http(s) URI safe to send: IDNA host, percent-encoded path and
    query, no fragment (raises :class:`FetchError` for anything else)."""
    url = urldefrag(url.strip())[0]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchError(f"not a valid URL ({error})") from None
    if parts.scheme.lower() not in SCHEMES:
        raise FetchError(f"not an http(s) URL (scheme {parts.scheme[:20]!r})")
    host = parts.hostname or ""
    if not host:
        raise FetchError("not a valid URL (no host)")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchError("not a valid URL (a host name that cannot be encoded)") from None
    if any(ord(char) <= 32 or char in '<>"\\^`{|}' for char in host):
        raise FetchError("not a valid URL (a bad host name)")
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    path = quote(parts.path or "/", safe=_SAFE)
    query = quote(parts.query, safe=_SAFE)
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes, each read given only the time left before the deadline."""

    def __init__(self, sock: socket.socket, deadline: float):
        self.sock = sock
        self.deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.sock.settimeout(_left(self.deadline))
        return self.sock.recv_into(buffer)


class _DeadlineSocket:
    """The connection's socket as http.client sees it: every read and write bounded by
    one deadline for the whole exchange."""

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str = "rb", *args, **kwargs) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def sendall(self, data) -> None:
        self._sock.settimeout(_left(self._deadline))
        self._sock.sendall(data)

    def close(self) -> None:
        """Nothing: http.client "closes" the connection while its response still reads
        the body; the client closes the socket itself once the exchange is over."""

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the deadline passed")
    return left


def _bypassed(host: str, proxies: dict[str, str]) -> bool:
    """Whether ``host`` is reached directly (``no`` in ``proxies``, as $no_proxy)."""
    names = [n.strip().lower().lstrip(".") for n in proxies.get("no", "").split(",") if n.strip()]
    host = host.lower()
    return "*" in names or any(host == n or host.endswith("." + n) for n in names)


def _tunnel(sock: socket.socket, host: str, port: int, deadline: float) -> None:
    """Ask the proxy on ``sock`` for a tunnel to ``host:port`` (for https)."""
    bounded = _DeadlineSocket(sock, deadline)
    bounded.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    answer = http.client.HTTPResponse(bounded, method="CONNECT")
    answer.begin()
    if answer.status != 200:
        reason = " ".join(str(answer.reason).split())[:100]
        raise FetchError(f"the proxy refused the tunnel: HTTP {answer.status} {reason}".rstrip())


class Client:
    """HTTP GETs with a total deadline, a size cap, robots.txt and a per-host pace.

    ``sleep`` and ``clock`` pace the requests (tests pass their own); the
    deadlines always run on the real monotonic clock. ``not_after`` (a
    ``time.monotonic()`` value) ends the run: a wait that would pass it raises
    :class:`RoundOver` instead.
    """

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
        delay: float = DELAY,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        proxies: dict[str, str] | None = None,
    ):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.delay = delay
        self.user_agent = user_agent
        self.sleep = sleep
        self.clock = clock
        self.not_after: float | None = None
        self.last: dict[str, float] = {}  # host -> when it was last asked
        self.robots = Robots(self._download_robots)
        self._tls = ssl.create_default_context()
        # {"http": "http://proxy:3128", ...}; by default $http_proxy, $https_proxy, $no_proxy.
        self.proxies = urllib.request.getproxies() if proxies is None else proxies

    def _proxy(self, scheme: str, host: str) -> tuple[str, int] | None:
        """The (host, port) of the HTTP proxy to reach ``host`` through, if any."""
        address = self.proxies.get(scheme)
        if not address or _bypassed(host, self.proxies):
            return None
        parts = urlsplit(address if "://" in address else "http://" + address)
        if parts.scheme.lower() != "http" or not parts.hostname:
            raise FetchError(f"the {scheme} proxy is not an http:// address")
        return parts.hostname, parts.port or 80

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` if robots.txt allows it, following redirects (each checked the
        same way); raises :class:`FetchError`."""
        return self._follow(url, headers or {}, self.max_bytes, obey_robots=True)

    def _download_robots(self, url: str) -> Response:
        return self._follow(url, {}, MAX_ROBOTS_BYTES, obey_robots=False)

    def _follow(
        self, url: str, headers: dict[str, str], max_bytes: int, *, obey_robots: bool
    ) -> Response:
        url = to_uri(url)
        seen = {url}
        for _ in range(MAX_REDIRECTS + 1):
            if obey_robots:
                self.robots.check(url)
            self._wait_turn(url)
            response, location = self._exchange(url, headers, max_bytes)
            if location is None:
                return response
            target = urldefrag(urljoin(url, location.strip()))[0]
            if urlsplit(target).scheme.lower() not in SCHEMES:
                raise FetchError(f"redirected to a non-http(s) URL ({target[:100]!r})")
            url = to_uri(target)
            if url in seen:
                raise FetchError(f"a redirect loop (back to {url[:200]})")
            seen.add(url)
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")

    def _wait_turn(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        delay = max(self.delay, self.robots.crawl_delay(url))
        last = self.last.get(host)
        if last is not None and delay > 0:
            wait = last + delay - self.clock()
            if wait > 0:
                if self.not_after is not None and time.monotonic() + wait > self.not_after:
                    raise RoundOver("the run's time limit came before this request")
                self.sleep(wait)
        self.last[host] = self.clock()

    def _exchange(
        self, url: str, headers: dict[str, str], max_bytes: int
    ) -> tuple[Response | None, str | None]:
        """One request: (the response, None), or (None, the Location of a redirect)."""
        deadline = time.monotonic() + self.timeout
        parts = urlsplit(url)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        connection = sock = None
        try:
            proxy = self._proxy(parts.scheme, parts.hostname)
            peer = proxy or (parts.hostname, port)
            sock = socket.create_connection(peer, timeout=_left(deadline))
            if proxy and https:
                _tunnel(sock, parts.hostname, port, deadline)
            if https:
                sock = self._handshake(sock, parts.hostname, deadline)
                connection = http.client.HTTPSConnection(parts.hostname, port, context=self._tls)
            else:
                connection = http.client.HTTPConnection(parts.hostname, port)
            connection.sock = _DeadlineSocket(sock, deadline)  # connected: used as it is
            target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
            if proxy and not https:  # a proxy is asked for the whole URL
                target = url
            connection.request(
                "GET",
                target,
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "identity", **headers},
            )
            reply = connection.getresponse()
            status = reply.status
            if status in _REDIRECTS and reply.getheader("Location"):
                return None, reply.getheader("Location")
            if status == 304:
                return Response(url, 304, reply.msg), None
            if not 200 <= status < 300:
                reason = " ".join(str(reply.reason).split())[:100]
                raise FetchError(f"HTTP {status} {reason}".rstrip(), status)
            return Response(url, status, reply.msg, self._body(reply, max_bytes)), None
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(f"timed out after {self.timeout:g} s") from None
        except ssl.SSLError as error:
            raise FetchError(f"TLS failed: {error.reason or error}") from None
        except http.client.HTTPException as error:  # its text may hold the server's bytes
            said = " ".join(str(error).split())[:100]
            raise FetchError(
                f"not a valid HTTP answer ({type(error).__name__}{': ' + said if said else ''})"
            ) from None
        except OSError as error:
            raise FetchError(f"cannot connect: {error.strerror or error}") from None
        except (ValueError, UnicodeError) as error:  # bad header values, bad URLs
            raise FetchError(f"cannot fetch: {str(error)[:200]}") from None
        finally:
            if connection is not None:
                connection.close()
            if sock is not None:
                sock.close()

    def _handshake(self, sock: socket.socket, host: str, deadline: float) -> ssl.SSLSocket:
        """TLS over ``sock``, the handshake bounded by the deadline as a whole."""
        try:
            tls = self._tls.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
        except BaseException:
            sock.close()
            raise
        try:
            tls.settimeout(0.0)
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    select.select([tls], [], [], _left(deadline))
                except ssl.SSLWantWriteError:
                    select.select([], [tls], [], _left(deadline))
            tls.settimeout(_left(deadline))
            return tls
        except BaseException:
            tls.close()
            raise

    def _body(self, reply: http.client.HTTPResponse, max_bytes: int) -> bytes:
        too_big = f"larger than the size cap ({max_bytes:,} bytes)"
        declared = reply.getheader("Content-Length")
        length = int(declared) if declared and declared.strip().isdigit() else None
        if length is not None and length > max_bytes:
            raise FetchError(too_big)
        chunks, size = [], 0
        while True:
            chunk = reply.read(_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(too_big)
        if length is not None and size < length and not reply.chunked:
            raise FetchError(
                f"cut short: {size:,} of the {length:,} bytes its Content-Length announced"
            )
        return b"".join(chunks)
