"""The 5-second rule under a slowed database: the HTTP answer comes within the budget, and the
real answer reaches the callbackUrl exactly once (or goes back to the delivery queue)."""

import threading
import time

import pytest
from django.db.backends.signals import connection_created

from ontong.channels.kakao import skill
from ontong.channels.kakao.models import SkillRequest
from ontong.complaints.models import Complaint, Message

from .conftest import skill_payload
from .helpers import FakeKakao

pytestmark = pytest.mark.django_db(transaction=True)
SLOW_QUERY = 0.05  # seconds added to every query the processing thread makes


@pytest.fixture
def fake_kakao():
    kakao = FakeKakao().start()
    yield kakao
    kakao.stop()


@pytest.fixture
def slow_database(settings):
    """Every query of the skill's processing thread sleeps first (a loaded database server);
    the view's own few queries are left alone."""

    def sleepy(execute, sql, params, many, context):
        time.sleep(SLOW_QUERY)
        return execute(sql, params, many, context)

    def slow_down(sender, connection, **kwargs):
        if threading.current_thread().name.startswith("kakao-skill-"):
            connection.execute_wrappers.append(sleepy)

    connection_created.connect(slow_down, dispatch_uid="kakao-slow-db")
    settings.ONTONG_KAKAO_SKILL_BUDGET = 1.0
    yield
    connection_created.disconnect(dispatch_uid="kakao-slow-db")


VIEW_QUERY = 0.2  # seconds added to every query of the view itself (storing the request)


def timed(post_skill, payload):
    """Post without waiting for the processing thread: the time Kakao would measure. The view's
    own queries are slowed too."""
    from django.db import connection

    queries = []

    def sleepy(execute, sql, params, many, context):
        queries.append(sql)
        time.sleep(VIEW_QUERY)
        return execute(sql, params, many, context)

    started = time.monotonic()
    with connection.execute_wrapper(sleepy):
        response = post_skill(payload, wait=False)
    elapsed = time.monotonic() - started
    assert queries  # the view did reach the database (slowly)
    return response, elapsed


def test_slow_database_answers_use_callback_at_once_then_posts_the_real_answer_once(
    bot, post_skill, fake_kakao, slow_database
):
    url = f"{fake_kakao.base_url}/v1/bots/{bot.bot_id}/callback/token-1"
    response, elapsed = timed(
        post_skill, skill_payload("동문동 가로등이 고장났어요", callback_url=url)
    )
    assert elapsed < 5 and elapsed < 1.0 + 1.5
    assert response.json() == {
        "version": "2.0",
        "useCallback": True,
        "data": {"text": "접수하고 있습니다…"},
    }
    assert not fake_kakao.callbacks  # the conversation is still running
    skill.wait_for_threads()
    complaint = Complaint.objects.get()
    assert len(fake_kakao.callbacks) == 1
    posted = fake_kakao.callbacks[0]
    assert posted["version"] == "2.0"
    assert complaint.receipt_no in posted["template"]["outputs"][0]["simpleText"]["text"]
    ack = Message.objects.get(direction="out", purpose="ack")
    assert (ack.delivery, ack.route) == ("sent", "callback")
    stored = SkillRequest.objects.get()
    assert stored.callback_state == "sent" and stored.callback_response == posted
    # Nothing else can send it again: the callback state is settled.
    skill.answer_later(stored.pk, skill.Made(posted, [ack.pk]))
    assert len(fake_kakao.callbacks) == 1


def test_a_refused_callback_puts_the_replies_back_in_the_delivery_queue(
    bot, post_skill, fake_kakao, slow_database
):
    fake_kakao.callback_status = 400
    fake_kakao.callback_body = {"status": "FAIL", "message": "Invalid callback token"}
    url = f"{fake_kakao.base_url}/v1/bots/{bot.bot_id}/callback/expired"
    response, elapsed = timed(post_skill, skill_payload("가로등이 고장났어요", callback_url=url))
    assert elapsed < 5 and response.json()["useCallback"] is True
    skill.wait_for_threads()
    assert len(fake_kakao.callbacks) == 1
    ack = Message.objects.get(direction="out", purpose="ack")
    assert ack.delivery == "queued" and "콜백 실패" in ack.last_error
    stored = SkillRequest.objects.get()
    assert stored.callback_state == "failed" and "Invalid callback token" in stored.error
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path__endswith="deliver_message", status="READY")
    assert any(t.args_kwargs["args"] == [ack.pk] for t in queued)


