"""A bounded HTTP(S) GET for remote photos: one deadline for the whole fetch, every phase included.

:func:`fetch` resolves the host, connects, negotiates TLS, sends the request,
reads the status line, the headers and the body, and follows redirects, all
before one deadline (``timeout`` seconds after the call). The standard
library only offers a timeout per socket operation, which a server dripping
one byte a second never trips; here every wait on the socket is given what is
left of the deadline, so no server, however slow or broken, holds the caller
past it by more than one scheduling tick. Host name resolution has no
timeout at all in the standard library, so it runs in a daemon thread that
the fetch stops waiting for at the deadline.

The addresses that were resolved are the ones checked (no host on this
machine or its link-local network, unless allowed) and the ones connected
to: a second lookup could answer differently (DNS rebinding).

Every failure is a :class:`FetchError` with a one-line reason: a timeout, a
refused connection, a broken HTTP response, a TLS failure, a body that is too
large or not an image. ``retry`` tells whether trying again later can help
(a refused scheme or host never will). Proxy variables (``http_proxy``…)
are not used: photos are fetched directly.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

__all__ = ["FetchError", "FetchLimits", "fetch"]

USER_AGENT = "syndicate/0.1 (+image fetch for e-books and feeds)"
_CHUNK = 64 * 1024
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
#: Declared content types a photo may come with (besides ``image/*``): servers that do not know better.
_NEUTRAL_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
#: Characters left as they are when a URL's path is made ASCII for the request line (RFC 3986 reserved ones).
_PATH_SAFE = "/%:@!$&'()*+,;=?~-._"


class FetchError(Exception):
    """Why a fetch failed, in one line; ``retry`` is False when a later try cannot succeed."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class FetchLimits:
    """The bounds of one fetch: total seconds, body bytes, redirects, and whether local hosts may be asked."""

    timeout: float = 10.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    allow_local_hosts: bool = False


class _Deadline:
    """The moment a fetch must be over; :meth:`remaining` raises :class:`TimeoutError` once it has passed."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


def fetch(url: str, limits: FetchLimits) -> bytes:
    """The body of ``url`` (an image's bytes), within ``limits``; :class:`FetchError` when it cannot be had."""
    deadline = _Deadline(limits.timeout)
    try:
        return _follow(url, limits, deadline)
    except FetchError:
        raise
    except TimeoutError:
        raise FetchError(f"timed out after {limits.timeout:g} s") from None
    except http.client.HTTPException as exc:  # garbage status line, bad chunks, endless headers...
        raise FetchError(f"broken HTTP response ({_short(exc)})") from None
    except ssl.SSLError as exc:
        raise FetchError(f"TLS failed ({exc.reason or type(exc).__name__})") from None
    except OSError as exc:
        raise FetchError(f"cannot fetch ({exc.strerror or _short(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - whatever a hostile server provokes stays one line about this photo
        raise FetchError(f"cannot fetch ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    """An exception as a short line: its type, and its text cut to 80 characters (it may quote the server)."""
    text = _printable(str(exc).splitlines()[0][:80]) if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _follow(url: str, limits: FetchLimits, deadline: _Deadline) -> bytes:
    """GET ``url``, following at most ``limits.max_redirects`` redirects, each hop checked afresh."""
    seen = {url}
    for _hop in range(limits.max_redirects + 1):
        target = _Target.of(url)
        addresses = _resolve(target, deadline)
        if not limits.allow_local_hosts:
            _refuse_local(target.host, addresses)
        result = _get(target, addresses, limits, deadline)
        if isinstance(result, bytes):
            return result
        location = urllib.parse.urljoin(url, result)
        if location in seen:
            raise FetchError(f"redirect loop (back to {_printable(location)[:200]})")
        seen.add(location)
        url = location
    raise FetchError(f"too many redirects (more than {limits.max_redirects})")


@dataclass(frozen=True)
class _Target:
    """Where one request goes: scheme, host (ASCII, IDNA-encoded), port and the request path."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> _Target:
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchError(f"bad URL ({exc})", retry=False) from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError(f"refused to fetch a {scheme or 'schemeless'} URL (only http and https)", retry=False)
        if not parts.hostname:
            raise FetchError("bad URL (no host)", retry=False)
        try:
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchError(f"bad host name {parts.hostname!r}", retry=False) from None
        path = urllib.parse.quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            path += "?" + urllib.parse.quote(parts.query, safe=_PATH_SAFE)
        return cls(scheme, host, port or (443 if scheme == "https" else 80), path)


def _resolve(target: _Target, deadline: _Deadline) -> list[tuple[Any, ...]]:
    """The host's addresses (``getaddrinfo`` entries), looked up before the deadline.

    ``getaddrinfo`` cannot be interrupted, so it runs in a daemon thread; when
    the deadline passes first the fetch gives up on it (the thread ends by
    itself when the system resolver answers, and never keeps the process alive).
    """
    try:
        ipaddress.ip_address(target.host)
    except ValueError:
        pass
    else:  # a literal address needs no lookup (and no thread)
        return socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    answer: list[Any] = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM,
                                             proto=socket.IPPROTO_TCP))
        except (OSError, UnicodeError) as exc:
            answer.append(exc)

    thread = threading.Thread(target=lookup, name=f"resolve {target.host}", daemon=True)
    thread.start()
    thread.join(deadline.remaining())
    if not answer:
        raise FetchError(f"timed out resolving host {target.host!r}")
    if isinstance(answer[0], BaseException):
        raise FetchError(f"cannot resolve host {target.host!r} ({_short(answer[0])})")
    infos: list[tuple[Any, ...]] = answer[0]
    if not infos:
        raise FetchError(f"cannot resolve host {target.host!r} (no address)")
    return infos


def _refuse_local(host: str, infos: list[tuple[Any, ...]]) -> None:
    """Refuse a host on this machine or its link-local network (cloud metadata services live there): an
    input must not make the build probe services that trust their neighbours."""
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if address.is_loopback or address.is_link_local or address.is_unspecified or address.is_multicast:
            raise FetchError(f"refused: {host} is a local address ({address})", retry=False)


def _connect(target: _Target, infos: list[tuple[Any, ...]], deadline: _Deadline) -> socket.socket:
    """A connected socket (TLS negotiated for https) to the first of ``infos`` that answers in time."""
    failure: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(deadline.remaining())
            sock.connect(address)
            break
        except TimeoutError:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            failure = exc
    else:
        raise failure or OSError("no address to connect to")
    if target.scheme != "https":
        return sock
    try:
        context = ssl.create_default_context()
        tls = context.wrap_socket(sock, server_hostname=target.host, do_handshake_on_connect=False)
        tls.settimeout(deadline.remaining())  # the handshake is one call: its timeout covers all of it
        tls.do_handshake()
    except BaseException:
        sock.close()
        raise
    return tls


class _DeadlineReader(io.RawIOBase):
    """A socket's incoming bytes, each wait bounded by what is left of the fetch's deadline (http.client's
    status line, header and body reads all come through here)."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """The connected socket as :mod:`http.client` uses it (``sendall``, ``makefile``, ``close``), with
    every read and write bounded by the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.remaining())  # sendall's timeout covers the whole call
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        """Nothing: http.client closes the connection while the response is still being read from it; the
        fetch closes the socket itself once it is done (see :func:`_get`)."""


