"""The HTTP server around :class:`~reconciler.emulator.app.App`, and the public ``Emulator``.

Standard library only: ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive, one thread
per connection. A dropped connection is a socket closed without writing a byte.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reconciler.emulator.app import App
from reconciler.emulator.config import DEFAULT_API_KEY, EmulatorConfig, FaultConfig
from reconciler.emulator.routes import all_routes
from reconciler.emulator.wire import Request

log = logging.getLogger(__name__)
_TLS_HANDSHAKE = b"\x16"  # the first byte of a TLS record carrying a ClientHello

MAX_BODY = 10 * 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: App

    def server_activate(self) -> None:
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().server_activate()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections so their threads finish when the server stops."""
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (killed, timed out) is not the server's error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes
    server_version = "phsync-emulator"
    sys_version = ""
    server: _Server

    def handle_one_request(self) -> None:
        if self._tls_hello():
            return
        super().handle_one_request()

    def _tls_hello(self) -> bool:
        """A TLS handshake (``https://`` to this plain-HTTP server): say so in one line, close."""
        try:
            first = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return False
        if first != _TLS_HANDSHAKE:
            return False
        host, port = self.server.server_address[:2]
        log.warning(
            "a client opened a TLS (https://) connection; the emulator speaks plain HTTP: "
            "use http://%s:%s", host, port
        )
        self.close_connection = True
        return True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            # The client went away part-way through its request: a web server never hands
            # such a request to the application, so nothing may act on the half body.
            self.close_connection = True
            return
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        outcome = self.server.app.handle(request)
        if outcome.drop or outcome.response is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        response = outcome.response
        payload = response.encode()
        self.send_response(response.status)
        if response.body is not None:
            self.send_header("Content-Type", "application/json")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_PATCH = _serve
    do_DELETE = _serve
    do_HEAD = _serve
    do_OPTIONS = _serve

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # The request line may carry ?personal_api_key=...; log the method and path only.
        # (A request line that did not parse leaves neither set.)
        path = getattr(self, "path", "") or ""
        log.debug("%s %s", getattr(self, "command", None) or "-", path.split("?", 1)[0])


class Emulator:
    """A local PostHog API. ``start()`` serves in a background thread; ``stop()`` ends it."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.app = App(self.config, all_routes())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def bind(self) -> None:
        """Open the listening socket now (``start`` and ``url`` do it when needed)."""
        self._bind()

    def _bind(self) -> _Server:
        if self._server is None:
            server = _Server((self.config.host, self.config.port), _Handler)
            server.app = self.app
            self._server = server
        return self._server

    def start(self) -> Emulator:
        server = self._bind()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="phsync-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` or KeyboardInterrupt."""
        server = self._bind()
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            self._close()

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._close()

    def _close(self) -> None:
        if self._server is not None:
            self._server.close_connections()
            self._server.server_close()
            self._server = None
            self.app.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what callers need to know -----------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._bind().server_address[1])

    @property
    def url(self) -> str:
        host = self.config.host
        shown = f"[{host}]" if ":" in host else host
        if host in ("0.0.0.0", "::"):
            shown = "127.0.0.1"
        return f"http://{shown}:{self.port}"

    @property
    def api_key(self) -> str:
        """The first accepted key (``phx_emulator`` by default)."""
        specs = self.config.key_specs()
        return specs[0].key if specs else DEFAULT_API_KEY

    @property
    def project_id(self) -> int:
        """The user's current project: the first project of the seed."""
        return int(self.app.user()["current_project"])

    def stats(self) -> dict[str, Any]:
        return self.app.stats_snapshot()

    def reset_stats(self) -> None:
        self.app.stats.reset()

    def set_faults(self, faults: FaultConfig) -> None:
        self.app.set_faults(faults)

    def reset_throttle(self) -> None:
        self.app.throttle.reset()
