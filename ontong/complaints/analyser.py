"""Korean morpheme analysis, in this process or in the machine's one analyser process
(`ontong analyser`, docs/decisions/0001-shared-korean-analyser.md).

Kiwi's language model takes about 320 MiB in every process that loads it. When
ONTONG_ANALYSER_SOCKET names a running analyser, web and task workers send it their texts over a
Unix socket instead and never load Kiwi. When the analyser cannot be reached (not started yet,
restarting), the text is analysed here: slower to start and bigger, never an error.
"""

import hashlib
import hmac
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

Token = tuple[str, str, int]  # form, tag, start offset
RETRY_SECONDS = 30
# An analysis takes about 20 ms per 1,000 characters; a batch of a whole history minutes.
BASE_TIMEOUT_SECONDS = 10
SECONDS_PER_MILLION_CHARS = 60

_local = threading.local()
_down_until = 0.0
_kiwi: Any = None  # kiwipiepy ships no types
_kiwi_lock = threading.Lock()


def kiwi() -> Any:
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                # Without the multi-word WikiData dictionary: 185 MiB less per process and the
                # same routing scores on the shared datasets (docs/routing.md). Worker threads
                # serve batches (training); a single text is analysed in the caller's thread.
                _kiwi = Kiwi(load_multi_dict=False, num_workers=max(1, os.cpu_count() or 1))
    return _kiwi


def tokenize(texts: list[str]) -> list[list[Token]]:
    """Each text's tokens, from the shared analyser if one is configured and answering."""
    if not texts:
        return []
    address = settings.ONTONG_ANALYSER_SOCKET
    if address and time.monotonic() >= _down_until:
        try:
            return remote_with_one_retry(address, texts)
        except (OSError, EOFError, AuthenticationError) as error:
            mark_down(address, error)
    return local_tokenize(texts)


def remote_with_one_retry(address: str, texts: list[str]) -> list[list[Token]]:
    """A connection kept from before the analyser restarted fails once; a new one then works
    (without the retry every worker would load Kiwi after each analyser restart)."""
    reused = getattr(_local, "connection", None) is not None
    try:
        return remote_tokenize(address, texts)
    except (EOFError, ConnectionError):  # not a timeout: waiting twice helps nobody
        if not reused:
            raise
        return remote_tokenize(address, texts)


def local_tokenize(texts: list[str]) -> list[list[Token]]:
    # One text is analysed in the caller's thread: handing it to Kiwi's pool only adds a wait.
    analyses = [kiwi().tokenize(texts[0])] if len(texts) == 1 else kiwi().tokenize(texts)
    return [[(t.form, t.tag, t.start) for t in tokens] for tokens in analyses]


def remote_tokenize(address: str, texts: list[str]) -> list[list[Token]]:
    connection = connection_to(address)
    try:
        connection.send(texts)
        timeout = BASE_TIMEOUT_SECONDS + SECONDS_PER_MILLION_CHARS * sum(map(len, texts)) / 1e6
        if not connection.poll(timeout):
            raise TimeoutError(f"no answer in {timeout:.0f} s")
        answer: list[list[Token]] | Exception = connection.recv()
    except BaseException:
        drop_connection()  # a half-read answer would be read as the next one
        raise
    if isinstance(answer, Exception):
        raise OSError(f"analyser failed: {answer}")
    return answer


def connection_to(address: str) -> Connection:
    """One connection per thread, opened on first use and reused."""
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = Client(address, family="AF_UNIX", authkey=auth_key())
        _local.connection = connection
    return connection


def drop_connection() -> None:
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        connection.close()


def mark_down(address: str, error: BaseException) -> None:
    global _down_until
    _down_until = time.monotonic() + RETRY_SECONDS
    logger.warning(
        "형태소 분석기(%s)에 닿지 않아 이 프로세스에서 분석합니다 (%s초 뒤 다시 시도): %s",
        address,
        RETRY_SECONDS,
        error,
    )


def auth_key() -> bytes:
    """Derived from SECRET_KEY: only processes of this installation may use the analyser."""
    return hmac.new(settings.SECRET_KEY.encode(), b"ontong-analyser", hashlib.sha256).digest()


def serve(address: str, ready: threading.Event | None = None) -> None:
    """Answer analysis requests on a Unix socket until the process stops; one thread per
    connection (Kiwi releases the GIL while it analyses)."""
    kiwi().tokenize("준비")  # the socket appears only once the language model is loaded
    if os.path.exists(address):
        os.unlink(address)  # left by an analyser that was killed
    previous = os.umask(0o077)  # the socket is for this user's processes only
    try:
        listener = Listener(address, family="AF_UNIX", authkey=auth_key())
    finally:
        os.umask(previous)
    if ready is not None:
        ready.set()
    with listener:
        while True:
            try:
                connection = listener.accept()
            except (OSError, EOFError, AuthenticationError) as error:  # wrong key, gone away
                logger.warning("분석기 연결 거절: %s", error)
                continue
            threading.Thread(target=answer_requests, args=(connection,), daemon=True).start()


def answer_requests(connection: Connection) -> None:
    with connection:
        while True:
            try:
                texts = connection.recv()
            except (EOFError, OSError):
                return
            try:
                if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                    raise ValueError("expected a list of texts")
                answer: list[list[Token]] | ValueError = local_tokenize(texts)
            except Exception as error:  # noqa: BLE001 - reported to the caller, who falls back
                answer = ValueError(str(error))
            try:
                connection.send(answer)
            except OSError:  # the caller gave up waiting
                return


def wait_for_socket(
    address: str, alive: Callable[[], bool] = lambda: True, seconds: float = 120
) -> bool:
    """Whether an analyser is listening at address within the time (False if it died)."""
    deadline = time.monotonic() + seconds
    while not os.path.exists(address):
        if not alive() or time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def start_process(address: str, **popen: Any) -> subprocess.Popen[bytes]:
    """An `ontong analyser` process listening at address. A socket file left by an earlier one
    is removed first: it would look ready before this one is."""
    if os.path.exists(address):
        os.unlink(address)
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "ontong", "analyser", "--socket", address], **popen
    )
    if not wait_for_socket(address, lambda: process.poll() is None):
        process.kill()
        raise RuntimeError(f"the analyser did not start at {address}")
    return process
