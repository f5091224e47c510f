"""One HTTP client per process for calls to outside platforms (Graph API, SMS gateway, Meta's
media CDN): building a client's TLS context loads the CA bundle, about 40 ms, which every
acknowledgement paid when each call made its own client (bench/e2e.py); connections are reused
too. Every call still passes its own timeout."""

import os
import threading

import httpx

_client: httpx.Client | None = None
_owner_pid = 0
_lock = threading.Lock()


def http() -> httpx.Client:
    global _client, _owner_pid
    if _client is None or _owner_pid != os.getpid():  # a forked child builds its own
        with _lock:
            if _client is None or _owner_pid != os.getpid():
                _client = httpx.Client(follow_redirects=False)
                _owner_pid = os.getpid()
    return _client
