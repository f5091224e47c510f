"""A local HTTP server standing in for Kakao's callback endpoint and photo host in tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeKakao:
    """Records callback POSTs (answering as Kakao does, or with `callback_status`) and serves
    `files[path] = (content_type, bytes)`."""

    def __init__(self) -> None:
        self.callbacks: list[dict] = []
        self.callback_status = 200
        self.callback_body: dict = {"taskId": "t-1", "status": "SUCCESS", "message": "OK"}
        self.files: dict[str, tuple[str, bytes]] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                owner.callbacks.append(json.loads(self.rfile.read(length)))
                body = json.dumps(owner.callback_body).encode()
                self.send_response(owner.callback_status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                found = owner.files.get(self.path)
                if found is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                content_type, data = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FakeKakao":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
