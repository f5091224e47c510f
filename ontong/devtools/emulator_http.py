"""The HTTP plumbing the local emulators share (Meta's Graph API, Kakao's 오픈빌더·Event API·
알림톡): a threading server on a local port, and a quiet JSON handler that only answers this
machine (a page on another site, or a DNS-rebound name, must not drive the demo)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class Server(ThreadingHTTPServer):
    # A worker sends a batch's notices at once (notices.send_in_parallel) and every request is a
    # new connection: with the standard backlog of 5, connections beyond it waited for the
    # kernel's one-second SYN retry, as a real platform's would not.
    request_queue_size = 256
    daemon_threads = True


class LocalServer:
    """An emulator's server; subclasses give the handler class that serves them."""

    server: ThreadingHTTPServer | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        assert self.server is not None, "start() the emulator first"
        # typeshed types server_address for every socket family; TCP's is (host, port).
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"  # type: ignore[str-bytes-safe]

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        self.server = Server((host, port), self.handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


class LocalHandler(BaseHTTPRequestHandler):
    json_type = "application/json"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def reply(self, status: int, body: Any, content_type: str = "") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type or self.json_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_json(self, empty: Any) -> Any:
        """The request's JSON body; `empty` when there is none or it is not JSON."""
        length = int(self.headers.get("Content-Length") or 0)
        try:
            raw = self.rfile.read(length)
            return json.loads(raw) if raw else empty
        except ValueError:
            return empty

    def from_this_machine(self, posting: bool) -> bool:
        """The Host is this server's loopback address and a browser's POST comes from its own
        page."""
        # typeshed types server_address for every socket family; TCP's is (host, port).
        port = self.server.server_address[1]  # type: ignore[index]
        bound = self.server.server_address[0]  # type: ignore[index]
        hosts = {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]", bound)}
        host = self.headers.get("Host", "")
        origin = self.headers.get("Origin")
        return host in hosts and (not posting or origin is None or origin == f"http://{host}")
