"""The shared Korean analyser: a real `ontong analyser` process answers as Kiwi in this process
would, and a worker that cannot reach it analyses by itself instead of failing."""

import os
import time
from multiprocessing.connection import Client
from pathlib import Path

import pytest

from ontong.complaints import analyser, search
from ontong.routing import pipeline

ROOT = Path(__file__).resolve().parents[3]
TEXT = "석림동 가로등이 고장났어요. 밤에 너무 어두워요 😢"


def start_analyser(address: str):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ontong.settings"}
    return analyser.start_process(address, cwd=ROOT, env=env)


@pytest.fixture
def analyser_process(tmp_path):
    address = str(tmp_path / "a.sock")
    process = start_analyser(address)
    yield process, address
    process.kill()
    process.wait()


@pytest.fixture(autouse=True)
def fresh_client(monkeypatch):
    analyser.drop_connection()
    monkeypatch.setattr(analyser, "_down_until", 0.0)
    yield
    analyser.drop_connection()


def test_workers_use_the_shared_analyser_and_get_what_kiwi_gives(
    analyser_process, settings, monkeypatch
):
    _, address = analyser_process
    settings.ONTONG_ANALYSER_SOCKET = address
    expected = analyser.local_tokenize([TEXT, "도로 파임", ""])
    monkeypatch.setattr(analyser, "local_tokenize", lambda texts: pytest.fail("analysed here"))

    assert analyser.tokenize([TEXT, "도로 파임", ""]) == expected
    assert ("가로등", "NNG", 4) in expected[0]
    assert search.terms(TEXT)[:3] == ["석림동", "가로등", "고장"]
    pipeline._analysed.pop(TEXT, None)
    assert "가로등/NNG" in pipeline.morpheme_analyzer(TEXT)


def test_an_unreachable_analyser_means_analysing_here_not_an_error(tmp_path, settings, caplog):
    settings.ONTONG_ANALYSER_SOCKET = str(tmp_path / "missing.sock")

    assert search.terms(TEXT)[:2] == ["석림동", "가로등"]
    assert analyser._down_until > time.monotonic()  # not retried on every call
    assert "형태소 분석기" in caplog.text


def test_a_killed_analyser_falls_back_and_a_wrong_key_is_refused(
    analyser_process, settings, monkeypatch
):
    process, address = analyser_process
    settings.ONTONG_ANALYSER_SOCKET = address
    assert analyser.tokenize(["가로등"])[0][0][0] == "가로등"

    monkeypatch.setattr(analyser, "auth_key", lambda: b"another installation")
    analyser.drop_connection()
    assert analyser.tokenize(["가로등"])[0][0][0] == "가로등"  # analysed here
    assert analyser._down_until > 0

    monkeypatch.undo()
    monkeypatch.setattr(analyser, "_down_until", 0.0)
    process.kill()
    process.wait()
    assert analyser.tokenize(["도로"])[0][0][0] == "도로"


def test_after_the_analyser_restarts_workers_use_the_new_one_not_their_own_kiwi(
    tmp_path, settings, monkeypatch
):
    address = str(tmp_path / "r.sock")
    settings.ONTONG_ANALYSER_SOCKET = address
    first = start_analyser(address)
    monkeypatch.setattr(analyser, "local_tokenize", lambda texts: pytest.fail("analysed here"))
    try:
        assert analyser.tokenize(["가로등"])[0][0][0] == "가로등"
        first.kill()
        first.wait()
        os.unlink(address)
        second = start_analyser(address)
        try:
            assert analyser.tokenize(["도로"])[0][0][0] == "도로"  # the kept connection is stale
        finally:
            second.kill()
            second.wait()
    finally:
        if first.poll() is None:
            first.kill()


def test_a_malformed_request_gets_an_error_answer_and_the_analyser_keeps_serving(
    analyser_process, settings
):
    _, address = analyser_process
    with Client(address, family="AF_UNIX", authkey=analyser.auth_key()) as connection:
        connection.send({"not": "a list"})
        assert isinstance(connection.recv(), ValueError)
        connection.send(["가로등"])
        assert connection.recv()[0][0] == ("가로등", "NNG", 0)
    settings.ONTONG_ANALYSER_SOCKET = address
    with pytest.raises(OSError, match="analyser failed"):
        analyser.remote_tokenize(address, ["ok", b"bytes"])