@pytest.mark.parametrize(
    "host",
    [
        "localhost",  # this machine under another name (the emulator's 127.0.0.1 is listed)
        "169.254.169.254",  # a cloud metadata service
        "10.0.0.7",
        "bot-api.kakao.com.evil.example",
    ],
)
def test_a_callback_url_off_kakaos_hosts_is_never_called(
    bot, post_skill, fake_kakao, slow_database, host
):
    """Kakao does not sign requests: whoever knows the skill URL names the callbackUrl. The
    answer is never POSTed anywhere but Kakao's bot API; the citizen's replies go as notices."""
    port = fake_kakao.server.server_address[1]
    url = f"http://{host}:{port}/v1/bots/{bot.bot_id}/callback/token-x"
    response, elapsed = timed(post_skill, skill_payload("가로등이 고장났어요", callback_url=url))
    assert elapsed < 5
    assert "useCallback" not in response.json()
    skill.wait_for_threads()
    assert not fake_kakao.callbacks
    stored = SkillRequest.objects.get()
    assert stored.callback_url == "" and stored.callback_state == ""
    assert "허용되지 않은 콜백 주소" in stored.error
    ack = Message.objects.get(direction="out", purpose="ack")
    assert ack.delivery == "queued"  # the delivery worker sends it (Event API, fallback chain)


def test_only_https_to_kakaos_bot_api_is_a_callback(settings):
    from ontong.channels.kakao.media import allowed

    hosts = ["kakao.com"]
    assert allowed("https://bot-api.kakao.com/v1/bots/b/callback/t", hosts)
    assert not allowed("http://bot-api.kakao.com/v1/bots/b/callback/t", hosts)
    assert not allowed("https://127.0.0.1/v1/bots/b/callback/t", hosts)
    assert not allowed("https://kakao.com@169.254.169.254/latest/meta-data/", hosts)


def test_without_a_callback_the_wait_text_then_the_replies_go_as_notices(
    bot, post_skill, slow_database
):
    response, elapsed = timed(post_skill, skill_payload("가로등이 고장났어요"))
    assert elapsed < 5
    text = response.json()["template"]["outputs"][0]["simpleText"]["text"]
    assert "잠시 후 '처리현황'으로 확인해 주세요" in text
    skill.wait_for_threads()
    ack = Message.objects.get(direction="out", purpose="ack")
    assert ack.delivery == "queued" and ack.route == ""
    assert SkillRequest.objects.get().state == "processed"


def test_a_request_whose_process_died_is_made_by_the_recovery_task(bot, run_tasks):
    """Stored, never processed (the answering process was killed): the task enqueued with it
    runs the conversation, and its replies go to the delivery queue."""
    from ontong.channels.kakao.payload import parse

    body = __import__("json").dumps(skill_payload("가로등이 고장났어요")).encode()
    stored = skill.store(bot, body, {}, parse(body))
    assert skill.recover(stored.pk) == "recovered"
    assert skill.recover(stored.pk) == "nothing to do"
    assert Complaint.objects.count() == 1
    ack = Message.objects.get(direction="out", purpose="ack")
    assert ack.delivery == "queued"


def test_a_resend_while_the_first_is_still_running_opens_nothing(
    bot, post_skill, fake_kakao, slow_database
):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Two writers at once: the test's shared-cache in-memory SQLite answers "table is
        # locked" at once instead of waiting (a WAL file, as deployed, waits). PostgreSQL runs it.
        pytest.skip("needs a database that lets two connections write in turn")
    payload = skill_payload("가로등이 고장났어요")
    first, elapsed = timed(post_skill, payload)
    assert elapsed < 5
    again, elapsed = timed(post_skill, payload)  # Kakao's resend after its timeout
    assert elapsed < 5
    text = again.json()["template"]["outputs"][0]["simpleText"]["text"]
    assert "잠시 후" in text
    skill.wait_for_threads()
    assert Complaint.objects.count() == 1
    assert SkillRequest.objects.filter(duplicate_of__isnull=False).count() == 1


def test_a_crash_after_the_wait_answer_tells_the_citizen_by_callback(
    bot, post_skill, fake_kakao, slow_database, monkeypatch
):
    from ontong.channels.kakao import conversation as kakao_conversation

    def crash(*args):
        time.sleep(1.5)  # past the budget
        raise RuntimeError("bug")

    monkeypatch.setattr(kakao_conversation, "as_inbound", crash)
    monkeypatch.setattr(skill, "as_inbound", crash)
    url = f"{fake_kakao.base_url}/v1/bots/{bot.bot_id}/callback/token-2"
    response, _elapsed = timed(post_skill, skill_payload("가로등", callback_url=url))
    assert response.json()["useCallback"] is True
    skill.wait_for_threads()
    assert len(fake_kakao.callbacks) == 1
    assert (
        "다시 보내 주세요"
        in fake_kakao.callbacks[0]["template"]["outputs"][0]["simpleText"]["text"]
    )
    stored = SkillRequest.objects.get()
    assert stored.state == "failed" and "RuntimeError" in stored.error
    assert not Complaint.objects.exists()