class _Connection(http.client.HTTPConnection):
    """An HTTP/1.1 connection over a socket the fetch already connected (to a checked address)."""

    def __init__(self, target: _Target, sock: _DeadlineSocket) -> None:
        super().__init__(target.host, target.port)
        self._ready = sock

    def connect(self) -> None:
        self.sock = self._ready


def _get(target: _Target, infos: list[tuple[Any, ...]], limits: FetchLimits, deadline: _Deadline) -> bytes | str:
    """One request: the body, or the ``Location`` to go to next when redirected."""
    sock = _connect(target, infos, deadline)
    connection = _Connection(target, _DeadlineSocket(sock, deadline))
    try:
        connection.request("GET", target.path, headers={"User-Agent": USER_AGENT, "Accept": "image/*",
                                                        "Connection": "close"})
        response = connection.getresponse()
        location = response.getheader("Location")
        if response.status in _REDIRECT_CODES and location:
            return location
        if response.status != 200:
            raise FetchError(f"HTTP {response.status} {_printable(response.reason)}")
        _check_content_type(response.getheader("Content-Type") or "")
        _check_declared_length(response.getheader("Content-Length") or "", limits.max_bytes)
        return _read_body(response, limits.max_bytes)
    finally:
        connection.close()
        sock.close()


def _check_content_type(declared: str) -> None:
    """Refuse a body its server says is not an image (an error page, a login form) before reading it;
    an ``image/*`` type is not trusted either way: the bytes are identified when normalised."""
    media_type = declared.split(";", 1)[0].strip().lower()
    if media_type.startswith("image/") and media_type != "image/svg+xml" or media_type in _NEUTRAL_TYPES:
        return
    raise FetchError(f"not an image (Content-Type {_printable(media_type)[:60]})")


def _check_declared_length(declared: str, max_bytes: int) -> None:
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(f"too large ({int(declared)} bytes declared, limit {max_bytes})")


def _read_body(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The body, read in chunks and counted: more than ``max_bytes`` is refused whatever was declared."""
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read1(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(f"too large (over {max_bytes} bytes)")
        chunks.append(chunk)
    if response.length:  # http.client returns a short body when the server hangs up early; it is not the photo
        raise FetchError(f"connection closed {response.length} bytes before the end of the body")
    return b"".join(chunks)


def _printable(text: str) -> str:
    """Server-chosen text (a reason phrase, a content type) with anything unprintable replaced."""
    return "".join(c if c.isprintable() else "?" for c in text)
